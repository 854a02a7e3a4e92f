/** Messages seen on a source chain and their progress to the destination (STYLE rule 10). */
import type { Db } from "./db";

export type MessageStatus = "sent" | "checkpointed" | "final" | "relayed" | "failed";
export const MESSAGE_STATUSES: readonly MessageStatus[] = ["sent", "checkpointed", "final", "relayed", "failed"];

export interface StoredMessage {
  id: string;
  source: string;
  destination: string;
  nonce: bigint;
  sender: string;
  target: string;
  gasLimit: bigint;
  data: string;
  blockNumber: number;
  blockHash: string;
  txHash: string;
  /** JSON-RPC (block-wide) log index. */
  logIndex: number;
  status: MessageStatus;
  checkpointId: number | null;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  relayTxHash: string | null;
}

/** A message with when the watcher recorded it and when it last changed (ms since the epoch): what the console shows ages from. */
export type MessageRecord = StoredMessage & { createdAt: number; updatedAt: number };

export type NewMessage = Omit<StoredMessage, "status" | "checkpointId" | "attempts" | "nextAttemptAt" | "lastError" | "relayTxHash">;

interface Row {
  id: string;
  source: string;
  destination: string;
  nonce: string;
  sender: string;
  target: string;
  gas_limit: string;
  data: string;
  block_number: number;
  block_hash: string;
  tx_hash: string;
  log_index: number;
  status: MessageStatus;
  checkpoint_id: number | null;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  relay_tx_hash: string | null;
  created_at: number;
  updated_at: number;
}

const toMessage = (r: Row): StoredMessage => ({
  id: r.id,
  source: r.source,
  destination: r.destination,
  nonce: BigInt(r.nonce),
  sender: r.sender,
  target: r.target,
  gasLimit: BigInt(r.gas_limit),
  data: r.data,
  blockNumber: r.block_number,
  blockHash: r.block_hash,
  txHash: r.tx_hash,
  logIndex: r.log_index,
  status: r.status,
  checkpointId: r.checkpoint_id,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  relayTxHash: r.relay_tx_hash,
});

const toRecord = (r: Row): MessageRecord => ({ ...toMessage(r), createdAt: r.created_at, updatedAt: r.updated_at });

/** Still on their way: `failed` is counted apart (its target reverted, or its relays keep failing). */
const PENDING = `status IN ('sent', 'checkpointed', 'final')`;

export class MessageRepository {
  constructor(private readonly db: Db) {}

  /** Idempotent: a message already known (by id) is left as it is. Returns true if new. */
  insert(m: NewMessage): boolean {
    const now = Date.now();
    return (
      this.db
        .prepare(
          `INSERT INTO messages (id, source, destination, nonce, sender, target, gas_limit, data, block_number, block_hash, tx_hash, log_index, status, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sent', ?, ?) ON CONFLICT DO NOTHING`,
        )
        .run(m.id, m.source, m.destination, m.nonce.toString(), m.sender, m.target, m.gasLimit.toString(), m.data, m.blockNumber, m.blockHash, m.txHash, m.logIndex, now, now).changes > 0
    );
  }

  /** The lowest block in [fromBlock, toBlock] of `source` holding a message, if any. */
  firstBlockWithMessage(source: string, fromBlock: number, toBlock: number): number | undefined {
    const row = this.db
      .prepare(`SELECT MIN(block_number) AS n FROM messages WHERE source = ? AND block_number BETWEEN ? AND ?`)
      .get(source, fromBlock, toBlock) as { n: number | null };
    return row.n ?? undefined;
  }

  get(id: string): StoredMessage | undefined {
    const row = this.db.prepare(`SELECT * FROM messages WHERE id = ?`).get(id.toLowerCase()) as Row | undefined;
    return row && toMessage(row);
  }

  byLog(txHash: string, logIndex: number): StoredMessage | undefined {
    const row = this.db.prepare(`SELECT * FROM messages WHERE tx_hash = ? AND log_index = ?`).get(txHash.toLowerCase(), logIndex) as Row | undefined;
    return row && toMessage(row);
  }

  byTx(txHash: string): StoredMessage[] {
    return (this.db.prepare(`SELECT * FROM messages WHERE tx_hash = ? ORDER BY log_index`).all(txHash.toLowerCase()) as Row[]).map(toMessage);
  }

