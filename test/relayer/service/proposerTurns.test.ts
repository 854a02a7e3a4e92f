/**
 * What keeps two proposers from wasting gas on one range: their turn order (roles/stagger.ts) over a
 * real SQLite store, and the transaction sender's two race checks against a real `hardhat node`
 * whose transactions wait in the pool (automine off): the pending-block eth_call right before
 * signing, and the no-op replacement of a transaction no longer wanted while pending.
 */
import { join } from "node:path";
import { expect } from "chai";
import { Interface, Wallet } from "ethers";
import pino from "pino";

import { RpcClient } from "../../../relayer/src/chain/provider";
import { parseConfig, type Config } from "../../../relayer/src/config";
import { ProposerStagger, RECENT_CHECKPOINTS, proposerRank } from "../../../relayer/src/roles/stagger";
import { Store } from "../../../relayer/src/store";
import { SimulationRevertedError } from "../../../relayer/src/tx/errors";
import { TxSender } from "../../../relayer/src/tx/sender";
import { devAccount, makeTempDir, startHardhatNode, type RunningNode } from "../../e2e/harness";
import { deployArtifact } from "../../e2e/relayerProcess";

const log = pino({ level: "silent" });
const A = devAccount(1).address.toLowerCase();
const B = devAccount(4).address.toLowerCase();

function landed(store: Store, id: number, proposer: string): void {
  store.checkpoints.upsert({ destination: "child", id, startBlock: id * 10, endBlock: id * 10 + 9, blockRoot: `0x${"ab".repeat(32)}`, finalizesAt: 0, proposer, txHash: `0x${id.toString(16).padStart(64, "0")}` });
}

