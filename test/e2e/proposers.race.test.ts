/**
 * Two proposers on one devnet (scripts/lib/proposerRace.ts, the short run of
 * `npm run bench:proposers`): with transactions waiting for the next block as on a real chain,
 * both land checkpoints, and at most one checkpoint transaction reverts on chain (the target is
 * 1 in 100; a two-minute run sends fewer than 100). Prints what it measured.
 */
import { expect } from "chai";

import { runProposerRace } from "../../scripts/lib/proposerRace";

const DURATION_MS = Number(process.env.E2E_RACE_MS ?? 120_000);

describe("two proposers on one lane", function () {
  this.timeout(DURATION_MS + 420_000);

  it("take turns: both land checkpoints, and almost none of their transactions reverts", async function () {
    const result = await runProposerRace({ durationMs: DURATION_MS, blockTimeMs: 1_000, automine: false });
    const cancelled = result.proposers.reduce((sum, p) => sum + p.cancelled, 0);
    console.log(
      `      two proposers, ${DURATION_MS / 1000} s, ${result.messages} messages: ${result.reverted} of ${result.checkpointTransactions} checkpoint transactions reverted ` +
        `(${(result.revertRate * 100).toFixed(2)} %), ${result.skippedBeforeBroadcast} ranges dropped before sending, ${cancelled} replaced by a no-op; ` +
        result.proposers.map((p) => `${p.address.slice(0, 8)}… landed ${p.submitted}`).join(", "),
    );
    for (const p of result.proposers) expect(p.submitted, `${p.address} landed checkpoints`).to.be.greaterThan(0);
    expect(result.reverted, JSON.stringify(result)).to.be.at.most(1);
  });
});
