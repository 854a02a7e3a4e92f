/**
 * Prometheus metrics (prom-client), one registry per service instance so tests can run several.
 * The alert rules and the Grafana dashboard in deploy/monitoring/ use these names only (a test
 * checks them against this registry); docs/relayer.md lists them, docs/operations.md says what
 * to do when they move.
 */
import { Counter, Gauge, Registry } from "prom-client";

import type { Config } from "../config";
import { LANES, laneName } from "../roles/context";
import type { SigningRounds } from "../roles/signing";
import type { Store } from "../store";
import { MESSAGE_STATUSES } from "../store/messages";

/** How far a lane has come, as source block numbers (sidechain_checkpoint_latest{phase}). */
export const CHECKPOINT_PHASES = ["observed", "signed", "submitted", "final"] as const;
/** Not yet relayed, by store status (sidechain_queue_length{status}). */
export const QUEUE_STATUSES = ["sent", "checkpointed", "final", "failed"] as const;

/** What one run loop (runLoop's `at`) did last, for the console. */
export interface LoopState {
  name: string;
  steps: number;
  failures: number;
  consecutiveFailures: number;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  lastError: string | null;
  lastErrorCode: string | null;
}

export interface MetricSources {
  config: Config;
  store: Store;
  rounds: SigningRounds;
}

