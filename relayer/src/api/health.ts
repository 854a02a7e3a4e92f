/**
 * What /health and /status say about each lane. A lane is degraded when
 *   - the proposer's last signature round did not reach the quorum (the validators that did not
 *     sign are named, with why), or
 *   - a message has waited longer than `api.stallAfterMs` for a checkpoint: this catches a stall
 *     whatever its cause, also in a relayer that runs no proposer itself.
 * A validator missing from a round that still reached the quorum is a warning: nothing waits yet,
 * but one more fault stops the lane.
 */
import type { Config } from "../config";
import { LANES, laneName } from "../roles/context";
import { describeMissing, type SigningRound, type SigningRounds } from "../roles/signing";
import type { Store } from "../store";

/** Slack on top of the proposer's maxWaitMs: signatures, submission and the executor's next poll. */
export const STALL_SLACK_MS = 60_000;

export interface SigningRoundView {
  at: string;
  ageMs: number;
  startBlock: number;
  endBlock: number;
  threshold: bigint;
  power: bigint;
  quorum: boolean;
  signed: string[];
  missing: { address: string; power: bigint; source?: string; reason: string }[];
  /** Answers that name no member of the set (an unknown URL failing, a signer outside the set). */
  unmatched: { source: string; reason: string }[];
}

export interface LaneHealth {
  status: "ok" | "degraded";
  reasons: string[];
  warnings: string[];
  /** Messages still waiting for a checkpoint, and for how long the oldest has. */
  waiting: { messages: number; oldestMs: number | null };
  /** The proposer's last signature round on this lane; null before the first (or without a proposer). */
  signing: SigningRoundView | null;
}

export interface HealthReport {
  ok: boolean;
  status: "ok" | "degraded";
  reasons: string[];
  warnings: string[];
  lanes: Record<string, LaneHealth>;
}

export interface HealthSources {
  config: Config;
  store: Store;
  rounds: SigningRounds;
}

export function stallAfterMs(config: Config): number {
  return config.api.stallAfterMs ?? config.roles.proposer.maxWaitMs + STALL_SLACK_MS;
}

export function healthReport(sources: HealthSources, now = Date.now()): HealthReport {
  const lanes: Record<string, LaneHealth> = {};
  const reasons: string[] = [];
  const warnings: string[] = [];
  for (const lane of LANES) {
    const name = laneName(lane);
    const health = laneHealth(sources, name, lane.destination, now);
    lanes[name] = health;
    reasons.push(...health.reasons);
    warnings.push(...health.warnings);
  }
  const status = reasons.length === 0 ? "ok" : "degraded";
  return { ok: status === "ok", status, reasons, warnings, lanes };
}

function laneHealth(sources: HealthSources, name: string, destination: string, now: number): LaneHealth {
  const reasons: string[] = [];
  const warnings: string[] = [];
  const round = sources.rounds.last(name);
  if (round !== undefined) {
    const missing = round.validators.filter((v) => !v.signed);
    const blocks = `blocks ${round.startBlock}-${round.endBlock}, ${Math.round((now - round.at) / 1000)} s ago`;
    // A range that landed after all (another proposer's signatures) no longer holds the lane up.
    const landed = (sources.store.checkpoints.latest(destination)?.endBlock ?? -1) >= round.startBlock;
    if (!round.quorum && landed) {
      warnings.push(`${name}: the last round (${blocks}) did not reach the quorum, but the range was checkpointed since; not signed: ${describeMissing(missing)}`);
    } else if (!round.quorum) {
      reasons.push(`${name} cannot reach the quorum: signatures of power ${round.power}, the threshold is ${round.threshold} (last round: ${blocks}); not signed: ${describeMissing(missing)}`);
    } else if (missing.length > 0) {
      warnings.push(`${name}: the last round (${blocks}) reached the quorum without ${describeMissing(missing)}`);
    }
  }
  const waiting = sources.store.messages.waitingForCheckpoint(destination);
  const oldestMs = waiting.oldestRecordedAt === undefined ? null : Math.max(0, now - waiting.oldestRecordedAt);
  const limit = stallAfterMs(sources.config);
  if (oldestMs !== null && oldestMs > limit) {
    reasons.push(`${name}: ${waiting.count} message${waiting.count === 1 ? " has" : "s have"} waited up to ${Math.round(oldestMs / 1000)} s for a checkpoint (expected within ${Math.round(limit / 1000)} s)`);
  }
  return {
    status: reasons.length === 0 ? "ok" : "degraded",
    reasons,
    warnings,
    waiting: { messages: waiting.count, oldestMs },
    signing: round === undefined ? null : roundView(round, now),
  };
}

function roundView(round: SigningRound, now: number): SigningRoundView {
  return {
    at: new Date(round.at).toISOString(),
    ageMs: now - round.at,
    startBlock: round.startBlock,
    endBlock: round.endBlock,
    threshold: round.threshold,
    power: round.power,
    quorum: round.quorum,
    signed: round.validators.filter((v) => v.signed).map((v) => v.address),
    missing: round.validators.filter((v) => !v.signed).map((v) => ({ address: v.address, power: v.power, source: v.source, reason: v.reason ?? "did not sign" })),
    unmatched: round.unmatched,
  };
}
