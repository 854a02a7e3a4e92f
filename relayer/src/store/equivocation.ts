/**
 * The equivocation reporter's memory: the ranges signed in a lane (with the valid signatures they
 * carried, and their leaves once known), from which what each signer key signed at each height
 * follows, and the reports made. `lane` is the StakeManager lane's name: the chain whose CheckpointManager
 * the checkpoints were signed for ("main" or "child").
 */
import type { Db } from "./db";

/** One signed range: what an EIP-712 checkpoint signature covers. */
export interface TreeKey {
  startBlock: number;
  endBlock: number;
  blockRoot: string;
}

export interface StoredLeaf {
  hash: string;
  receiptsRoot: string;
}

export interface EquivocationTree extends TreeKey {
  lane: string;
  /** Signer key (lower case) → its 65-byte signature of this range. */
  signatures: Record<string, string>;
  /** The committed leaves in block order, once known. */
  leaves: StoredLeaf[] | null;
}

export type ReportStatus = "pending" | "reported" | "already-slashed" | "refused";

export interface EquivocationReport {
  lane: string;
  signer: string;
  height: number;
  first: TreeKey;
  second: TreeKey;
  status: ReportStatus;
  validator: string | null;
  txHash: string | null;
  slashed: string | null;
  reason: string | null;
}

interface TreeRow {
  lane: string;
  start_block: number;
  end_block: number;
  block_root: string;
  signatures: string;
  leaves: string | null;
}

interface ReportRow {
  lane: string;
  signer: string;
  height: number;
  first_tree: string;
  second_tree: string;
  status: ReportStatus;
  validator: string | null;
  tx_hash: string | null;
  slashed: string | null;
  reason: string | null;
}

export const treeId = (key: TreeKey): string => `${key.startBlock}:${key.endBlock}:${key.blockRoot}`;

function parseTreeId(id: string): TreeKey {
  const [start, end, blockRoot] = id.split(":");
  return { startBlock: Number(start), endBlock: Number(end), blockRoot };
}

const toTree = (r: TreeRow): EquivocationTree => ({
  lane: r.lane,
  startBlock: r.start_block,
  endBlock: r.end_block,
  blockRoot: r.block_root,
  signatures: JSON.parse(r.signatures) as Record<string, string>,
  leaves: r.leaves === null ? null : (JSON.parse(r.leaves) as StoredLeaf[]),
});

const toReport = (r: ReportRow): EquivocationReport => ({
  lane: r.lane,
  signer: r.signer,
  height: r.height,
  first: parseTreeId(r.first_tree),
  second: parseTreeId(r.second_tree),
  status: r.status,
  validator: r.validator,
  txHash: r.tx_hash,
  slashed: r.slashed,
  reason: r.reason,
});