export class Metrics {
  readonly registry = new Registry();
  readonly chainHeight = new Gauge({ name: "sidechain_chain_height", help: "Block heights per chain (kind: head, safe, recorded)", labelNames: ["chain", "kind"], registers: [this.registry] });
  readonly checkpointLag = new Gauge({ name: "sidechain_checkpoint_lag_blocks", help: "Safe source blocks not yet checkpointed on the destination", labelNames: ["lane"], registers: [this.registry] });
  readonly messages = new Gauge({ name: "sidechain_messages", help: "Messages by lane and status (pending = sent|checkpointed|final)", labelNames: ["lane", "status"], registers: [this.registry] });
  readonly checkpointsSubmitted = new Counter({ name: "sidechain_checkpoints_submitted_total", help: "Checkpoints this relayer submitted", labelNames: ["lane"], registers: [this.registry] });
  readonly checkpointRaces = new Counter({
    name: "sidechain_checkpoint_races_total",
    help: "Ranges another proposer landed first, by when we noticed: skipped (before sending), cancelled (replaced by a no-op while pending), reverted (mined and reverted: gas lost)",
    labelNames: ["lane", "outcome"],
    registers: [this.registry],
  });
  readonly challenges = new Counter({ name: "sidechain_challenges_total", help: "Challenges observed (CheckpointsReverted) or submitted", labelNames: ["chain"], registers: [this.registry] });
  readonly bondBalance = new Gauge({ name: "sidechain_bond_balance_wei", help: "Proposer bond per checkpoint manager (wei, as a float)", labelNames: ["chain"], registers: [this.registry] });
  readonly rpcErrors = new Counter({ name: "sidechain_rpc_errors_total", help: "Failed JSON-RPC attempts", labelNames: ["chain", "code"], registers: [this.registry] });
  readonly reorgs = new Counter({ name: "sidechain_reorgs_total", help: "Reorgs detected by the watchers", labelNames: ["chain"], registers: [this.registry] });
  readonly relayed = new Counter({ name: "sidechain_relays_total", help: "Relay transactions by outcome", labelNames: ["lane", "outcome"], registers: [this.registry] });
  readonly validatorMissed = new Counter({ name: "sidechain_validator_missed_total", help: "Signature rounds in which a validator of the set gave no valid signature", labelNames: ["lane", "validator"], registers: [this.registry] });
  readonly laneDegraded = new Gauge({ name: "sidechain_lane_degraded", help: "1 while a lane cannot reach the quorum or its messages wait too long for a checkpoint (see /health)", labelNames: ["lane"], registers: [this.registry] });
  readonly oldestPending = new Gauge({
    name: "sidechain_message_oldest_pending_seconds",
    help: "Age of the oldest message not relayed yet (sent, checkpointed or final), since the watcher recorded it; 0 when none",
    labelNames: ["lane"],
    registers: [this.registry],
  });
  readonly queueLength = new Gauge({ name: "sidechain_queue_length", help: "Messages not relayed yet, by status (sent, checkpointed, final, failed)", labelNames: ["lane", "status"], registers: [this.registry] });
  readonly checkpointLatest = new Gauge({
    name: "sidechain_checkpoint_latest",
    help: "Highest source block per phase: observed (recorded by the watcher), signed (last round that reached the quorum), submitted (last checkpoint on the destination), final (last checkpoint past its challenge period)",
    labelNames: ["lane", "phase"],
    registers: [this.registry],
  });
  readonly challengePeriod = new Gauge({ name: "sidechain_challenge_period_seconds", help: "The destination CheckpointManager's challenge period per lane", labelNames: ["lane"], registers: [this.registry] });
  readonly signerBalance = new Gauge({
    name: "sidechain_signer_balance_wei",
    help: "Native balance of each key this relayer sends with, per role and chain (wei, as a float)",
    labelNames: ["role", "chain", "address"],
    registers: [this.registry],
  });
  readonly signerBalanceWarn = new Gauge({ name: "sidechain_signer_balance_warn_wei", help: "api.balanceWarnWei: a signer balance below it is low (a quarter of it: critical)", labelNames: ["chain"], registers: [this.registry] });
  readonly unknownExecutions = new Counter({
    name: "sidechain_unknown_execution_total",
    help: "Executions (MessageRelayed/MessageFailed) on the destination of a message the source never sent: a forged checkpoint became final",
    labelNames: ["lane"],
    registers: [this.registry],
  });
  readonly equivocationReported = new Counter({
    name: "sidechain_equivocation_reported_total",
    help: "Equivocation reports this relayer sent that slashed a validator, by lane of the evidence",
    labelNames: ["lane"],
    registers: [this.registry],
  });
  readonly releaseQueue = new Gauge({
    name: "sidechain_release_queue_length",
    help: "Releases the bridge of each chain queued over a rate limit and nobody executed yet (the releaser executes them when due)",
    labelNames: ["chain"],
    registers: [this.registry],
  });
  readonly rateLimitAvailable = new Gauge({
    name: "sidechain_rate_limit_available",
    help: "What may cross now under each rate limit of a bridge (base units, as a float), by chain, token and direction (outbound: refused over it; inbound: queued over it)",
    labelNames: ["chain", "token", "direction"],
    registers: [this.registry],
  });
  readonly loopLastSuccess = new Gauge({ name: "sidechain_loop_last_success_timestamp_seconds", help: "When each run loop last finished a step without error (unix seconds)", labelNames: ["loop"], registers: [this.registry] });
  readonly loopFailures = new Counter({ name: "sidechain_loop_failures_total", help: "Failed steps per run loop (each is retried with backoff)", labelNames: ["loop"], registers: [this.registry] });

  private readonly loopStates = new Map<string, LoopState>();

  constructor() {
    // Series that alerts compare against exist from the start, at zero.
    for (const lane of LANES) this.unknownExecutions.inc({ lane: laneName(lane) }, 0);
  }

  /** runLoop reports every step here. */
  recordStep(loop: string, outcome: { ok: true } | { ok: false; error: string; code?: string }, now = Date.now()): void {
    let state = this.loopStates.get(loop);
    if (state === undefined) {
      state = { name: loop, steps: 0, failures: 0, consecutiveFailures: 0, lastSuccessAt: null, lastFailureAt: null, lastError: null, lastErrorCode: null };
      this.loopStates.set(loop, state);
      this.loopFailures.inc({ loop }, 0);
    }
    state.steps++;
    if (outcome.ok) {
      state.consecutiveFailures = 0;
      state.lastSuccessAt = now;
      this.loopLastSuccess.set({ loop }, Math.floor(now / 1000));
    } else {
      state.failures++;
      state.consecutiveFailures++;
      state.lastFailureAt = now;
      state.lastError = outcome.error;
      state.lastErrorCode = outcome.code ?? null;
      this.loopFailures.inc({ loop });
    }
  }

