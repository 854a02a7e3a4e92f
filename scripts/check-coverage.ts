/**
 * Fails `npm run coverage` when contract coverage falls below its floors: 95 % of lines and 90 %
 * of branches, over every contract solidity-coverage measured (test doubles are skipped in
 * .solcover.js). Reads coverage/coverage-summary.json, written by the json-summary reporter.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

const FLOORS = { lines: 95, branches: 90 } as const;

interface Metric {
  total: number;
  covered: number;
  pct: number;
}

const file = path.join(__dirname, "..", "coverage", "coverage-summary.json");
const summary = JSON.parse(readFileSync(file, "utf8")) as { total: Record<keyof typeof FLOORS, Metric> };
let failed = false;
for (const [metric, floor] of Object.entries(FLOORS) as [keyof typeof FLOORS, number][]) {
  const { pct, covered, total } = summary.total[metric];
  const ok = pct >= floor;
  failed ||= !ok;
  console.log(`${metric}: ${pct.toFixed(2)} % (${covered}/${total}), floor ${floor} % — ${ok ? "ok" : "BELOW"}`);
}
if (failed) process.exitCode = 1;
