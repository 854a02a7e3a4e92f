/**
 * Two proposers on one devnet (`npm run bench:proposers`, scripts/lib/proposerRace.ts): how many
 * checkpoint transactions revert on chain because the other proposer landed the range first.
 * Target: at most 1 in 100 over 10 minutes. Numbers printed, written to
 * bench-results/proposers.json; exit code 1 above the target.
 *
 * Environment: BENCH_MINUTES (default 10), BENCH_BLOCK_MS (default 1000), BENCH_AUTOMINE=1 to
 * mine every transaction at once as the devnet does (default: transactions wait for the next
 * block, as on a real chain, which is where two submissions can share a block).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { runProposerRace } from "./lib/proposerRace";

const TARGET_RATE = 0.01;

async function main(): Promise<void> {
  const minutes = Number(process.env.BENCH_MINUTES ?? 10);
  const blockTimeMs = Number(process.env.BENCH_BLOCK_MS ?? 1_000);
  if (!(minutes > 0) || !(blockTimeMs > 0)) throw new Error("BENCH_MINUTES and BENCH_BLOCK_MS must be positive numbers");
  const automine = process.env.BENCH_AUTOMINE === "1";
  const result = await runProposerRace({ durationMs: minutes * 60_000, blockTimeMs, automine, progress: (line) => console.log(line) });
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `reverted checkpoint transactions: ${result.reverted} of ${result.checkpointTransactions} (${(result.revertRate * 100).toFixed(2)} %, target ≤ ${TARGET_RATE * 100} %); ` +
      `${result.skippedBeforeBroadcast} ranges dropped before broadcasting, ${result.proposers.reduce((s, p) => s + p.cancelled, 0)} replaced by a no-op while pending`,
  );
  const dir = path.resolve(__dirname, "..", "bench-results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "proposers.json");
  const key = automine ? "automine" : "blocks";
  let previous: Record<string, unknown> = {};
  try {
    previous = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    // first run
  }
  writeFileSync(file, `${JSON.stringify({ ...previous, [key]: { ...result, measuredAt: new Date().toISOString() } }, null, 2)}\n`);
  console.log(file);
  if (result.revertRate > TARGET_RATE) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
