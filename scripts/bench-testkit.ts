/**
 * Speed of the test kit (`npm run bench:testkit`), measured as a test suite would feel it:
 *
 *   relayAllOneMessageMs   median of 20 `relayAll()` calls, each delivering one ETH deposit
 *                          (checkpoint, time move, proof, relay), on Hardhat's in-process network
 *   relayAll50MessagesMs   one `relayAll()` delivering 50 deposits sent in 50 blocks
 *   devnetStartMs          `startDevnet()` until it resolves (two Hardhat nodes, bridge, relayer)
 *   createTestBridgeMs     median of 5 `createTestBridge(hre)` (deploy and wire both sides), after a first
 *
 * Wall-clock times of this process; the sending of the messages is not timed. Targets are
 * printed, not asserted. Output: a table, then bench-results/testkit.json, whose absolute path is
 * the last line printed.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import hre from "hardhat";

import { startDevnet } from "../relayer/src/devnet";
import { createTestBridge, type TestBridge } from "../relayer/src/testing";

const ONE_MESSAGE_RUNS = 20;
/** Untimed runs first: the first relay compiles ethers' and the trie library's code paths. */
const WARM_UP_RUNS = 2;
const BATCH = 50;

const CREATE_RUNS = 5;

const TARGETS: Record<string, number | undefined> = { relayAllOneMessageMs: 300, relayAll50MessagesMs: undefined, devnetStartMs: 5_000, createTestBridgeMs: undefined };

async function deposit(bridge: TestBridge): Promise<void> {
  const [, user] = await hre.ethers.getSigners();
  await (await bridge.main.rootBridge.connect(user).depositETH(user.address, { value: 1n })).wait();
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The first createTestBridge of a process also loads and compiles the kit: not what a fixture pays each time. */
async function create(): Promise<number> {
  await createTestBridge(hre);
  const times: number[] = [];
  for (let run = 0; run < CREATE_RUNS; run++) times.push(await timed(() => createTestBridge(hre)));
  return median(times);
}

async function relayOneMessage(): Promise<{ median: number; min: number; max: number }> {
  const bridge = await createTestBridge(hre);
  const times: number[] = [];
  for (let run = 0; run < WARM_UP_RUNS + ONE_MESSAGE_RUNS; run++) {
    await deposit(bridge);
    let delivered = 0;
    const ms = await timed(async () => (delivered = (await bridge.relayAll()).length));
    if (delivered !== 1) throw new Error(`run ${run}: relayAll delivered ${delivered} messages, expected 1`);
    if (run >= WARM_UP_RUNS) times.push(ms);
  }
  return { median: median(times), min: Math.min(...times), max: Math.max(...times) };
}

async function relayFifty(): Promise<number> {
  const bridge = await createTestBridge(hre);
  for (let i = 0; i < BATCH; i++) await deposit(bridge);
  let delivered = 0;
  const ms = await timed(async () => (delivered = (await bridge.relayAll()).length));
  if (delivered !== BATCH) throw new Error(`relayAll delivered ${delivered} messages, expected ${BATCH}`);
  return ms;
}

async function devnetStart(): Promise<number> {
  let stop: (() => Promise<void>) | undefined;
  try {
    return await timed(async () => {
      stop = (await startDevnet()).stop;
    });
  } finally {
    await stop?.();
  }
}

async function main(): Promise<void> {
  const createMs = await create();
  const one = await relayOneMessage();
  const results = {
    relayAllOneMessageMs: Math.round(one.median * 10) / 10,
    relayAll50MessagesMs: Math.round((await relayFifty()) * 10) / 10,
    devnetStartMs: Math.round(await devnetStart()),
    createTestBridgeMs: Math.round(createMs * 10) / 10,
  };
  console.log(`relayAll, one message: median ${one.median.toFixed(1)} ms of ${ONE_MESSAGE_RUNS} (min ${one.min.toFixed(1)}, max ${one.max.toFixed(1)})`);
  console.log("| name                 |      ms |  target | status |");
  console.log("|----------------------|--------:|--------:|--------|");
  for (const [name, ms] of Object.entries(results)) {
    const target = TARGETS[name];
    const status = target === undefined ? "-" : ms <= target ? "ok" : "over";
    console.log(`| ${name.padEnd(20)} | ${ms.toLocaleString("en-US").padStart(7)} | ${(target?.toLocaleString("en-US") ?? "-").padStart(7)} | ${status.padEnd(6)} |`);
  }
  const file = path.join(hre.config.paths.root, "bench-results", "testkit.json");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(file);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
