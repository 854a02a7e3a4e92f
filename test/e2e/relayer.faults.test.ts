/**
 * The relayer process under faults, end to end on two Hardhat nodes:
 *  - the child chain's RPC fails and stalls mid-stream (an HTTP proxy between the relayer and
 *    the node drops connections, answers 500s, then delays answers past the RPC timeout): the
 *    relayer recovers, every message arrives exactly once, and /metrics counts the RPC errors;
 *  - a reorg of the source chain above the confirmation depth (evm_snapshot / evm_revert plus
 *    different blocks, mining paused meanwhile): the checkpoint covers the canonical blocks, and
 *    a message of the dropped fork is never relayed while the canonical one is.
 */
import { expect } from "chai";
import path from "node:path";
import { Contract, Wallet, parseEther, type EventLog } from "ethers";

import { buildCheckpointTree, fetchBlock } from "../../relayer/src";
import {
  RpcProxy,
  contractOf,
  metricSum,
  metricsText,
  mineBlocks,
  relayedIds,
  relayerEnv,
  setMining,
  startRelayer,
  stopAllRelayers,
  waitFor,
  writeRelayerConfig,
  type RelayerProcess,
} from "./faults";
import { deployDevnet, devAccount, makeTempDir, makeValidatorWallets, sleep, startHardhatNode, stopAllNodes, type Devnet } from "./harness";

const NATIVE_TOKEN = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";
const MINING_INTERVAL_MS = 300;
const ERC20_ABI = ["function balanceOf(address) view returns (uint256)"];

async function startDevnet(): Promise<Devnet> {
  const [main, child] = await Promise.all([startHardhatNode({ chainId: 31337 }), startHardhatNode({ chainId: 31338 })]);
  const devnet = await deployDevnet(main, child, { validators: makeValidatorWallets(1), challengePeriod: 3 });
  await Promise.all([setMining(main, { intervalMs: MINING_INTERVAL_MS, auto: true }), setMining(child, { intervalMs: MINING_INTERVAL_MS, auto: true })]);
  return devnet;
}

