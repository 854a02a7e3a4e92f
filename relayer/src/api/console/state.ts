/**
 * GET /console/state: everything the operator console shows, in one JSON snapshot built from the
 * store, the signature rounds, the metrics and the monitor's last reading, with no RPC call (the
 * page polls it every few seconds, possibly from several browsers). Ages are in ms as of `now`;
 * countdowns are in seconds of the destination chain's clock, as the monitor last read it.
 */
import { Wallet, getAddress } from "ethers";
import type { Gauge, Counter } from "prom-client";

import { fraudKind, type FraudKind } from "../../chain/abi";
import type { ChainName } from "../../config";
import { LANES, laneName, type RoleContext } from "../../roles/context";
import { MESSAGE_STATUSES, type MessageRecord, type MessageStatus } from "../../store/messages";
import type { StoredCheckpoint } from "../../store/checkpoints";
import { healthReport, type LaneHealth } from "../health";
import { checkpointPhases, type CheckpointPhases, type LoopState } from "../metrics";
import type { MonitorSnapshot, SignerBalance, ValidatorSetView } from "../monitor";

/** Bump when a field changes meaning; the page checks it. */
export const CONSOLE_STATE_VERSION = 1;
const CHECKPOINTS_PER_LANE = 10;
const MESSAGES_SHOWN = 100;
const RELAYED_SHOWN = 15;

export type ConsoleSources = Omit<RoleContext, "signal">;

export interface ConsoleMonitor {
  snapshot(): MonitorSnapshot;
  chainNow(chain: ChainName, now?: number): number;
}

export interface CheckpointView {
  id: number;
  startBlock: number;
  endBlock: number;
  blockRoot: string;
  proposer: string;
  /** Submitted by this relayer's proposer key. */
  ours: boolean;
  txHash: string;
  submittedBlock: number | null;
  finalizesAt: number;
  status: "pending" | "final" | "challenged";
  /** Pending: seconds until final on the destination's clock. */
  secondsLeft: number | null;
  /** The validators the submission names as signers (index into the set, and its address if known). */
  signers: { index: number; address: string | null }[];
  challenge: { fraud: FraudKind; challenger: string; ours: boolean; txHash: string } | null;
}

export interface ValidatorView {
  address: string;
  power: bigint;
  /** For each checkpoint shown (newest first), whether the submission names it as a signer. */
  checkpoints: { id: number; status: CheckpointView["status"]; signed: boolean }[];
  /** In this relayer's last signature round (null without one). */
  lastRound: { signed: boolean; source: string | null; reason: string | null } | null;
  missedRounds: number;
}

export interface LaneView {
  name: string;
  source: ChainName;
  destination: ChainName;
  health: LaneHealth;
  heights: { head: number | null; safe: number | null; recorded: number | null } & CheckpointPhases;
  confirmations: number | "finalized";
  /** head − safe on the source. */
  confirmationLag: number | null;
  /** Recorded source blocks no checkpoint commits yet. */
  checkpointLag: number | null;
  challengePeriodSeconds: number | null;
  destinationTime: number;
  messages: Record<MessageStatus, number>;
  oldestPendingMs: number | null;
  checkpoints: CheckpointView[];
  threshold: bigint | null;
  validators: ValidatorView[];
}

export interface MessageView {
  id: string;
  lane: string;
  status: MessageStatus;
  txHash: string;
  logIndex: number;
  blockNumber: number;
  nonce: bigint;
  sender: string;
  target: string;
  ageMs: number;
  updatedAgoMs: number;
  attempts: number;
  /** When the executor tries again, if it waits (a backoff after a failure). */
  nextAttemptInMs: number | null;
  lastError: string | null;
  checkpointId: number | null;
  relayTxHash: string | null;
  /** Exit proof for a manual relay (GET it); null until a checkpoint covers the message. */
  proofUrl: string | null;
}

export interface ConsoleState {
  version: number;
  now: number;
  uptimeMs: number;
  health: { ok: boolean; status: "ok" | "degraded"; reasons: string[]; warnings: string[] };
  lanes: LaneView[];
  challenges: {
    lane: string;
    destination: string;
    txHash: string;
    blockNumber: number;
    seenAgoMs: number;
    fromId: number;
    toId: number;
    fraud: FraudKind;
    challenger: string;
    ours: boolean;
    proposer: string | null;
    oursSlashed: boolean;
    slashedWei: bigint | null;
    rewardWei: bigint | null;
    reverted: { id: number; startBlock: number; endBlock: number; blockRoot: string }[];
  }[];
  messages: MessageView[];
  signers: (SignerBalance & { ageMs: number })[];
  bonds: MonitorSnapshot["bonds"];
  relayer: {
    loops: (LoopState & { lastSuccessAgoMs: number | null; lastFailureAgoMs: number | null })[];
    rpcErrors: { chain: string; code: string; count: number }[];
    pendingTransactions: number;
    unknownExecutions: { lane: string; messageId: string; txHash: string; blockNumber: number; outcome: string; verdict: string; seenAgoMs: number }[];
    monitor: { lastRunAgoMs: number | null; errors: string[] } | null;
    addresses: Partial<Record<"proposer" | "executor" | "challenger", string>>;
  };
}