  loops(): LoopState[] {
    return [...this.loopStates.values()].map((state) => ({ ...state })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Message counts come from the store at scrape time, so they survive restarts. */
  refreshFromStore(store: Store, now = Date.now()): void {
    this.messages.reset();
    this.queueLength.reset();
    for (const lane of LANES) {
      const name = laneName(lane);
      for (const status of [...MESSAGE_STATUSES, "pending"]) this.messages.set({ lane: name, status }, 0);
      for (const status of QUEUE_STATUSES) this.queueLength.set({ lane: name, status }, 0);
      const oldest = store.messages.oldestPendingAt(lane.destination);
      this.oldestPending.set({ lane: name }, oldest === undefined ? 0 : Math.max(0, (now - oldest) / 1000));
    }
    for (const row of store.messages.countsByStatus()) {
      const lane = `${row.source}->${row.destination}`;
      this.messages.inc({ lane, status: row.status }, row.count);
      if (row.status === "sent" || row.status === "checkpointed" || row.status === "final") this.messages.inc({ lane, status: "pending" }, row.count);
      if (row.status !== "relayed") this.queueLength.inc({ lane, status: row.status }, row.count);
    }
  }

  /** Everything derived at scrape time: the store's counts and each lane's phases. */
  refresh(sources: MetricSources, now = Date.now()): void {
    this.refreshFromStore(sources.store, now);
    for (const [lane, phases] of Object.entries(checkpointPhases(sources, now))) {
      for (const phase of CHECKPOINT_PHASES) {
        const value = phases[phase];
        if (value === null) this.checkpointLatest.remove({ lane, phase });
        else this.checkpointLatest.set({ lane, phase }, value);
      }
    }
  }

  /** Starts the unknown-execution counters at what the store recorded, so a restart is no reset to Prometheus. */
  restoreCounters(store: Store): void {
    for (const lane of LANES) {
      const row = store.executions.countUnknown().find((r) => r.destination === lane.destination);
      if (row !== undefined) this.unknownExecutions.inc({ lane: laneName(lane) }, row.count);
      // Equivocation lanes are named by the chain holding the CheckpointManager: the lane's destination.
      const reported = store.equivocation.countReported().find((r) => r.lane === lane.destination);
      if (reported !== undefined) this.equivocationReported.inc({ lane: laneName(lane) }, reported.count);
    }
  }
}

export type CheckpointPhases = Record<(typeof CHECKPOINT_PHASES)[number], number | null>;

/**
 * Per lane, the highest source block each phase reached. `final` compares finalizesAt with the
 * wall clock in `now` (callers with a destination clock pass it), so it can run ahead of the
 * destination's block time by a block or two.
 */
export function checkpointPhases(sources: MetricSources, now = Date.now(), destinationNow?: (destination: string) => number): Record<string, CheckpointPhases> {
  const phases: Record<string, CheckpointPhases> = {};
  for (const lane of LANES) {
    const name = laneName(lane);
    const round = sources.rounds.lastQuorate(name);
    const clock = destinationNow?.(lane.destination) ?? Math.floor(now / 1000);
    phases[name] = {
      observed: sources.store.blocks.head(lane.source)?.number ?? null,
      signed: round?.endBlock ?? null,
      submitted: sources.store.checkpoints.latest(lane.destination)?.endBlock ?? null,
      final: sources.store.checkpoints.finalThrough(lane.destination, clock) ?? null,
    };
  }
  return phases;
}