describe("relayer under faults (end to end)", function () {
  this.timeout(300_000);
  afterEach(async function () {
    await stopAllRelayers();
    await stopAllNodes();
  });

  it("recovers from a child RPC that drops, fails and stalls mid-stream, and relays every message once", async function () {
    const devnet = await startDevnet();
    const { main, child } = devnet;
    const proxy = await RpcProxy.start(child.url);
    try {
      const dir = makeTempDir("faults-rpc");
      const { file, apiPort } = await writeRelayerConfig({ dir, devnet, rpcUrls: { child: proxy.url }, rpc: { timeoutMs: 2_000, retries: 1, backoffMs: 100 } });
      const relayer = await startRelayer(file, apiPort, relayerEnv(devnet), path.join(dir, "relayer.log"));

      const user = devAccount(2);
      const rootBridge = contractOf(devnet.deployment.main, "RootBridge", user.connect(main.provider));
      const childBridge = contractOf(devnet.deployment.child, "ChildBridge", user.connect(child.provider));
      const token = new Contract((await childBridge.predictChildToken(NATIVE_TOKEN)) as string, ERC20_ABI, child.provider);

      const deposits: { to: string; amount: bigint }[] = [];
      const withdrawals: { to: string; amount: bigint }[] = [];
      const deposit = async (to = Wallet.createRandom().address, amount = parseEther("0.01") * BigInt(deposits.length + 1)) => {
        await (await rootBridge.depositETH(to, { value: amount })).wait();
        deposits.push({ to, amount });
      };
      const withdraw = async () => {
        const to = Wallet.createRandom().address;
        const amount = parseEther("0.001") * BigInt(withdrawals.length + 1);
        await (await childBridge.withdraw(token.target, to, amount)).wait();
        withdrawals.push({ to, amount });
      };

      // The user's own funds on the child chain, for withdrawals during the outage.
      await deposit(user.address, parseEther("1"));
      await waitFor("the user's first deposit", async () => ((await token.balanceOf(user.address)) as bigint) > 0n, 60_000);
      await deposit();
      await deposit();

      // The outage, ~9 s, while messages keep being sent in both directions.
      const outage = (async () => {
        // Stalls first: answers 3 s late, past the relayer's 2 s RPC timeout.
        proxy.mode = { kind: "delay", ms: 3_000 };
        await sleep(3_500);
        proxy.mode = { kind: "drop" };
        await sleep(3_000);
        proxy.mode = { kind: "error", status: 500 };
        await sleep(3_000);
        proxy.mode = { kind: "pass" };
      })();
      for (let i = 0; i < 4; i++) {
        await deposit();
        await withdraw();
        await sleep(1_000);
      }
      await outage;
      await deposit();
      await withdraw();

      // deposits[0] funded the user's withdrawals: its balance is checked by those.
      for (const { to, amount } of deposits.slice(1)) await waitFor(`deposit to ${to}`, async () => ((await token.balanceOf(to)) as bigint) === amount, 90_000, 300);
      for (const { to, amount } of withdrawals) await waitFor(`withdrawal to ${to}`, async () => (await main.provider.getBalance(to)) === amount, 90_000, 300);

      const childIds = await relayedIds(contractOf(devnet.deployment.child, "Messenger", child.provider));
      const mainIds = await relayedIds(contractOf(devnet.deployment.main, "Messenger", main.provider));
      expect(new Set(childIds).size, "no deposit relayed twice").to.equal(childIds.length);
      expect(new Set(mainIds).size, "no withdrawal relayed twice").to.equal(mainIds.length);
      expect(childIds.length).to.equal(deposits.length);
      expect(mainIds.length).to.equal(withdrawals.length);
      // Balances are exact: a duplicate mint or release would show.
      for (const { to, amount } of deposits.slice(1)) expect(await token.balanceOf(to)).to.equal(amount);
      for (const { to, amount } of withdrawals) expect(await main.provider.getBalance(to)).to.equal(amount);

      expect(proxy.counts.dropped + proxy.counts.failed + proxy.counts.delayed).to.be.greaterThan(0);
      const metrics = await metricsText(relayer);
      // Dropped connections and 500s are RPC_UNAVAILABLE, stalls past timeoutMs are RPC_TIMEOUT.
      expect(metricSum(metrics, "sidechain_rpc_errors_total", { chain: "child", code: "RPC_UNAVAILABLE" }), "unavailable child RPC counted").to.be.greaterThan(0);
      expect(metricSum(metrics, "sidechain_rpc_errors_total", { chain: "child", code: "RPC_TIMEOUT" }), "stalled child RPC counted").to.be.greaterThan(0);
      expect(metricSum(metrics, "sidechain_messages", { status: "failed" })).to.equal(0);
      expect((await fetch(`${relayer.apiUrl}/health`)).status).to.equal(200);
    } finally {
      await stopAllRelayers();
      await proxy.close();
    }
  });

  it("checkpoints the canonical blocks after a reorg of the source chain above the confirmation depth", async function () {
    const devnet = await startDevnet();
    const { main, child } = devnet;
    const confirmations = 3;
    const dir = makeTempDir("faults-reorg");
    const { file, apiPort } = await writeRelayerConfig({ dir, devnet, confirmations, proposer: { maxWaitMs: 500 } });
    const relayer: RelayerProcess = await startRelayer(file, apiPort, relayerEnv(devnet), path.join(dir, "relayer.log"));

    const user = devAccount(2, main.provider);
    const rootBridge = contractOf(devnet.deployment.main, "RootBridge", user);
    const childBridge = contractOf(devnet.deployment.child, "ChildBridge", child.provider);
    const token = new Contract((await childBridge.predictChildToken(NATIVE_TOKEN)) as string, ERC20_ABI, child.provider);
    const manager = contractOf(devnet.deployment.child, "CheckpointManager", child.provider);
    await mineBlocks(main, 2);
    await sleep(1_500); // the relayer has followed the chain up to its safe head

    // Mining paused: a fork of `confirmations - 1` blocks carrying a deposit, seen by the relayer's
    // watcher as the head for a while, then dropped for a different canonical chain.
    await setMining(main, { intervalMs: 0, auto: false });
    const forkPoint = await main.provider.getBlockNumber();
    const base = (await main.provider.getBlock(forkPoint))!.timestamp;
    const snapshot = (await main.provider.send("evm_snapshot", [])) as string;
    const droppedTo = Wallet.createRandom().address;
    const droppedTx = await rootBridge.depositETH(droppedTo, { value: parseEther("1") });
    await main.provider.send("evm_setNextBlockTimestamp", [base + 5]);
    await mineBlocks(main, confirmations - 1);
    const droppedReceipt = (await main.provider.getTransactionReceipt(droppedTx.hash))!;
    expect(droppedReceipt.blockNumber).to.equal(forkPoint + 1);
    const droppedHashes = new Set<string>();
    for (let n = forkPoint + 1; n <= forkPoint + confirmations - 1; n++) droppedHashes.add((await main.provider.getBlock(n))!.hash!.toLowerCase());
    await sleep(2_000); // several watcher polls with the fork as the head
    await main.provider.send("evm_revert", [snapshot]);

    const keptTo = Wallet.createRandom().address;
    const keptTx = await rootBridge.depositETH(keptTo, { value: parseEther("0.5") });
    await main.provider.send("evm_setNextBlockTimestamp", [base + 1]);
    await mineBlocks(main, confirmations + 2);
    const keptReceipt = (await main.provider.getTransactionReceipt(keptTx.hash))!;
    expect(keptReceipt.blockNumber).to.equal(forkPoint + 1);
    expect(droppedHashes.has((await main.provider.getBlock(forkPoint + 1))!.hash!.toLowerCase())).to.equal(false);
    expect(await main.provider.getTransactionReceipt(droppedTx.hash)).to.equal(null);
    await setMining(main, { intervalMs: MINING_INTERVAL_MS, auto: true });

    await waitFor("the canonical deposit", async () => ((await token.balanceOf(keptTo)) as bigint) === parseEther("0.5"), 60_000, 300);

    // Every live checkpoint over the fork's heights commits the canonical blocks.
    const events = (await manager.queryFilter(manager.filters.CheckpointSubmitted(), 0, "latest")) as EventLog[];
    const covering = events.filter((e) => Number(e.args.startBlock) <= forkPoint + 1 && forkPoint + 1 <= Number(e.args.endBlock));
    expect(covering.length, "one checkpoint covers the fork's heights").to.be.at.least(1);
    for (const event of covering) {
      const start = BigInt(event.args.startBlock);
      const end = BigInt(event.args.endBlock);
      const blocks = [];
      for (let n = start; n <= end; n++) blocks.push(await fetchBlock(main.provider, n));
      for (const b of blocks) expect(droppedHashes.has(b.hash.toLowerCase())).to.equal(false);
      const canonical = buildCheckpointTree(blocks.map((b) => ({ number: b.number, hash: b.hash, receiptsRoot: b.receiptsRoot })));
      expect(event.args.blockRoot, `checkpoint [${start}, ${end}] commits the canonical chain`).to.equal(canonical.root);
    }

    // The dropped fork's message never arrives, and the relayer never recorded it.
    await sleep(3_000);
    expect(await token.balanceOf(droppedTo)).to.equal(0n);
    const ids = await relayedIds(contractOf(devnet.deployment.child, "Messenger", child.provider));
    expect(ids.length).to.equal(1);
    const seen = relayer.logs().filter((l) => l.at === "watcher.message").map((l) => String(l.txHash).toLowerCase());
    expect(seen).to.include(keptTx.hash.toLowerCase());
    expect(seen).to.not.include(droppedTx.hash.toLowerCase());
    expect(metricSum(await metricsText(relayer), "sidechain_messages", { status: "failed" })).to.equal(0);
  });
});