async function labelled(metric: Gauge | Counter, labels: Record<string, string>): Promise<number | null> {
  const { values } = await metric.get();
  const found = values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value));
  return found === undefined ? null : found.value;
}

/** CheckpointSubmitted's `signers`: one byte per signer, its index in the validator set. */
function signerIndices(hex: string | null | undefined): number[] {
  if (hex === null || hex === undefined || hex.length < 4) return [];
  const indices: number[] = [];
  for (let i = 2; i + 2 <= hex.length; i += 2) indices.push(parseInt(hex.slice(i, i + 2), 16));
  return indices;
}

export async function consoleState(sources: ConsoleSources, monitor: ConsoleMonitor | undefined, startedAt: number, now = Date.now()): Promise<ConsoleState> {
  const { config, store, metrics, rounds } = sources;
  const snapshot = monitor?.snapshot();
  const chainNow = (chain: string) => monitor?.chainNow(chain as ChainName, now) ?? Math.floor(now / 1000);
  const report = healthReport(sources, now);
  const phases = checkpointPhases(sources, now, chainNow);
  const addresses: ConsoleState["relayer"]["addresses"] = {};
  for (const role of ["proposer", "executor", "challenger"] as const) {
    const key = config.keys[role];
    if (key !== undefined) addresses[role] = new Wallet(key).address;
  }
  const ourProposer = addresses.proposer?.toLowerCase();
  const ourChallenger = addresses.challenger?.toLowerCase();

  const counts = new Map<string, Record<MessageStatus, number>>();
  for (const lane of LANES) counts.set(laneName(lane), Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, 0])) as Record<MessageStatus, number>);
  for (const row of store.messages.countsByStatus()) {
    const entry = counts.get(`${row.source}->${row.destination}`);
    if (entry !== undefined) entry[row.status] = row.count;
  }

  const lanes: LaneView[] = [];
  for (const lane of LANES) {
    const name = laneName(lane);
    const set: ValidatorSetView | undefined = snapshot?.validatorSets[lane.destination];
    const destinationTime = chainNow(lane.destination);
    const live: CheckpointView[] = store.checkpoints.recent(lane.destination, CHECKPOINTS_PER_LANE).map((c) => checkpointView(c, set, ourProposer, destinationTime, null));
    const challenged: CheckpointView[] = store.challenges.recent(CHECKPOINTS_PER_LANE, lane.destination).flatMap((challenge) =>
      challenge.reverted.map((c) =>
        checkpointView(c, set, ourProposer, destinationTime, {
          fraud: fraudKind(challenge.fraud),
          challenger: getAddress(challenge.challenger),
          ours: challenge.challenger === ourChallenger,
          txHash: challenge.txHash,
        }),
      ),
    );
    // Ids are reused after a revert: the submission block orders them as they happened.
    const checkpoints = [...live, ...challenged]
      .sort((a, b) => (b.submittedBlock ?? -1) - (a.submittedBlock ?? -1) || b.id - a.id)
      .slice(0, CHECKPOINTS_PER_LANE);

    const round = rounds.last(name);
    const members = set !== undefined ? set.addresses.map((address, i) => ({ address, power: set.powers[i] })) : (round?.validators.map((v) => ({ address: v.address, power: v.power })) ?? []);
    const validators: ValidatorView[] = [];
    for (const member of members) {
      const verdict = round?.validators.find((v) => v.address === member.address);
      validators.push({
        address: member.address,
        power: member.power,
        checkpoints: checkpoints.slice(0, 6).map((c) => ({ id: c.id, status: c.status, signed: c.signers.some((s) => s.address === member.address) })),
        lastRound: verdict === undefined ? null : { signed: verdict.signed, source: verdict.source ?? null, reason: verdict.reason ?? null },
        missedRounds: (await labelled(metrics.validatorMissed, { lane: name, validator: member.address })) ?? 0,
      });
    }

    const head = await labelled(metrics.chainHeight, { chain: lane.source, kind: "head" });
    const safe = await labelled(metrics.chainHeight, { chain: lane.source, kind: "safe" });
    const recorded = store.blocks.head(lane.source)?.number ?? null;
    // Before the first checkpoint, every recorded block waits for one.
    const committedThrough = phases[name].submitted ?? (store.blocks.first(lane.source)?.number ?? 0) - 1;
    const oldest = store.messages.oldestPendingAt(lane.destination);
    const period = snapshot?.challengePeriods[lane.destination];
    lanes.push({
      name,
      source: lane.source,
      destination: lane.destination,
      health: report.lanes[name],
      heights: { head, safe, recorded, ...phases[name] },
      confirmations: config.chains[lane.source].confirmations,
      confirmationLag: head !== null && safe !== null ? Math.max(0, head - safe) : null,
      checkpointLag: recorded === null ? null : Math.max(0, recorded - committedThrough),
      challengePeriodSeconds: period ?? null,
      destinationTime,
      messages: counts.get(name)!,
      oldestPendingMs: oldest === undefined ? null : Math.max(0, now - oldest),
      checkpoints,
      threshold: set?.threshold ?? round?.threshold ?? null,
      validators,
    });
  }

  const challenges: ConsoleState["challenges"] = store.challenges.recent(20).map((c) => {
    const lane = LANES.find((l) => l.destination === c.destination)!;
    return {
      lane: laneName(lane),
      destination: c.destination,
      txHash: c.txHash,
      blockNumber: c.blockNumber,
      seenAgoMs: Math.max(0, now - c.seenAt),
      fromId: c.fromId,
      toId: c.toId,
      fraud: fraudKind(c.fraud),
      challenger: getAddress(c.challenger),
      ours: c.challenger === ourChallenger,
      proposer: c.proposer === null ? null : getAddress(c.proposer),
      oursSlashed: c.proposer !== null && c.proposer === ourProposer,
      slashedWei: c.slashed,
      rewardWei: c.reward,
      reverted: c.reverted.map((r) => ({ id: r.id, startBlock: r.startBlock, endBlock: r.endBlock, blockRoot: r.blockRoot })),
    };
  });

  const messages = [...store.messages.unrelayed(MESSAGES_SHOWN), ...store.messages.recentlyRelayed(RELAYED_SHOWN)].map((m) => messageView(m, now));

  const rpcErrors = (await metrics.rpcErrors.get()).values.map((v) => ({ chain: String(v.labels.chain), code: String(v.labels.code), count: v.value }));
  const unknownExecutions = store.executions.recent(20).map((e) => ({
    lane: laneName(LANES.find((l) => l.destination === e.destination)!),
    messageId: e.messageId,
    txHash: e.txHash,
    blockNumber: e.blockNumber,
    outcome: e.outcome,
    verdict: e.verdict,
    seenAgoMs: Math.max(0, now - e.seenAt),
  }));

  return {
    version: CONSOLE_STATE_VERSION,
    now,
    uptimeMs: now - startedAt,
    health: { ok: report.ok, status: report.status, reasons: report.reasons, warnings: report.warnings },
    lanes,
    challenges,
    messages,
    signers: (snapshot?.balances ?? []).map((b) => ({ ...b, ageMs: Math.max(0, now - b.at) })),
    bonds: snapshot?.bonds ?? [],
    relayer: {
      loops: metrics.loops().map((l) => ({
        ...l,
        lastSuccessAgoMs: l.lastSuccessAt === null ? null : Math.max(0, now - l.lastSuccessAt),
        lastFailureAgoMs: l.lastFailureAt === null ? null : Math.max(0, now - l.lastFailureAt),
      })),
      rpcErrors,
      pendingTransactions: store.txs.countPending(),
      unknownExecutions,
      monitor: snapshot === undefined ? null : { lastRunAgoMs: snapshot.lastRunAt === null ? null : Math.max(0, now - snapshot.lastRunAt), errors: snapshot.errors },
      addresses,
    },
  };
}