  /** Messages to `destination` the executor still has work on, due now, oldest first. */
  pending(destination: string, now = Date.now(), limit = 200): StoredMessage[] {
    return (
      this.db
        .prepare(`SELECT * FROM messages WHERE destination = ? AND status != 'relayed' AND next_attempt_at <= ? ORDER BY block_number, log_index LIMIT ?`)
        .all(destination, now, limit) as Row[]
    ).map(toMessage);
  }

  setStatus(id: string, status: MessageStatus, fields: { checkpointId?: number | null; relayTxHash?: string | null; lastError?: string | null } = {}): void {
    this.db
      .prepare(
        `UPDATE messages SET status = ?, checkpoint_id = COALESCE(?, checkpoint_id), relay_tx_hash = COALESCE(?, relay_tx_hash),
         last_error = ?, updated_at = ? WHERE id = ?`,
      )
      .run(status, fields.checkpointId ?? null, fields.relayTxHash ?? null, fields.lastError ?? null, Date.now(), id);
  }

  /** A failed attempt: count it and schedule the next one. */
  /** `countsAsAttempt` false for transient failures (an RPC outage), which must not use up maxAttempts. */
  recordFailure(id: string, error: string, nextAttemptAt: number, status: MessageStatus, countsAsAttempt = true): void {
    this.db
      .prepare(`UPDATE messages SET attempts = attempts + ?, last_error = ?, next_attempt_at = ?, status = ?, updated_at = ? WHERE id = ?`)
      .run(countsAsAttempt ? 1 : 0, error, nextAttemptAt, status, Date.now(), id);
  }

  /** A checkpoint was reverted on the destination: its messages are back to waiting. */
  uncheckpoint(destination: string, fromCheckpointId: number): number {
    return this.db
      .prepare(`UPDATE messages SET status = 'sent', checkpoint_id = NULL, updated_at = ? WHERE destination = ? AND checkpoint_id >= ? AND status != 'relayed'`)
      .run(Date.now(), destination, fromCheckpointId).changes;
  }

  countsByStatus(): { source: string; destination: string; status: MessageStatus; count: number }[] {
    return this.db.prepare(`SELECT source, destination, status, COUNT(*) AS count FROM messages GROUP BY source, destination, status`).all() as {
      source: string;
      destination: string;
      status: MessageStatus;
      count: number;
    }[];
  }

  /** Messages to `destination` still waiting for a checkpoint, and when the watcher recorded the oldest (health). */
  waitingForCheckpoint(destination: string): { count: number; oldestRecordedAt: number | undefined } {
    const row = this.db.prepare(`SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM messages WHERE destination = ? AND status = 'sent'`).get(destination) as { n: number; oldest: number | null };
    return { count: row.n, oldestRecordedAt: row.oldest ?? undefined };
  }

  /** The message (by id) or messages (by sending transaction) with their times, for the console's lookup. */
  records(idOrTxHash: string): MessageRecord[] {
    const key = idOrTxHash.toLowerCase();
    return (this.db.prepare(`SELECT * FROM messages WHERE id = ? OR tx_hash = ? ORDER BY log_index`).all(key, key) as Row[]).map(toRecord);
  }

  /** Messages not relayed yet (pending and failed), oldest first. */
  unrelayed(limit: number): MessageRecord[] {
    return (this.db.prepare(`SELECT * FROM messages WHERE status != 'relayed' ORDER BY created_at, log_index LIMIT ?`).all(limit) as Row[]).map(toRecord);
  }

  /** The last `limit` relayed messages, most recent first. */
  recentlyRelayed(limit: number): MessageRecord[] {
    return (this.db.prepare(`SELECT * FROM messages WHERE status = 'relayed' ORDER BY updated_at DESC LIMIT ?`).all(limit) as Row[]).map(toRecord);
  }

  /** When the watcher recorded the oldest message to `destination` still pending (sent, checkpointed or final). */
  oldestPendingAt(destination: string): number | undefined {
    const row = this.db.prepare(`SELECT MIN(created_at) AS oldest FROM messages WHERE destination = ? AND ${PENDING}`).get(destination) as { oldest: number | null };
    return row.oldest ?? undefined;
  }

  /** Earliest block of `source` holding a message not yet checkpointed (proposer urgency). */
  oldestUncheckpointedBlock(source: string): number | undefined {
    const row = this.db.prepare(`SELECT MIN(block_number) AS n FROM messages WHERE source = ? AND status = 'sent'`).get(source) as { n: number | null };
    return row.n ?? undefined;
  }
}
