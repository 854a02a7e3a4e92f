/**
 * Every transaction we sign, recorded BEFORE it is broadcast. A restart finds the signed raw
 * transaction and rebroadcasts or waits for it instead of signing a new one: two of our
 * transactions with one nonce only ever differ by their fees (a replacement), never by what they do.
 */
import type { Db } from "./db";

export type TxStatus = "pending" | "mined" | "reverted" | "replaced" | "dropped";

export interface StoredTx {
  seq: number;
  chain: string;
  signer: string;
  nonce: number;
  /** What the tx is for, e.g. "relay:<messageId>"; one intent is done by one nonce. */
  intent: string;
  to: string;
  data: string;
  value: bigint;
  gasLimit: bigint;
  maxFee: bigint;
  maxPriorityFee: bigint;
  raw: string;
  hash: string;
  status: TxStatus;
  createdAt: number;
}

interface Row {
  seq: number;
  chain: string;
  signer: string;
  nonce: number;
  intent: string;
  to_addr: string;
  data: string;
  value: string;
  gas_limit: string;
  max_fee: string;
  max_priority_fee: string;
  raw: string;
  hash: string;
  status: TxStatus;
  created_at: number;
}

const toTx = (r: Row): StoredTx => ({
  seq: r.seq,
  chain: r.chain,
  signer: r.signer,
  nonce: r.nonce,
  intent: r.intent,
  to: r.to_addr,
  data: r.data,
  value: BigInt(r.value),
  gasLimit: BigInt(r.gas_limit),
  maxFee: BigInt(r.max_fee),
  maxPriorityFee: BigInt(r.max_priority_fee),
  raw: r.raw,
  hash: r.hash,
  status: r.status,
  createdAt: r.created_at,
});

export class TxRepository {
  constructor(private readonly db: Db) {}

  insert(tx: Omit<StoredTx, "seq" | "status" | "createdAt">): StoredTx {
    const now = Date.now();
    const info = this.db
      .prepare(
        `INSERT INTO txs (chain, signer, nonce, intent, to_addr, data, value, gas_limit, max_fee, max_priority_fee, raw, hash, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      )
      .run(tx.chain, tx.signer, tx.nonce, tx.intent, tx.to, tx.data, tx.value.toString(), tx.gasLimit.toString(), tx.maxFee.toString(), tx.maxPriorityFee.toString(), tx.raw, tx.hash, now, now);
    return { ...tx, seq: Number(info.lastInsertRowid), status: "pending", createdAt: now };
  }

  /** All attempts (original and replacements) at one nonce, oldest first. */
  atNonce(chain: string, signer: string, nonce: number): StoredTx[] {
    return (this.db.prepare(`SELECT * FROM txs WHERE chain = ? AND signer = ? AND nonce = ? ORDER BY seq`).all(chain, signer, nonce) as Row[]).map(toTx);
  }

  /** The latest attempt for an intent, whatever its status. */
  latestForIntent(chain: string, intent: string): StoredTx | undefined {
    const row = this.db.prepare(`SELECT * FROM txs WHERE chain = ? AND intent = ? ORDER BY seq DESC LIMIT 1`).get(chain, intent) as Row | undefined;
    return row && toTx(row);
  }

  /** Intents (by prefix) whose latest attempt is still pending: what a restart must finish first. */
  pendingIntents(chain: string, prefix = ""): StoredTx[] {
    return (
      this.db
        .prepare(`SELECT * FROM txs WHERE chain = ? AND status = 'pending' AND intent LIKE ? AND seq IN (SELECT MAX(seq) FROM txs GROUP BY chain, intent) ORDER BY nonce`)
        .all(chain, `${prefix}%`) as Row[]
    ).map(toTx);
  }

  maxNonce(chain: string, signer: string): number | undefined {
    const row = this.db.prepare(`SELECT MAX(nonce) AS n FROM txs WHERE chain = ? AND signer = ? AND status != 'dropped'`).get(chain, signer) as { n: number | null };
    return row.n ?? undefined;
  }

  /** Settles every attempt at a nonce: the mined one gets `status`, the others become replaced. */
  settleNonce(chain: string, signer: string, nonce: number, minedHash: string | null, status: TxStatus): void {
    this.db.transaction(() => {
      this.db
        .prepare(`UPDATE txs SET status = CASE WHEN hash = ? THEN ? ELSE ? END, updated_at = ? WHERE chain = ? AND signer = ? AND nonce = ?`)
        .run(minedHash ?? "", status, minedHash === null ? status : "replaced", Date.now(), chain, signer, nonce);
    })();
  }

  countPending(): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM txs WHERE status = 'pending'`).get() as { n: number }).n;
  }
}
