/**
 * The proposer's rule for what it builds on (H-1 of issue 9), against two real `hardhat node`
 * processes: it names the last checkpoint in its submission, and builds only on a predecessor
 * that commits its own blocks and, while pending, carries only valid signatures. A rogue's
 * checkpoint with a forged signature, or with a block of a dropped fork at its end, is waited
 * out, never continued, so no challenge of the boundary can slash the honest proposer.
 */
import { expect } from "chai";
import { join } from "node:path";
import { Wallet, type Contract } from "ethers";
import pino from "pino";
import { Writable } from "node:stream";

import { Metrics } from "../../../relayer/src/api/metrics";
import { RpcClient } from "../../../relayer/src/chain/provider";
import { fetchBlock } from "../../../relayer/src/chain/receipts";
import type { RpcBlock } from "../../../relayer/src/chain/rpcValues";
import { parseConfig } from "../../../relayer/src/config";
import type { RoleContext } from "../../../relayer/src/roles/context";
import { Proposer } from "../../../relayer/src/roles/proposer";
import { SigningRounds } from "../../../relayer/src/roles/signing";
import { Validator } from "../../../relayer/src/roles/validator";
import { Watcher } from "../../../relayer/src/roles/watcher";
import { Store } from "../../../relayer/src/store";
import { TxSender } from "../../../relayer/src/tx/sender";
import { RogueProposer, contractOf } from "../../e2e/faults";
import { deployDevnet, devAccount, makeTempDir, makeValidatorWallets, startHardhatNode, stopAllNodes, type Devnet, type RunningNode } from "../../e2e/harness";

const VALIDATORS = makeValidatorWallets(1, "proposer test validators");