export class EquivocationRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records a submission's valid signatures for its range; the same range submitted again (after a
   * revert, by other proposers) adds its signers. Returns the signers not known before.
   */
  addSignatures(lane: string, key: TreeKey, signatures: Record<string, string>): string[] {
    return this.db.transaction(() => {
      const existing = this.tree(lane, key);
      const merged = { ...(existing?.signatures ?? {}) };
      const added = Object.keys(signatures).filter((s) => merged[s] === undefined);
      for (const s of added) merged[s] = signatures[s];
      if (existing === undefined) {
        this.db
          .prepare(`INSERT INTO equivocation_trees (lane, start_block, end_block, block_root, signatures, leaves, seen_at) VALUES (?, ?, ?, ?, ?, NULL, ?)`)
          .run(lane, key.startBlock, key.endBlock, key.blockRoot, JSON.stringify(merged), Date.now());
      } else if (added.length > 0) {
        this.db
          .prepare(`UPDATE equivocation_trees SET signatures = ? WHERE lane = ? AND start_block = ? AND end_block = ? AND block_root = ?`)
          .run(JSON.stringify(merged), lane, key.startBlock, key.endBlock, key.blockRoot);
      }
      return added;
    })();
  }

  tree(lane: string, key: TreeKey): EquivocationTree | undefined {
    const row = this.db
      .prepare(`SELECT * FROM equivocation_trees WHERE lane = ? AND start_block = ? AND end_block = ? AND block_root = ?`)
      .get(lane, key.startBlock, key.endBlock, key.blockRoot) as TreeRow | undefined;
    return row && toTree(row);
  }

  /** Ranges whose leaves are not known yet, oldest first. */
  withoutLeaves(lane: string): EquivocationTree[] {
    return (this.db.prepare(`SELECT * FROM equivocation_trees WHERE lane = ? AND leaves IS NULL ORDER BY seen_at, start_block`).all(lane) as TreeRow[]).map(toTree);
  }

  setLeaves(lane: string, key: TreeKey, leaves: readonly StoredLeaf[]): void {
    this.db
      .prepare(`UPDATE equivocation_trees SET leaves = ? WHERE lane = ? AND start_block = ? AND end_block = ? AND block_root = ?`)
      .run(JSON.stringify(leaves), lane, key.startBlock, key.endBlock, key.blockRoot);
  }

  /**
   * The other ranges of the lane, with known leaves, that share a height with `key`. Ranges are
   * contiguous along a lane except across a revert, so this is almost always the range's
   * neighbours and what a revert left behind; the end-block index keeps it off old ranges.
   */
  overlapping(lane: string, key: TreeKey): (EquivocationTree & { leaves: StoredLeaf[] })[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM equivocation_trees WHERE lane = ? AND end_block >= ? AND start_block <= ? AND leaves IS NOT NULL
           AND NOT (start_block = ? AND end_block = ? AND block_root = ?) ORDER BY start_block, end_block, block_root`,
      )
      .all(lane, key.startBlock, key.endBlock, key.startBlock, key.endBlock, key.blockRoot) as TreeRow[];
    return rows.map(toTree) as (EquivocationTree & { leaves: StoredLeaf[] })[];
  }

  /** A new report to make; false if this (lane, signer, height) already has one. */
  addReport(lane: string, signer: string, height: number, first: TreeKey, second: TreeKey): boolean {
    const now = Date.now();
    return (
      this.db
        .prepare(
          `INSERT OR IGNORE INTO equivocation_reports (lane, signer, height, first_tree, second_tree, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`,
        )
        .run(lane, signer, height, treeId(first), treeId(second), now, now).changes === 1
    );
  }

  pendingReports(): EquivocationReport[] {
    return (this.db.prepare(`SELECT * FROM equivocation_reports WHERE status = 'pending' ORDER BY created_at, lane, signer, height`).all() as ReportRow[]).map(toReport);
  }

  reports(): EquivocationReport[] {
    return (this.db.prepare(`SELECT * FROM equivocation_reports ORDER BY created_at, lane, signer, height`).all() as ReportRow[]).map(toReport);
  }

  settle(lane: string, signer: string, height: number, outcome: { status: ReportStatus; validator?: string; txHash?: string; slashed?: bigint; reason?: string }): void {
    this.db
      .prepare(
        `UPDATE equivocation_reports SET status = ?, validator = COALESCE(?, validator), tx_hash = COALESCE(?, tx_hash), slashed = COALESCE(?, slashed),
           reason = ?, updated_at = ? WHERE lane = ? AND signer = ? AND height = ?`,
      )
      .run(outcome.status, outcome.validator ?? null, outcome.txHash ?? null, outcome.slashed?.toString() ?? null, outcome.reason ?? null, Date.now(), lane, signer, height);
  }

  /** Reports that slashed, per lane: the metric's value after a restart. */
  countReported(): { lane: string; count: number }[] {
    return this.db.prepare(`SELECT lane, COUNT(*) AS count FROM equivocation_reports WHERE status = 'reported' GROUP BY lane`).all() as { lane: string; count: number }[];
  }
}
