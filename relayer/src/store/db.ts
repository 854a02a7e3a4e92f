/**
 * The relayer's one SQLite file: schema and migrations. The schema version lives in
 * `PRAGMA user_version`; each migration runs in a transaction with its version bump, so a crash
 * mid-migration leaves the previous version intact. WAL mode: the API reads while roles write.
 */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

export type Db = Database.Database;

/** Append only: never edit a migration that has shipped, add the next one. */
export const MIGRATIONS: readonly string[] = [
  // 1: initial schema.
  `
  CREATE TABLE blocks (
    chain TEXT NOT NULL,
    number INTEGER NOT NULL,
    hash TEXT NOT NULL,
    parent_hash TEXT NOT NULL,
    receipts_root TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (chain, number)
  );
  CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    destination TEXT NOT NULL,
    nonce TEXT NOT NULL,
    sender TEXT NOT NULL,
    target TEXT NOT NULL,
    gas_limit TEXT NOT NULL,
    data TEXT NOT NULL,
    block_number INTEGER NOT NULL,
    block_hash TEXT NOT NULL,
    tx_hash TEXT NOT NULL,
    log_index INTEGER NOT NULL,
    status TEXT NOT NULL,
    checkpoint_id INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    relay_tx_hash TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (source, tx_hash, log_index)
  );
  CREATE INDEX messages_by_status ON messages (destination, status, block_number);
  CREATE INDEX messages_by_block ON messages (source, block_number);
  CREATE TABLE checkpoints (
    destination TEXT NOT NULL,
    id INTEGER NOT NULL,
    start_block INTEGER NOT NULL,
    end_block INTEGER NOT NULL,
    block_root TEXT NOT NULL,
    finalizes_at INTEGER NOT NULL,
    proposer TEXT NOT NULL,
    tx_hash TEXT NOT NULL,
    PRIMARY KEY (destination, id)
  );
  CREATE TABLE cursors (
    name TEXT PRIMARY KEY,
    next_block INTEGER NOT NULL
  );
  CREATE TABLE txs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    chain TEXT NOT NULL,
    signer TEXT NOT NULL,
    nonce INTEGER NOT NULL,
    intent TEXT NOT NULL,
    to_addr TEXT NOT NULL,
    data TEXT NOT NULL,
    value TEXT NOT NULL,
    gas_limit TEXT NOT NULL,
    max_fee TEXT NOT NULL,
    max_priority_fee TEXT NOT NULL,
    raw TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX txs_by_nonce ON txs (chain, signer, nonce);
  CREATE INDEX txs_by_intent ON txs (chain, intent);
  CREATE TABLE attestations (
    source TEXT NOT NULL,
    destination TEXT NOT NULL,
    start_block INTEGER NOT NULL,
    end_block INTEGER NOT NULL,
    block_root TEXT NOT NULL,
    signer TEXT NOT NULL,
    signature TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (source, destination, start_block, end_block, block_root, signer)
  );
  `,
  // 2: the block hashes a validator key has vouched for, so it never signs a different one (equivocation).
  `
  CREATE TABLE signed_blocks (
    source TEXT NOT NULL,
    destination TEXT NOT NULL,
    signer TEXT NOT NULL,
    number INTEGER NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (source, destination, signer, number)
  );
  `,
  // 3: what the operator console and the alerts need: who signed each checkpoint and where it was
  // submitted, the challenges seen (a revert deletes its checkpoints, this keeps what they were),
  // and executions on a destination that match no message of ours (unknown executions).
  `
  ALTER TABLE checkpoints ADD COLUMN signers TEXT;
  ALTER TABLE checkpoints ADD COLUMN submitted_block INTEGER;
  CREATE TABLE challenges (
    destination TEXT NOT NULL,
    tx_hash TEXT NOT NULL,
    block_number INTEGER NOT NULL,
    from_id INTEGER NOT NULL,
    to_id INTEGER NOT NULL,
    challenger TEXT NOT NULL,
    fraud INTEGER NOT NULL,
    proposer TEXT,
    slashed TEXT,
    reward TEXT,
    reverted TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (destination, tx_hash, from_id)
  );
  CREATE TABLE executions (
    destination TEXT NOT NULL,
    message_id TEXT NOT NULL,
    tx_hash TEXT NOT NULL,
    block_number INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    verdict TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    judged_at INTEGER,
    PRIMARY KEY (destination, message_id, tx_hash)
  );
  CREATE INDEX executions_by_verdict ON executions (verdict);
  `,
  // 4: the equivocation reporter. Every range signed in either lane's CheckpointSubmitted events,
  // with its valid signatures and (once known) its leaves, so that what each key signed at each
  // height can be compared; and the reports made, so that a restart neither forgets evidence nor
  // reports twice.
  `
  CREATE TABLE equivocation_trees (
    lane TEXT NOT NULL,
    start_block INTEGER NOT NULL,
    end_block INTEGER NOT NULL,
    block_root TEXT NOT NULL,
    signatures TEXT NOT NULL,
    leaves TEXT,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (lane, start_block, end_block, block_root)
  );
  CREATE INDEX equivocation_trees_by_end ON equivocation_trees (lane, end_block);
  CREATE INDEX equivocation_trees_unknown ON equivocation_trees (lane) WHERE leaves IS NULL;
  CREATE TABLE equivocation_reports (
    lane TEXT NOT NULL,
    signer TEXT NOT NULL,
    height INTEGER NOT NULL,
    first_tree TEXT NOT NULL,
    second_tree TEXT NOT NULL,
    status TEXT NOT NULL,
    validator TEXT,
    tx_hash TEXT,
    slashed TEXT,
    reason TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (lane, signer, height)
  );
  `,
  // 5: the bridges' release queues (FlowControl) and the rate-limited tokens, for the releaser role.
  `
  CREATE TABLE queued_releases (
    chain TEXT NOT NULL,
    id TEXT NOT NULL,
    token TEXT NOT NULL,
    sequence TEXT NOT NULL,
    amount TEXT NOT NULL,
    releasable_at INTEGER NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    tx_hash TEXT,
    PRIMARY KEY (chain, id)
  );
  CREATE INDEX queued_releases_by_status ON queued_releases (chain, status, releasable_at);
  CREATE TABLE rate_limits (
    chain TEXT NOT NULL,
    token TEXT NOT NULL,
    direction INTEGER NOT NULL,
    capacity TEXT NOT NULL,
    PRIMARY KEY (chain, token, direction)
  );
  `,
  // 6: batch relays, recorded before their transaction: members are not relayed again while one is pending.
  `
  CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    destination TEXT NOT NULL,
    checkpoint_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX batches_by_status ON batches (destination, status);
  CREATE TABLE batch_members (
    batch_id TEXT NOT NULL REFERENCES batches (id),
    message_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (batch_id, message_id)
  );
  CREATE INDEX batch_members_by_message ON batch_members (message_id);
  `,
];

/** Opens (creating if needed) the database file and brings its schema up to date. */
export function openDb(path: string): Db {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  // NORMAL is durable across process crashes in WAL mode (only an OS crash may lose the tail).
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  migrate(db);
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma("user_version", { simple: true }) as number;
}

export function migrate(db: Db): void {
  const current = schemaVersion(db);
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this relayer (${MIGRATIONS.length}): upgrade the relayer`);
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