describe("proposers taking turns", function () {
  describe("proposerRank", function () {
    it("gives two proposers opposite places for every range, and each the first place for about half of them", function () {
      let aFirst = 0;
      for (let start = 0; start < 200; start++) {
        const [a, b] = [proposerRank(A, [A, B], 31338, start), proposerRank(B, [A, B], 31338, start)];
        expect([a, b].sort()).to.deep.equal([0, 1]);
        expect(proposerRank(A.toUpperCase().replace("0X", "0x"), [B, A, A], 31338, start), "case and duplicates do not matter").to.equal(a);
        if (a === 0) aFirst++;
      }
      expect(aFirst).to.be.within(70, 130);
      expect(proposerRank(A, [A], 31338, 5)).to.equal(0);
    });
  });

  describe("ProposerStagger", function () {
    let store: Store;
    beforeEach(function () {
      store = Store.open(join(makeTempDir("stagger"), "relayer.sqlite"));
    });
    afterEach(function () {
      store.close();
    });

    it("never waits alone, and waits rank × staggerMs from when the range became ready once another proposer landed checkpoints", function () {
      const stagger = new ProposerStagger(A, { name: "child", chainId: 31338 }, store, 5_000);
      expect(stagger.turn(100, 1_000)).to.deep.equal({ rank: 0, proposers: 1, waitMs: 0 });
      landed(store, 0, B);
      // A range where A comes second: it waits, less as time passes, then goes.
      let start = 101;
      while (proposerRank(A, [A, B], 31338, start) === 0) start++;
      expect(stagger.turn(start, 10_000)).to.deep.equal({ rank: 1, proposers: 2, waitMs: 5_000 });
      expect(stagger.turn(start, 12_000).waitMs).to.equal(3_000);
      expect(stagger.turn(start, 15_000).waitMs).to.equal(0);
      // Where A comes first, it goes at once.
      let first = 101;
      while (proposerRank(A, [A, B], 31338, first) === 1) first++;
      expect(stagger.turn(first, 20_000).waitMs).to.equal(0);
    });

    it("forgets a proposer that landed none of the last checkpoints", function () {
      const stagger = new ProposerStagger(A, { name: "child", chainId: 31338 }, store, 5_000);
      landed(store, 0, B);
      expect(stagger.turn(7, 0).proposers).to.equal(2);
      for (let id = 1; id <= RECENT_CHECKPOINTS; id++) landed(store, id, A);
      expect(stagger.turn(8, 0)).to.deep.equal({ rank: 0, proposers: 1, waitMs: 0 });
    });
  });

  describe("TxSender race checks (hardhat node, automine off)", function () {
    this.timeout(120_000);
    let node: RunningNode;
    let rpc: RpcClient;
    let store: Store;
    let config: Config;
    const controller = new AbortController();

    before(async function () {
      node = await startHardhatNode({ chainId: 31337 });
      const contracts = { ValidatorSet: `0x${"1".repeat(40)}`, CheckpointManager: `0x${"2".repeat(40)}`, Messenger: `0x${"3".repeat(40)}` };
      const chain = { rpcUrl: node.url, chainId: 31337, confirmations: 0, pollIntervalMs: 100, contracts };
      config = parseConfig({ chains: { main: chain, child: { ...chain, chainId: 31338 } }, tx: { receiptPollMs: 100, stuckTimeoutMs: 60_000 } });
      rpc = new RpcClient("main", node.url, 31337, { timeoutMs: 5_000, retries: 1, backoffMs: 50 });
      store = Store.open(join(makeTempDir("tx-races"), "relayer.sqlite"));
    });
    after(async function () {
      controller.abort();
      store?.close();
      rpc?.destroy();
      await node?.stop();
    });
    afterEach(async function () {
      await node.provider.send("evm_setAutomine", [true]);
    });

    it("drops a transaction unsent, with no nonce taken, when a transaction waiting in the pool makes it revert", async function () {
      const owner = devAccount(6, node.provider);
      const token = await deployArtifact("test/TestERC20.sol", "TestERC20", owner, ["Race", "RC", 18]);
      await (await token.getFunction("mint")(owner.address, 10n)).wait();
      const erc20 = new Interface(["function transfer(address to, uint256 amount) returns (bool)", "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)"]);
      const sender = new TxSender(rpc, 31337, owner.privateKey, store, config.tx, log, controller.signal);

      await node.provider.send("evm_setAutomine", [false]);
      // A rival spends the balance; it waits in the pool, so the latest block still shows 10.
      await owner.sendTransaction({ to: await token.getAddress(), data: erc20.encodeFunctionData("transfer", [Wallet.createRandom().address, 10n]), gasLimit: 100_000n });
      const nonce = await node.provider.getTransactionCount(owner.address, "pending");
      const request = { intent: "test:race", to: await token.getAddress(), data: erc20.encodeFunctionData("transfer", [Wallet.createRandom().address, 10n]), abi: erc20, gasLimit: 100_000n };
      const error = await sender.execute({ ...request, recheckBeforeSend: true }).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(SimulationRevertedError);
      expect((error as SimulationRevertedError).errorName).to.equal("ERC20InsufficientBalance");
      expect(store.txs.latestForIntent("main", "test:race")).to.equal(undefined);
      expect(await node.provider.getTransactionCount(owner.address, "pending")).to.equal(nonce);
    });

    it("replaces a pending transaction that is no longer wanted by a no-op at the same nonce", async function () {
      const owner = devAccount(7, node.provider);
      const sender = new TxSender(rpc, 31337, owner.privateKey, store, config.tx, log, controller.signal);
      const receiver = Wallet.createRandom().address;
      await node.provider.send("evm_setAutomine", [false]);
      let asked = 0;
      const outcome = sender.execute({
        intent: "test:unwanted",
        to: receiver,
        data: "0x",
        value: 1n,
        stillWanted: async () => {
          asked++;
          return false;
        },
      });
      const attempts = () => store.txs.atNonce("main", sender.address, store.txs.latestForIntent("main", "test:unwanted")?.nonce ?? -1);
      while (attempts().length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
      await node.provider.send("evm_mine", []);
      const result = await outcome;
      expect(result.status).to.equal("cancelled");
      expect(asked).to.equal(1);
      const [original, noOp] = attempts();
      expect(noOp).to.deep.include({ to: sender.address, data: "0x", value: 0n, gasLimit: 21_000n, nonce: original.nonce, status: "mined" });
      expect(noOp.maxFee > original.maxFee && noOp.maxPriorityFee > original.maxPriorityFee).to.equal(true);
      expect(original.status).to.equal("replaced");
      expect(await node.provider.getBalance(receiver)).to.equal(0n);
      const receipt = await node.provider.getTransactionReceipt(result.hash);
      expect(receipt?.gasUsed).to.equal(21_000n);
    });
  });
});
