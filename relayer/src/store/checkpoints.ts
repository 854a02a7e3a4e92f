/** Checkpoints as submitted on a destination chain (mirrored from its events) and validator attestations. */
import type { Db } from "./db";

export interface StoredCheckpoint {
  destination: string;
  id: number;
  startBlock: number;
  endBlock: number;
  blockRoot: string;
  finalizesAt: number;
  proposer: string;
  txHash: string;
  /** The validator indices the submission names as signers (CheckpointSubmitted's `signers`, hex), when mirrored from the event. */
  signers?: string | null;
  /** Destination block of the CheckpointSubmitted event. */
  submittedBlock?: number | null;
}

interface Row {
  destination: string;
  id: number;
  start_block: number;
  end_block: number;
  block_root: string;
  finalizes_at: number;
  proposer: string;
  tx_hash: string;
  signers: string | null;
  submitted_block: number | null;
}

const toCheckpoint = (r: Row): StoredCheckpoint => ({
  destination: r.destination,
  id: r.id,
  startBlock: r.start_block,
  endBlock: r.end_block,
  blockRoot: r.block_root,
  finalizesAt: r.finalizes_at,
  proposer: r.proposer,
  txHash: r.tx_hash,
  signers: r.signers,
  submittedBlock: r.submitted_block,
});

export class CheckpointRepository {
  constructor(private readonly db: Db) {}

  /** Ids are reused after a revert, so a submission replaces whatever the id held. */
  upsert(c: StoredCheckpoint): void {
    this.db
      .prepare(
        `INSERT INTO checkpoints (destination, id, start_block, end_block, block_root, finalizes_at, proposer, tx_hash, signers, submitted_block)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (destination, id) DO UPDATE SET start_block = excluded.start_block, end_block = excluded.end_block,
           block_root = excluded.block_root, finalizes_at = excluded.finalizes_at, proposer = excluded.proposer, tx_hash = excluded.tx_hash,
           signers = excluded.signers, submitted_block = excluded.submitted_block`,
      )
      .run(c.destination, c.id, c.startBlock, c.endBlock, c.blockRoot, c.finalizesAt, c.proposer, c.txHash, c.signers ?? null, c.submittedBlock ?? null);
  }

  /** Checkpoints from id `fromId` on: what a CheckpointsReverted is about to delete. */
  from(destination: string, fromId: number): StoredCheckpoint[] {
    return (this.db.prepare(`SELECT * FROM checkpoints WHERE destination = ? AND id >= ? ORDER BY id`).all(destination, fromId) as Row[]).map(toCheckpoint);
  }

  /** The last `limit` checkpoints, newest first. */
  recent(destination: string, limit: number): StoredCheckpoint[] {
    return (this.db.prepare(`SELECT * FROM checkpoints WHERE destination = ? ORDER BY id DESC LIMIT ?`).all(destination, limit) as Row[]).map(toCheckpoint);
  }

  /** The first source block any live checkpoint commits. */
  earliestStart(destination: string): number | undefined {
    const row = this.db.prepare(`SELECT MIN(start_block) AS n FROM checkpoints WHERE destination = ?`).get(destination) as { n: number | null };
    return row.n ?? undefined;
  }

  /** The highest source block committed by a checkpoint final at `nowSeconds` (destination time), if any. */
  finalThrough(destination: string, nowSeconds: number): number | undefined {
    const row = this.db.prepare(`SELECT MAX(end_block) AS n FROM checkpoints WHERE destination = ? AND finalizes_at <= ?`).get(destination, nowSeconds) as { n: number | null };
    return row.n ?? undefined;
  }

  /** CheckpointsReverted: ids from `fromId` on are gone. */
  revertFrom(destination: string, fromId: number): number {
    return this.db.prepare(`DELETE FROM checkpoints WHERE destination = ? AND id >= ?`).run(destination, fromId).changes;
  }

  /** The checkpoint on `destination` that covers `blockNumber` of the source chain. */
  covering(destination: string, blockNumber: number): StoredCheckpoint | undefined {
    const row = this.db
      .prepare(`SELECT * FROM checkpoints WHERE destination = ? AND start_block <= ? AND end_block >= ? ORDER BY id DESC LIMIT 1`)
      .get(destination, blockNumber, blockNumber) as Row | undefined;
    return row && toCheckpoint(row);
  }

  latest(destination: string): StoredCheckpoint | undefined {
    const row = this.db.prepare(`SELECT * FROM checkpoints WHERE destination = ? ORDER BY id DESC LIMIT 1`).get(destination) as Row | undefined;
    return row && toCheckpoint(row);
  }

  /** Who submitted the last `limit` checkpoints on `destination`: the proposers active there. */
  recentProposers(destination: string, limit: number): string[] {
    const rows = this.db.prepare(`SELECT proposer FROM checkpoints WHERE destination = ? ORDER BY id DESC LIMIT ?`).all(destination, limit) as { proposer: string }[];
    return [...new Set(rows.map((r) => r.proposer))];
  }

  all(destination: string): StoredCheckpoint[] {
    return (this.db.prepare(`SELECT * FROM checkpoints WHERE destination = ? ORDER BY id`).all(destination) as Row[]).map(toCheckpoint);
  }
}

export interface Attestation {
  source: string;
  destination: string;
  startBlock: number;
  endBlock: number;
  blockRoot: string;
  signer: string;
  signature: string;
}

export class AttestationRepository {
  constructor(private readonly db: Db) {}

  /** Every signature a validator gives is kept: the evidence if it is ever accused of equivocation. */
  record(a: Attestation): void {
    this.db
      .prepare(
        `INSERT INTO attestations (source, destination, start_block, end_block, block_root, signer, signature, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(a.source, a.destination, a.startBlock, a.endBlock, a.blockRoot, a.signer, a.signature, Date.now());
  }

  /**
   * Commits `signer` to these block hashes, unless one of the numbers was vouched for with another
   * hash before: then nothing is recorded and the first conflict is returned. Call it before
   * signing, in one synchronous step, so two concurrent requests cannot both pass.
   */
  vouch(source: string, destination: string, signer: string, blocks: readonly { number: number; hash: string }[]): { number: number; signed: string; asked: string } | undefined {
    const existing = this.db.prepare(`SELECT hash FROM signed_blocks WHERE source = ? AND destination = ? AND signer = ? AND number = ?`);
    const insert = this.db.prepare(`INSERT OR IGNORE INTO signed_blocks (source, destination, signer, number, hash) VALUES (?, ?, ?, ?, ?)`);
    return this.db.transaction(() => {
      for (const block of blocks) {
        const row = existing.get(source, destination, signer, block.number) as { hash: string } | undefined;
        if (row !== undefined && row.hash !== block.hash) return { number: block.number, signed: row.hash, asked: block.hash };
      }
      for (const block of blocks) insert.run(source, destination, signer, block.number, block.hash);
      return undefined;
    })();
  }

  find(source: string, destination: string, startBlock: number, endBlock: number, blockRoot: string, signer: string): Attestation | undefined {
    const row = this.db
      .prepare(
        `SELECT signature FROM attestations WHERE source = ? AND destination = ? AND start_block = ? AND end_block = ? AND block_root = ? AND signer = ?`,
      )
      .get(source, destination, startBlock, endBlock, blockRoot, signer) as { signature: string } | undefined;
    return row && { source, destination, startBlock, endBlock, blockRoot, signer, signature: row.signature };
  }
}
