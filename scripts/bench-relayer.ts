/**
 * Relayer benchmark (`npm run bench:relayer`): numbers printed, never asserted.
 *   proofsPerSecond     receipt proofs per second for a 500-receipt block, trie built once (one core)
 *   relayLatencyBlocks  both nodes mining a block every second: destination blocks between a
 *                       message's checkpoint becoming final and its relay transaction (median of 10)
 *   messagesPerSecond   500 deposits relayed end to end on two anvil nodes mining a block every
 *                       second: relayed / seconds from the first deposit's broadcast to the last relay
 *   relayPhaseMessagesPerSecond  the same run's relays over the blocks that carry them: relayed /
 *                       (seconds from the first relay's block to the last one's, plus one block interval)
 *   messagesPerSecondHardhat  the same on two Hardhat nodes (250 ms blocks), for reference: there
 *                       the child node's CPU, not the relayer, is the limit
 *   peakRssMB           peak RSS (VmHWM) of the relayer process
 * Writes a flat JSON object to bench-results/relayer.json and prints its absolute path last.
 * Standalone from a fresh clone after `npm ci`: compiles the contracts and builds the CLI itself.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Wallet, parseEther, toBeHex, type EventLog } from "ethers";

const REPO_ROOT = path.resolve(__dirname, "..");

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: REPO_ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed with ${result.status ?? result.signal}`);
}

/** Contracts (deployDevnet reads artifacts/) and the CLI (dist/), built unless already there. */
function build(): string {
  const hardhat = path.join(REPO_ROOT, "node_modules", "hardhat", "internal", "cli", "bootstrap.js");
  console.log("compiling contracts…");
  run(process.execPath, [hardhat, "compile", "--quiet"]);
  console.log("building the relayer CLI…");
  run(process.execPath, [path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"]);
  const cli = path.join(REPO_ROOT, "dist", "relayer", "src", "cli.js");
  if (!existsSync(cli)) throw new Error(`${cli} was not built`);
  return cli;
}

async function benchProofs(): Promise<number> {
  const { ReceiptTrie } = await import("../relayer/src");
  const receipts = Array.from({ length: 500 }, (_, i) => ({
    type: "0x2",
    status: "0x1",
    transactionIndex: toBeHex(i),
    cumulativeGasUsed: toBeHex(21_000 * (i + 1) + i),
    logsBloom: `0x${"00".repeat(256)}`,
    logs: Array.from({ length: 1 + (i % 3) }, (_, j) => ({
      address: `0x${((i * 7 + j) % 255).toString(16).padStart(2, "0").repeat(20)}`,
      topics: [`0x${(j + 1).toString(16).padStart(2, "0").repeat(32)}`, toBeHex(i, 32)],
      data: toBeHex(BigInt(i) * 1_000_003n, 64),
    })),
  }));
  let proofs = 0;
  const rounds = 4;
  const start = performance.now();
  for (let round = 0; round < rounds; round++) {
    const trie = await ReceiptTrie.fromReceipts(receipts); // once per block
    for (let i = 0; i < receipts.length; i++) {
      await trie.proof(i);
      proofs++;
    }
  }
  return proofs / ((performance.now() - start) / 1_000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function rssOf(pid: number): { hwm: number; rss: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
    return { hwm: kb("VmHWM"), rss: kb("VmRSS") };
  } catch {
    return { hwm: 0, rss: 0 };
  }
}

async function main(): Promise<void> {
  const cli = build();
  process.env.RELAYER_CLI = cli;
  // Loaded after the build: they import deploy/lib, which reads artifacts/.
  const harness = await import("../test/e2e/harness");
  const faults = await import("../test/e2e/faults");
  const { decodeMessageSent, messageId, MESSAGE_SENT_TOPIC } = await import("../relayer/src/chain/abi");
  const results: Record<string, number> = {};

  console.log("proof throughput…");
  results.proofsPerSecond = Math.round(await benchProofs());
  console.log(`  proofsPerSecond = ${results.proofsPerSecond}`);

  /**
   * 500 deposits signed up front, broadcast 50 at a time, on chains mining every `intervalMs` (no
   * automine), so deposits share blocks and relays share blocks as on a busy chain. Relayed per
   * second, from the first deposit's broadcast to the 500th relay.
   */
  const throughput = async (lanes: Awaited<ReturnType<typeof startLanes>>, intervalMs: number): Promise<{ endToEnd: number; relayPhase: number }> => {
    const { mainNode, childNode, rootBridge, childMessenger } = lanes;
    const fromBlock = await childNode.provider.getBlockNumber();
    for (const node of [mainNode, childNode]) await faults.setMining(node, { intervalMs, auto: false });
    const before = (await faults.relayedIds(childMessenger)).length;
    const depositor = harness.devAccount(5, mainNode.provider);
    const firstNonce = await mainNode.provider.getTransactionCount(depositor.address, "pending");
    const gasLimit = ((await (rootBridge.connect(depositor) as typeof rootBridge).depositETH.estimateGas(Wallet.createRandom().address, { value: 1n })) * 3n) / 2n;
    const total = 500;
    // Signed before the clock starts: it measures the bridge, not ethers' signing.
    const raws = await Promise.all(
      Array.from({ length: total }, (_, i) =>
        depositor.signTransaction({
          type: 2,
          chainId: mainNode.chainId,
          nonce: firstNonce + i,
          to: rootBridge.target as string,
          data: rootBridge.interface.encodeFunctionData("depositETH", [Wallet.createRandom().address]),
          value: 1n,
          gasLimit,
          maxFeePerGas: 10n ** 10n,
          maxPriorityFeePerGas: 10n ** 9n,
        }),
      ),
    );
    const started = performance.now();
    for (let i = 0; i < raws.length; i += 50) await Promise.all(raws.slice(i, i + 50).map((raw) => mainNode.provider.send("eth_sendRawTransaction", [raw])));
    let relayed = 0;
    await faults.waitFor(
      "500 relays",
      async () => {
        relayed = (await faults.relayedIds(childMessenger)).length - before;
        return relayed >= total;
      },
      // Bounded, so the whole bench stays within a few minutes: what is relayed by then counts.
      Math.max(20_000, 150_000 - (performance.now() - started)),
      250,
    ).catch((error: Error) => console.log(`  ${error.message} (${relayed} relayed)`));
    const seconds = (performance.now() - started) / 1_000;
    console.log(`  ${relayed} relayed in ${seconds.toFixed(1)} s`);
    const relays = (await childMessenger.queryFilter(childMessenger.filters.MessageRelayed(), fromBlock + 1, "latest")) as EventLog[];
    const relayBlocks = [...new Set(relays.map((e) => e.blockNumber))].sort((a, b) => a - b);
    const [first, last] = await Promise.all([relayBlocks[0], relayBlocks.at(-1)!].map(async (n) => (await childNode.provider.getBlock(n))!.timestamp));
    const phaseSeconds = last - first + intervalMs / 1_000;
    console.log(`  relays in ${relayBlocks.length} blocks (${relayBlocks.join(", ")}), ${phaseSeconds} s of blocks`);
    return { endToEnd: Math.round((relayed / seconds) * 10) / 10, relayPhase: Math.round((relays.length / phaseSeconds) * 10) / 10 };
  };

  type Faults = typeof faults;
  let relayer: Awaited<ReturnType<Faults["startRelayer"]>> | undefined;
  let peakKb = 0;
  const sampler = setInterval(() => {
    if (relayer !== undefined) peakKb = Math.max(peakKb, rssOf(relayer.pid).rss);
  }, 200);

  /** Two nodes of `kind`, the contracts, and the relayer as a process with one in-process validator. */
  const startLanes = async (kind: "hardhat" | "anvil") => {
    const start = (chainId: number) => (kind === "anvil" ? harness.startAnvil({ chainId }) : harness.startHardhatNode({ chainId }));
    const [mainNode, childNode] = await Promise.all([start(31337), start(31338)]);
    const devnet = await harness.deployDevnet(mainNode, childNode, { validators: harness.makeValidatorWallets(1), challengePeriod: 3 });
    const dir = harness.makeTempDir(`bench-relayer-${kind}`);
    const { file, apiPort } = await faults.writeRelayerConfig({ dir, devnet, pollIntervalMs: 200, proposer: { maxBlocks: 64, maxWaitMs: 500 }, logLevel: "warn" });
    const config = JSON.parse(readFileSync(file, "utf8")) as { tx: Record<string, number> };
    config.tx.receiptPollMs = 50;
    writeFileSync(file, JSON.stringify(config, null, 2));
    relayer = await faults.startRelayer(file, apiPort, faults.relayerEnv(devnet), path.join(dir, "relayer.log"));
    return {
      mainNode,
      childNode,
      rootBridge: faults.contractOf(devnet.deployment.main, "RootBridge", harness.devAccount(2, mainNode.provider)),
      childMessenger: faults.contractOf(devnet.deployment.child, "Messenger", childNode.provider),
      childManager: faults.contractOf(devnet.deployment.child, "CheckpointManager", childNode.provider),
      mainMessengerAddress: devnet.deployment.main.contracts.Messenger!.address.toLowerCase(),
    };
  };
  const stopLanes = async () => {
    await faults.stopAllRelayers();
    relayer = undefined;
    await harness.stopAllNodes();
  };

  try {
    console.log("starting two Hardhat nodes and deploying…");
    const { mainNode, childNode, rootBridge, childMessenger, childManager, mainMessengerAddress } = await startLanes("hardhat");
    // ---- latency: both chains mine one block per second; 10 deposits.
    console.log("relay latency (1 s blocks on both chains, 10 messages)…");
    for (const node of [mainNode, childNode]) await faults.setMining(node, { intervalMs: 1_000, auto: false });
    const sent: { id: string; block: number }[] = [];
    const pendingTxs = [];
    for (let i = 0; i < 10; i++) {
      pendingTxs.push(await rootBridge.depositETH(Wallet.createRandom().address, { value: parseEther("0.001") }));
      await harness.sleep(700);
    }
    for (const tx of pendingTxs) {
      const receipt = (await tx.wait())!;
      const log = receipt.logs.find((l: { address: string; topics: readonly string[] }) => l.address.toLowerCase() === mainMessengerAddress && l.topics[0] === MESSAGE_SENT_TOPIC)!;
      sent.push({ id: messageId(BigInt(mainNode.chainId), BigInt(childNode.chainId), decodeMessageSent(log)).toLowerCase(), block: receipt.blockNumber });
    }
    const relayBlocks = new Map<string, number>();
    await faults.waitFor(
      "the latency messages",
      async () => {
        for (const e of (await childMessenger.queryFilter(childMessenger.filters.MessageRelayed(), 0, "latest")) as EventLog[]) relayBlocks.set(String(e.args.messageId).toLowerCase(), e.blockNumber);
        return sent.every((s) => relayBlocks.has(s.id));
      },
      120_000,
      1_000,
    );
    const submitted = (await childManager.queryFilter(childManager.filters.CheckpointSubmitted(), 0, "latest")) as EventLog[];
    const reverted = (await childManager.queryFilter(childManager.filters.CheckpointsReverted(), 0, "latest")) as EventLog[];
    const latencies: number[] = [];
    for (const s of sent) {
      const relayBlock = relayBlocks.get(s.id)!;
      // The live submission covering the message's block, before its relay.
      const event = submitted
        .filter((e) => Number(e.args.startBlock) <= s.block && s.block <= Number(e.args.endBlock) && e.blockNumber <= relayBlock)
        .filter((e) => !reverted.some((r) => r.blockNumber > e.blockNumber && BigInt(r.args.fromId) <= BigInt(e.args.id)))
        .pop()!;
      let finalAt = event.blockNumber;
      while (finalAt < relayBlock) {
        const [status] = (await childManager.checkpointStatus(event.args.id, { blockTag: finalAt })) as [bigint, bigint];
        if (status === 2n) break;
        finalAt++;
      }
      latencies.push(relayBlock - finalAt);
    }
    results.relayLatencyBlocks = median(latencies);
    console.log(`  relayLatencyBlocks = ${results.relayLatencyBlocks} (each: ${latencies.join(", ")})`);


    console.log("throughput on the Hardhat nodes (500 messages, 250 ms blocks)…");
    results.messagesPerSecondHardhat = (await throughput({ mainNode, childNode, rootBridge, childMessenger, childManager, mainMessengerAddress }, 250)).endToEnd;
    peakKb = Math.max(peakKb, rssOf(relayer!.pid).hwm);
    console.log(`  relayer peak RSS so far: ${(peakKb / 1024).toFixed(1)} MB`);
    await stopLanes();

    // A Hardhat node executes every call in JavaScript-driven EDR on one core and saturates first;
    // anvil shows what the relayer itself sustains.
    console.log("starting two anvil nodes and deploying…");
    const anvilLanes = await startLanes("anvil");
    console.log("throughput on the anvil nodes (500 messages, 1 s blocks)…");
    const anvil = await throughput(anvilLanes, 1_000);
    results.messagesPerSecond = anvil.endToEnd;
    results.relayPhaseMessagesPerSecond = anvil.relayPhase;
    console.log(`  relayer peak RSS on anvil: ${(rssOf(relayer!.pid).hwm / 1024).toFixed(1)} MB`);
    peakKb = Math.max(peakKb, rssOf(relayer!.pid).hwm);
    results.peakRssMB = Math.round((peakKb / 1024) * 10) / 10;
  } finally {
    clearInterval(sampler);
    await stopLanes();
  }

  const targets: Record<string, string> = { proofsPerSecond: "≥ 1000", relayLatencyBlocks: "≤ 2", messagesPerSecondHardhat: "none, for reference", messagesPerSecond: "≥ 100", relayPhaseMessagesPerSecond: "≥ 300", peakRssMB: "≤ 250" };
  console.log("\nresults (target):");
  for (const [key, value] of Object.entries(results)) console.log(`  ${key.padEnd(28)} ${String(value).padStart(10)}   (target ${targets[key]})`);
  const outDir = path.join(REPO_ROOT, "bench-results");
  mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, "relayer.json");
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(out);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
