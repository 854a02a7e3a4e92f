/**
 * Batch relays (Messenger.relayMessages), recorded BEFORE their transaction is signed: a restart
 * finds a pending batch and resumes its transaction (same intent) instead of relaying its members
 * again, alone or in another batch, while it may still land.
 */
import type { Db } from "./db";

export type BatchStatus = "pending" | "done" | "dropped";

export interface StoredBatch {
  /** Also the transaction's intent: `batch:<id>`. */
  id: string;
  destination: string;
  checkpointId: number;
  status: BatchStatus;
  members: string[];
}

export class BatchRepository {
  constructor(private readonly db: Db) {}

  /** Records a batch and its members in one transaction. */
  create(batch: Omit<StoredBatch, "status">): void {
    const now = Date.now();
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO batches (id, destination, checkpoint_id, status, created_at, updated_at) VALUES (?, ?, ?, 'pending', ?, ?)`)
        .run(batch.id, batch.destination, batch.checkpointId, now, now);
      const member = this.db.prepare(`INSERT INTO batch_members (batch_id, message_id, position) VALUES (?, ?, ?)`);
      batch.members.forEach((id, position) => member.run(batch.id, id, position));
    })();
  }

  /** Batches to `destination` whose transaction may still land, oldest first. */
  pending(destination: string): StoredBatch[] {
    const rows = this.db
      .prepare(`SELECT id, destination, checkpoint_id, status FROM batches WHERE destination = ? AND status = 'pending' ORDER BY created_at`)
      .all(destination) as { id: string; destination: string; checkpoint_id: number; status: BatchStatus }[];
    const members = this.db.prepare(`SELECT message_id FROM batch_members WHERE batch_id = ? ORDER BY position`);
    return rows.map((r) => ({
      id: r.id,
      destination: r.destination,
      checkpointId: r.checkpoint_id,
      status: r.status,
      members: (members.all(r.id) as { message_id: string }[]).map((m) => m.message_id),
    }));
  }

  /** The pending batch holding `messageId`, if any. */
  pendingBatchOf(messageId: string): string | undefined {
    const row = this.db
      .prepare(`SELECT b.id FROM batches b JOIN batch_members m ON m.batch_id = b.id WHERE m.message_id = ? AND b.status = 'pending' LIMIT 1`)
      .get(messageId) as { id: string } | undefined;
    return row?.id;
  }

  settle(id: string, status: Exclude<BatchStatus, "pending">): void {
    this.db.prepare(`UPDATE batches SET status = ?, updated_at = ? WHERE id = ?`).run(status, Date.now(), id);
  }
}
