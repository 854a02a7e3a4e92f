/** Watcher reorg handling, the validator's equivocation guard and the transaction sender, against a real `hardhat node` process. */
import { expect } from "chai";
import { join } from "node:path";
import { Wallet, verifyTypedData } from "ethers";
import pino from "pino";

import { Metrics } from "../../../relayer/src/api/metrics";
import { CHECKPOINT_TYPES, checkpointDomain } from "../../../relayer/src/chain/abi";
import { RpcClient } from "../../../relayer/src/chain/provider";
import { fetchBlock } from "../../../relayer/src/chain/receipts";
import { buildCheckpointTree } from "../../../relayer/src/proof/checkpointTree";
import { parseConfig } from "../../../relayer/src/config";
import type { RoleContext } from "../../../relayer/src/roles/context";
import { SigningRounds } from "../../../relayer/src/roles/signing";
import { AttestationRefusedError, Validator } from "../../../relayer/src/roles/validator";
import { Watcher } from "../../../relayer/src/roles/watcher";
import { Store } from "../../../relayer/src/store";
import { TxSender } from "../../../relayer/src/tx/sender";
import { devAccount, makeTempDir, startHardhatNode, type RunningNode } from "../../e2e/harness";

const log = pino({ level: "silent" });

describe("watcher and tx sender (hardhat node)", function () {
  this.timeout(120_000);
  let node: RunningNode;
  let ctx: RoleContext;
  let rpc: RpcClient;
  const controller = new AbortController();

  before(async () => {
    node = await startHardhatNode({ chainId: 31337 });
    const contracts = { ValidatorSet: `0x${"1".repeat(40)}`, CheckpointManager: `0x${"2".repeat(40)}`, Messenger: `0x${"3".repeat(40)}` };
    const chain = { rpcUrl: node.url, chainId: 31337, confirmations: 0, pollIntervalMs: 100, contracts, startBlock: 0 };
    const config = parseConfig({ chains: { main: chain, child: { ...chain, chainId: 31338 } }, tx: { receiptPollMs: 100, stuckTimeoutMs: 500 } });
    rpc = new RpcClient("main", node.url, 31337, { timeoutMs: 5_000, retries: 1, backoffMs: 50 });
    const store = Store.open(join(makeTempDir("watcher-tx"), "db.sqlite"));
    ctx = { config, store, log, rpc: { main: rpc, child: rpc }, metrics: new Metrics(), rounds: new SigningRounds(), signal: controller.signal };
  });
  after(async () => {
    controller.abort();
    ctx?.store.close();
    rpc?.destroy();
    await node?.stop();
  });

  const mine = (n: number) => node.provider.send("hardhat_mine", [`0x${n.toString(16)}`]);

  it("rolls back to the fork point when the node reorgs", async () => {
    const watcher = new Watcher(ctx, "main");
    await mine(5);
    const snapshot = await node.provider.send("evm_snapshot", []);
    await mine(4);
    while (await watcher.step());
    const before = ctx.store.blocks.head("main")!;
    expect(before.number).to.equal(9);

    await node.provider.send("evm_revert", [snapshot]);
    // A different fork: a transaction makes its blocks differ from the recorded ones.
    const wallet = devAccount(3, node.provider);
    await (await wallet.sendTransaction({ to: wallet.address, value: 1n })).wait();
    await mine(5);
    for (let i = 0; i < 5; i++) await watcher.step();
    const head = ctx.store.blocks.head("main")!;
    expect(head.number).to.equal(Number(await rpc.blockNumber()));
    for (const b of ctx.store.blocks.range("main", 0, head.number)) {
      expect(b.hash).to.equal((await node.provider.send("eth_getBlockByNumber", [`0x${b.number.toString(16)}`, false])).hash);
    }
  });

  it("validator: signs overlapping ranges of the same blocks, never a second hash for a height it signed", async () => {
    const key = Wallet.createRandom();
    const validator = new Validator(ctx, key.privateKey);
    const request = async (startBlock: number, endBlock: number) => {
      const blocks = [];
      for (let n = startBlock; n <= endBlock; n++) {
        const b = await fetchBlock(rpc, n);
        blocks.push({ number: n, hash: b.hash.toLowerCase(), receiptsRoot: b.receiptsRoot });
      }
      return { sourceChainId: 31337, destinationChainId: 31338, startBlock, endBlock, blockRoot: buildCheckpointTree(blocks).root };
    };
    const checkSigned = async (req: Awaited<ReturnType<typeof request>>) => {
      const { signer, signature } = await validator.attest(req);
      const domain = checkpointDomain(31338, ctx.config.chains.child.contracts.CheckpointManager);
      const { destinationChainId: _, ...value } = req;
      expect(verifyTypedData(domain, CHECKPOINT_TYPES, value, signature)).to.equal(key.address);
      expect(signer).to.equal(key.address);
    };

    await mine(3);
    const top = Number(await rpc.blockNumber());
    const snapshot = await node.provider.send("evm_snapshot", []);
    await mine(3);
    await checkSigned(await request(top - 2, top + 2));
    // Another proposer cuts the same blocks differently: consistent, so signed.
    await checkSigned(await request(top, top + 3));

    // The node reorgs below the depth: heights top+1.. now hold other blocks.
    await node.provider.send("evm_revert", [snapshot]);
    const wallet = devAccount(3, node.provider);
    await (await wallet.sendTransaction({ to: wallet.address, value: 1n })).wait();
    await mine(3);
    const conflicting = await request(top - 1, top + 2);
    const refusal = await validator.attest(conflicting).then(() => undefined, (error: unknown) => error);
    expect(refusal).to.be.instanceOf(AttestationRefusedError);
    expect((refusal as AttestationRefusedError).status).to.equal(409);
    expect((refusal as Error).message).to.match(new RegExp(`block ${top + 1} was signed as 0x[0-9a-f]{64}; refusing .*equivocation`));
    // The refusal recorded nothing: heights never signed are still free, the old ones still bind.
    await checkSigned(await request(top + 4, top + 4));
    expect(ctx.store.attestations.vouch("main", "child", key.address.toLowerCase(), [{ number: top + 1, hash: conflicting.blockRoot }])).to.include({ number: top + 1 });
  });

  it("hands out distinct nonces, and replaces a stuck transaction at the same nonce", async () => {
    const sender = new TxSender(rpc, 31337, devAccount(4).privateKey, ctx.store, ctx.config.tx, log, controller.signal);
    const to = Wallet.createRandom().address;
    const [a, b] = await Promise.all([
      sender.execute({ intent: "test:a", to, data: "0x", value: 1n }),
      sender.execute({ intent: "test:b", to, data: "0x", value: 2n }),
    ]);
    expect(a.status).to.equal("mined");
    const nonces = ["test:a", "test:b"].map((i) => ctx.store.txs.latestForIntent("main", i)!.nonce);
    expect(new Set(nonces).size).to.equal(2);
    expect(b.hash).to.not.equal(a.hash);

    await node.provider.send("evm_setAutomine", [false]);
    const pending = sender.execute({ intent: "test:stuck", to, data: "0x", value: 3n });
    await new Promise((r) => setTimeout(r, 1_500));
    await node.provider.send("evm_setAutomine", [true]);
    await mine(1);
    const outcome = await pending;
    expect(outcome.status).to.equal("mined");
    const first = ctx.store.txs.latestForIntent("main", "test:stuck")!;
    const attempts = ctx.store.txs.atNonce("main", sender.address, first.nonce);
    expect(attempts.length).to.be.greaterThan(1);
    expect(new Set(attempts.map((t) => `${t.to}:${t.data}:${t.value}`)).size).to.equal(1);
    expect(attempts.filter((t) => t.status === "mined")).to.have.length(1);

    // A restart asking for a mined intent again does not resume it; a pending one is resumed, not re-signed.
    const restarted = new TxSender(rpc, 31337, devAccount(4).privateKey, ctx.store, ctx.config.tx, log, controller.signal);
    await restarted.recover();
    expect(ctx.store.txs.countPending()).to.equal(0);
  });
});