function checkpointView(c: StoredCheckpoint, set: ValidatorSetView | undefined, ourProposer: string | undefined, destinationTime: number, challenge: CheckpointView["challenge"]): CheckpointView {
  const pending = challenge === null && c.finalizesAt > destinationTime;
  return {
    id: c.id,
    startBlock: c.startBlock,
    endBlock: c.endBlock,
    blockRoot: c.blockRoot,
    proposer: getAddress(c.proposer),
    ours: c.proposer === ourProposer,
    txHash: c.txHash,
    submittedBlock: c.submittedBlock ?? null,
    finalizesAt: c.finalizesAt,
    status: challenge !== null ? "challenged" : pending ? "pending" : "final",
    secondsLeft: pending ? c.finalizesAt - destinationTime : null,
    signers: signerIndices(c.signers).map((index) => ({ index, address: set?.addresses[index] ?? null })),
    challenge,
  };
}

export function messageView(m: MessageRecord, now: number): MessageView {
  return {
    id: m.id,
    lane: `${m.source}->${m.destination}`,
    status: m.status,
    txHash: m.txHash,
    logIndex: m.logIndex,
    blockNumber: m.blockNumber,
    nonce: m.nonce,
    sender: m.sender,
    target: m.target,
    ageMs: Math.max(0, now - m.createdAt),
    updatedAgoMs: Math.max(0, now - m.updatedAt),
    attempts: m.attempts,
    nextAttemptInMs: m.status !== "relayed" && m.nextAttemptAt > now ? m.nextAttemptAt - now : null,
    lastError: m.lastError,
    checkpointId: m.checkpointId,
    relayTxHash: m.relayTxHash,
    proofUrl: m.status === "sent" || m.status === "relayed" ? null : `/proof/${m.txHash}/${m.logIndex}`,
  };
}
