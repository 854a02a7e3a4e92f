/**
 * The bridges' release queues as the releaser role mirrors them (FlowControl's ReleaseQueued,
 * QueuedReleaseExtended and QueuedReleaseExecuted events), and the tokens that have a rate limit
 * (RateLimitSet), whose buckets the metrics report.
 */
import type { Db } from "./db";

/** `queued`: waits for its time or its execution; `executed`: done on chain (by us or anyone). */
export type ReleaseStatus = "queued" | "executed";

export interface StoredRelease {
  chain: string;
  id: string;
  token: string;
  sequence: bigint;
  amount: bigint;
  /** Unix seconds, the destination chain's clock. */
  releasableAt: number;
  payload: string;
  status: ReleaseStatus;
  txHash: string | null;
}

interface ReleaseRow {
  chain: string;
  id: string;
  token: string;
  sequence: string;
  amount: string;
  releasable_at: number;
  payload: string;
  status: ReleaseStatus;
  tx_hash: string | null;
}

const toRelease = (r: ReleaseRow): StoredRelease => ({
  chain: r.chain,
  id: r.id,
  token: r.token,
  sequence: BigInt(r.sequence),
  amount: BigInt(r.amount),
  releasableAt: r.releasable_at,
  payload: r.payload,
  status: r.status,
  txHash: r.tx_hash,
});

export class ReleaseRepository {
  constructor(private readonly db: Db) {}

  /** Idempotent: a log seen twice (a rescan) records one release and never un-executes it. */
  queue(release: Omit<StoredRelease, "status" | "txHash">): void {
    this.db
      .prepare(
        `INSERT INTO queued_releases (chain, id, token, sequence, amount, releasable_at, payload, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued')
         ON CONFLICT (chain, id) DO NOTHING`,
      )
      .run(release.chain, release.id, release.token, release.sequence.toString(), release.amount.toString(), release.releasableAt, release.payload);
  }

  /** The guardian pushed it back. */
  extend(chain: string, id: string, releasableAt: number): void {
    this.db.prepare(`UPDATE queued_releases SET releasable_at = ? WHERE chain = ? AND id = ? AND releasable_at < ?`).run(releasableAt, chain, id, releasableAt);
  }

  executed(chain: string, id: string, txHash: string): void {
    this.db.prepare(`UPDATE queued_releases SET status = 'executed', tx_hash = ? WHERE chain = ? AND id = ?`).run(txHash, chain, id);
  }

  get(chain: string, id: string): StoredRelease | undefined {
    const row = this.db.prepare(`SELECT * FROM queued_releases WHERE chain = ? AND id = ?`).get(chain, id) as ReleaseRow | undefined;
    return row && toRelease(row);
  }

  /** Queued releases whose time is at or before `now` (unix seconds), oldest first. */
  due(chain: string, now: number): StoredRelease[] {
    const rows = this.db
      .prepare(`SELECT * FROM queued_releases WHERE chain = ? AND status = 'queued' AND releasable_at <= ? ORDER BY releasable_at, CAST(sequence AS INTEGER)`)
      .all(chain, now) as ReleaseRow[];
    return rows.map(toRelease);
  }

  /** How many releases of `chain` wait, due or not. */
  queuedCount(chain: string): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM queued_releases WHERE chain = ? AND status = 'queued'`).get(chain) as { n: number }).n;
  }

  /** Records the limit of (token, direction); capacity "0" means removed. */
  setLimit(chain: string, token: string, direction: number, capacity: bigint): void {
    this.db
      .prepare(`INSERT INTO rate_limits (chain, token, direction, capacity) VALUES (?, ?, ?, ?) ON CONFLICT (chain, token, direction) DO UPDATE SET capacity = excluded.capacity`)
      .run(chain, token, direction, capacity.toString());
  }

  /** The (token, direction) pairs of `chain` that ever had a limit; capacity 0: removed since. */
  limits(chain: string): { token: string; direction: number; capacity: bigint }[] {
    const rows = this.db.prepare(`SELECT token, direction, capacity FROM rate_limits WHERE chain = ? ORDER BY token, direction`).all(chain) as {
      token: string;
      direction: number;
      capacity: string;
    }[];
    return rows.map((r) => ({ token: r.token, direction: r.direction, capacity: BigInt(r.capacity) }));
  }
}
