/** Watched blocks per chain, cursors, and the reorg rollback that spans blocks and messages. */
import type { Db } from "./db";

export interface StoredBlock {
  number: number;
  hash: string;
  parentHash: string;
  receiptsRoot: string;
  seenAt: number;
}

interface BlockRow {
  number: number;
  hash: string;
  parent_hash: string;
  receipts_root: string;
  seen_at: number;
}

const toBlock = (r: BlockRow): StoredBlock => ({ number: r.number, hash: r.hash, parentHash: r.parent_hash, receiptsRoot: r.receipts_root, seenAt: r.seen_at });

export class BlockRepository {
  constructor(private readonly db: Db) {}

  /** Idempotent: the same block recorded twice is one row; a different hash at a number replaces it only via rollback. */
  insert(chain: string, block: Omit<StoredBlock, "seenAt">, seenAt = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO blocks (chain, number, hash, parent_hash, receipts_root, seen_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (chain, number) DO NOTHING`,
      )
      .run(chain, block.number, block.hash, block.parentHash, block.receiptsRoot, seenAt);
  }

  get(chain: string, number: number): StoredBlock | undefined {
    const row = this.db.prepare(`SELECT * FROM blocks WHERE chain = ? AND number = ?`).get(chain, number) as BlockRow | undefined;
    return row && toBlock(row);
  }

  /** The highest recorded block. */
  head(chain: string): StoredBlock | undefined {
    const row = this.db.prepare(`SELECT * FROM blocks WHERE chain = ? ORDER BY number DESC LIMIT 1`).get(chain) as BlockRow | undefined;
    return row && toBlock(row);
  }

  /** The lowest recorded block: messages before it were never seen by this relayer. */
  first(chain: string): StoredBlock | undefined {
    const row = this.db.prepare(`SELECT * FROM blocks WHERE chain = ? ORDER BY number ASC LIMIT 1`).get(chain) as BlockRow | undefined;
    return row && toBlock(row);
  }

  range(chain: string, from: number, to: number): StoredBlock[] {
    return (this.db.prepare(`SELECT * FROM blocks WHERE chain = ? AND number BETWEEN ? AND ? ORDER BY number`).all(chain, from, to) as BlockRow[]).map(toBlock);
  }

  /**
   * A reorg replaced the blocks above `forkPoint`: forget them, and the messages they carried
   * that have not been relayed (a relayed message was proven final, so it cannot be above the fork).
   * Returns the number of blocks and messages removed.
   */
  rollback(chain: string, forkPoint: number): { blocks: number; messages: number } {
    return this.db.transaction(() => {
      const blocks = this.db.prepare(`DELETE FROM blocks WHERE chain = ? AND number > ?`).run(chain, forkPoint).changes;
      const messages = this.db.prepare(`DELETE FROM messages WHERE source = ? AND block_number > ? AND status != 'relayed'`).run(chain, forkPoint).changes;
      return { blocks, messages };
    })();
  }
}

export class CursorRepository {
  constructor(private readonly db: Db) {}

  get(name: string): number | undefined {
    const row = this.db.prepare(`SELECT next_block FROM cursors WHERE name = ?`).get(name) as { next_block: number } | undefined;
    return row?.next_block;
  }

  set(name: string, nextBlock: number): void {
    this.db.prepare(`INSERT INTO cursors (name, next_block) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET next_block = excluded.next_block`).run(name, nextBlock);
  }
}
