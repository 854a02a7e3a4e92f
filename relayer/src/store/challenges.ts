/**
 * What the chains did that an operator must see after the fact: successful challenges (a
 * CheckpointsReverted deletes its checkpoints from the mirror, so the record keeps what they
 * were, who challenged and what bond was slashed), and executions on a destination that match no
 * message this relayer saw on the source (unknown executions: never expected, a fraud signal).
 */
import type { StoredCheckpoint } from "./checkpoints";
import type { Db } from "./db";

export interface StoredChallenge {
  destination: string;
  txHash: string;
  blockNumber: number;
  fromId: number;
  toId: number;
  challenger: string;
  /** ICheckpointManager.Fraud: 0 bad signature, 1 header mismatch, 2 broken header chain, 3 leaves unavailable, 4 header unavailable (the challenger is then the LeafAvailabilityGame). */
  fraud: number;
  /** From the BondSlashed of the same transaction; null if none was seen. */
  proposer: string | null;
  slashed: bigint | null;
  reward: bigint | null;
  /** The checkpoints the challenge reverted, as the mirror held them. */
  reverted: StoredCheckpoint[];
  seenAt: number;
}

interface ChallengeRow {
  destination: string;
  tx_hash: string;
  block_number: number;
  from_id: number;
  to_id: number;
  challenger: string;
  fraud: number;
  proposer: string | null;
  slashed: string | null;
  reward: string | null;
  reverted: string;
  seen_at: number;
}

const toChallenge = (r: ChallengeRow): StoredChallenge => ({
  destination: r.destination,
  txHash: r.tx_hash,
  blockNumber: r.block_number,
  fromId: r.from_id,
  toId: r.to_id,
  challenger: r.challenger,
  fraud: r.fraud,
  proposer: r.proposer,
  slashed: r.slashed === null ? null : BigInt(r.slashed),
  reward: r.reward === null ? null : BigInt(r.reward),
  reverted: JSON.parse(r.reverted) as StoredCheckpoint[],
  seenAt: r.seen_at,
});

export class ChallengeRepository {
  constructor(private readonly db: Db) {}

  /** Idempotent per (destination, transaction, first id): a re-read log range records nothing twice. */
  record(c: Omit<StoredChallenge, "seenAt">, seenAt = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO challenges (destination, tx_hash, block_number, from_id, to_id, challenger, fraud, proposer, slashed, reward, reverted, seen_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(
        c.destination,
        c.txHash,
        c.blockNumber,
        c.fromId,
        c.toId,
        c.challenger,
        c.fraud,
        c.proposer,
        c.slashed?.toString() ?? null,
        c.reward?.toString() ?? null,
        JSON.stringify(c.reverted),
        seenAt,
      );
  }

  /** The last `limit` challenges on `destination` (every destination when undefined), newest first. */
  recent(limit: number, destination?: string): StoredChallenge[] {
    const rows =
      destination === undefined
        ? this.db.prepare(`SELECT * FROM challenges ORDER BY block_number DESC, from_id DESC LIMIT ?`).all(limit)
        : this.db.prepare(`SELECT * FROM challenges WHERE destination = ? ORDER BY block_number DESC, from_id DESC LIMIT ?`).all(destination, limit);
    return (rows as ChallengeRow[]).map(toChallenge);
  }
}

/**
 * pending: the message is not in our store yet, but our watcher may simply not have reached its
 * block; unknown: our watcher recorded every block that could hold it and none does; unverifiable:
 * our watcher started after the source's deployment, so the message may be older than what we saw.
 */
export type ExecutionVerdict = "pending" | "unknown" | "unverifiable";

export interface StoredExecution {
  destination: string;
  messageId: string;
  txHash: string;
  blockNumber: number;
  /** The destination's event: relayed, or failed (the target reverted; still an execution). */
  outcome: "relayed" | "failed";
  verdict: ExecutionVerdict;
  seenAt: number;
  judgedAt: number | null;
}

interface ExecutionRow {
  destination: string;
  message_id: string;
  tx_hash: string;
  block_number: number;
  outcome: "relayed" | "failed";
  verdict: ExecutionVerdict;
  seen_at: number;
  judged_at: number | null;
}

const toExecution = (r: ExecutionRow): StoredExecution => ({
  destination: r.destination,
  messageId: r.message_id,
  txHash: r.tx_hash,
  blockNumber: r.block_number,
  outcome: r.outcome,
  verdict: r.verdict,
  seenAt: r.seen_at,
  judgedAt: r.judged_at,
});

export class ExecutionRepository {
  constructor(private readonly db: Db) {}

  /** An execution whose message id the store does not know (yet): judged later. Idempotent. */
  recordUnmatched(e: Pick<StoredExecution, "destination" | "messageId" | "txHash" | "blockNumber" | "outcome">, seenAt = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO executions (destination, message_id, tx_hash, block_number, outcome, verdict, seen_at) VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING`,
      )
      .run(e.destination, e.messageId.toLowerCase(), e.txHash.toLowerCase(), e.blockNumber, e.outcome, seenAt);
  }

  pending(destination: string): StoredExecution[] {
    return (this.db.prepare(`SELECT * FROM executions WHERE destination = ? AND verdict = 'pending' ORDER BY block_number`).all(destination) as ExecutionRow[]).map(toExecution);
  }

  /** The store learnt the message after all (our watcher was behind): not an unknown execution. */
  forget(destination: string, messageId: string, txHash: string): void {
    this.db.prepare(`DELETE FROM executions WHERE destination = ? AND message_id = ? AND tx_hash = ?`).run(destination, messageId, txHash);
  }

  judge(destination: string, messageId: string, txHash: string, verdict: Exclude<ExecutionVerdict, "pending">, at = Date.now()): void {
    this.db.prepare(`UPDATE executions SET verdict = ?, judged_at = ? WHERE destination = ? AND message_id = ? AND tx_hash = ?`).run(verdict, at, destination, messageId, txHash);
  }

  /** Unknown executions per destination, for the counter that survives restarts. */
  countUnknown(): { destination: string; count: number }[] {
    return this.db.prepare(`SELECT destination, COUNT(*) AS count FROM executions WHERE verdict = 'unknown' GROUP BY destination`).all() as { destination: string; count: number }[];
  }

  /** The last `limit` executions that were not (or not yet) matched, newest first. */
  recent(limit: number): StoredExecution[] {
    return (this.db.prepare(`SELECT * FROM executions ORDER BY seen_at DESC LIMIT ?`).all(limit) as ExecutionRow[]).map(toExecution);
  }
}