describe("proposer: what it builds on (two hardhat nodes)", function () {
  this.timeout(180_000);
  let main: RunningNode;
  let child: RunningNode;
  let devnet: Devnet;
  let ctx: RoleContext;
  let proposer: Proposer;
  let watcher: Watcher;
  let manager: Contract;
  let rogue: RogueProposer;
  const logs: Record<string, unknown>[] = [];
  const controller = new AbortController();
  const honest = devAccount(1);

  before(async () => {
    [main, child] = await Promise.all([startHardhatNode({ chainId: 31337 }), startHardhatNode({ chainId: 31338 })]);
    // A long window: every checkpoint stays pending unless a challenge reverts it.
    devnet = await deployDevnet(main, child, { validators: VALIDATORS, challengePeriod: 3_600 });
    const chain = (node: RunningNode, role: "main" | "child") => ({ rpcUrl: node.url, chainId: node.chainId, confirmations: 0, pollIntervalMs: 100, deployment: devnet.deployment.files[role] });
    const config = parseConfig({
      dbPath: join(makeTempDir("proposer"), "db.sqlite"),
      chains: { main: chain(main, "main"), child: chain(child, "child") },
      roles: { proposer: { enabled: true, maxBlocks: 64, maxWaitMs: 0, emptyCheckpoints: true } },
      tx: { receiptPollMs: 100, stuckTimeoutMs: 20_000 },
      keys: { validator: VALIDATORS[0].privateKey, proposer: honest.privateKey, executor: honest.privateKey },
    });
    const rpc = {
      main: new RpcClient("main", main.url, main.chainId, { timeoutMs: 5_000, retries: 1, backoffMs: 50 }),
      child: new RpcClient("child", child.url, child.chainId, { timeoutMs: 5_000, retries: 1, backoffMs: 50 }),
    };
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => void (logs.push(JSON.parse(chunk.toString())), done()) });
    const log = pino({ level: "info" }, sink);
    ctx = { config, store: Store.open(config.dbPath), log, rpc, metrics: new Metrics(), rounds: new SigningRounds(), signal: controller.signal };
    const validator = new Validator(ctx, VALIDATORS[0].privateKey);
    const sender = new TxSender(rpc.child, child.chainId, honest.privateKey, ctx.store, config.tx, log, controller.signal);
    proposer = new Proposer(ctx, { source: "main", destination: "child" }, sender, (request) => validator.attest(request));
    watcher = new Watcher(ctx, "main");
    manager = contractOf(devnet.deployment.child, "CheckpointManager", child.provider);
    rogue = new RogueProposer(devAccount(3, child.provider), { file: devnet.deployment.child, chainId: child.chainId }, main.chainId);
  });

  after(async () => {
    controller.abort();
    ctx?.store.close();
    await stopAllNodes();
  });

  const mineMain = async (count: number) => {
    for (let i = 0; i < count; i++) await main.provider.send("evm_mine", []);
  };
  /** The watcher records main's new blocks, then the proposer takes one step. */
  const step = async () => {
    while (await watcher.step());
    return proposer.step();
  };
  const head = async () => (await manager.head()) as [bigint, bigint, string];
  const honestSlashes = async () => (await manager.queryFilter(manager.filters.BondSlashed(honest.address))).length;
  const refusals = (reason: string) => logs.filter((l) => l.at === "proposer.predecessor" && l.reason === reason);
  const leafOf = (b: RpcBlock) => ({ number: BigInt(b.number), hash: b.hash, receiptsRoot: b.receiptsRoot });
  const mainBlocks = async (from: bigint, to: bigint) => {
    const blocks: RpcBlock[] = [];
    for (let n = from; n <= to; n++) blocks.push(await fetchBlock(main.provider, n));
    return blocks;
  };

  it("submits the first checkpoint on zero and the next one on the first, bonding a share for each", async () => {
    await mineMain(3);
    expect(await step()).to.equal(true);
    const [count, , first] = await head();
    expect(count).to.equal(1n);
    await mineMain(2);
    expect(await step()).to.equal(true);
    const events = await manager.queryFilter(manager.filters.CheckpointSubmitted(1n));
    const tx = await child.provider.getTransaction(events[0].transactionHash);
    const [, previousBlockRoot] = manager.interface.decodeFunctionData("submitCheckpoint", tx!.data);
    expect(previousBlockRoot).to.equal(first);
    expect((await head())[0]).to.equal(2n);
    // Both are pending: the proposer topped its bond up to a share for each.
    expect(((await manager.bondOf(honest.address)) as [bigint, bigint])[0]).to.equal(2n * ((await manager.minBond()) as bigint));
  });

  it("does not build on a pending checkpoint with a forged signature, and builds once a challenge reverts it (variant A)", async () => {
    await rogue.ensureBond();
    await mineMain(2);
    const [count, next] = await head();
    const blocks = await mainBlocks(next, BigInt(await main.provider.getBlockNumber()));
    const forged = await rogue.submit(blocks.map(leafOf), [{ index: 0, key: Wallet.createRandom() as unknown as Wallet }]);
    expect(forged.id).to.equal(count);

    await mineMain(2);
    expect(await step(), "no submission on top of the forgery").to.equal(false);
    expect((await head())[0]).to.equal(count + 1n);
    expect(refusals("forged-signature")).to.have.length(1);
    // Asked again, it still waits, and says so once.
    expect(await step()).to.equal(false);
    expect(refusals("forged-signature")).to.have.length(1);

    const attestation = [rogue.wallet.address, [...((await contractOf(devnet.deployment.child, "ValidatorSet", child.provider).packedValidators()) as string[])], "0x00", (await forgedSignatures(manager, forged.blockNumber))];
    const challenger = devAccount(4, child.provider);
    await (await (manager.connect(challenger) as Contract).challengeSignature(forged.id, attestation, 0)).wait();

    expect(await step()).to.equal(true);
    const [after, , last] = await head();
    expect(after).to.equal(count + 1n);
    expect(last).to.not.equal(forged.tree.root);
    expect(await honestSlashes(), "the honest proposer is never slashed").to.equal(0);
  });

  it("waits, sending nothing, while MAX_PENDING_PER_PROPOSER of its checkpoints are pending", async () => {
    const max = (await manager.MAX_PENDING_PER_PROPOSER()) as bigint;
    const ours = async () => (await manager.queryFilter(manager.filters.CheckpointSubmitted(undefined, honest.address))).length;
    const pendingOurs = async () => {
      const [required] = (await manager.submissionBond(honest.address)) as [bigint, bigint];
      return required / ((await manager.minBond()) as bigint) - 1n;
    };
    while ((await pendingOurs()) < max) {
      await mineMain(2);
      expect(await step()).to.equal(true);
    }
    const submitted = await ours();
    const nonce = await child.provider.getTransactionCount(honest.address);
    await mineMain(2);
    expect(await step()).to.equal(false);
    expect(await ours()).to.equal(submitted);
    expect(await child.provider.getTransactionCount(honest.address)).to.equal(nonce);
  });

  it("does not build on a validly signed checkpoint whose last block is not on its chain", async () => {
    await mineMain(2);
    const { dropped, keptNext } = await mineDroppedBlock(main);
    const [count, next] = await head();
    const blocks = await mainBlocks(next, keptNext - 1n);
    const leaves = blocks.map((b) => (BigInt(b.number) === BigInt(dropped.number) ? leafOf(dropped) : leafOf(b)));
    await rogue.ensureBond();
    await rogue.submit(leaves, [{ index: 0, key: new Wallet(VALIDATORS[0].privateKey) }]);

    await mineMain(2);
    expect(await step()).to.equal(false);
    expect((await head())[0]).to.equal(count + 1n);
    expect(refusals("other-blocks")).to.have.length(1);
    expect(await honestSlashes(), "the honest proposer is never slashed").to.equal(0);
  });

  it("activates a scheduled validator set once its delay has passed, and not before", async () => {
    const validatorSet = contractOf(devnet.deployment.child, "ValidatorSet", devAccount(0, child.provider));
    const [addresses] = (await validatorSet.validators()) as [string[], bigint[]];
    await (await validatorSet.proposeValidators([...addresses], [2n], 2n)).wait();
    const [activatesAt] = (await validatorSet.pendingChange()) as [bigint];
    await mineMain(1);
    await step();
    expect(await validatorSet.epoch()).to.equal(1n);
    await child.provider.send("evm_setNextBlockTimestamp", [Number(activatesAt)]);
    await child.provider.send("evm_mine", []);
    await step();
    expect(await validatorSet.epoch()).to.equal(2n);
    expect(await validatorSet.threshold()).to.equal(2n);
    expect(logs.filter((l) => l.at === "proposer.validator-set")).to.have.length(1);
  });
});

/** The signatures of the CheckpointSubmitted event in `blockNumber`. */
async function forgedSignatures(manager: Contract, blockNumber: number): Promise<string> {
  const [event] = await manager.queryFilter(manager.filters.CheckpointSubmitted(), blockNumber, blockNumber);
  return (manager.interface.parseLog(event)!.args.signatures as string);
}

/** A block of a fork that is dropped, then the kept chain through the next height (mining by hand). */
async function mineDroppedBlock(node: RunningNode): Promise<{ dropped: RpcBlock; keptNext: bigint }> {
  const base = Number(BigInt((await fetchBlock(node.provider, "latest")).timestamp));
  const snapshot = (await node.provider.send("evm_snapshot", [])) as string;
  await node.provider.send("evm_setNextBlockTimestamp", [base + 2]);
  await node.provider.send("evm_mine", []);
  const dropped = await fetchBlock(node.provider, "latest");
  await node.provider.send("evm_revert", [snapshot]);
  await node.provider.send("evm_setNextBlockTimestamp", [base + 1]);
  await node.provider.send("evm_mine", []);
  await node.provider.send("evm_mine", []);
  return { dropped, keptNext: BigInt(dropped.number) + 1n };
}
