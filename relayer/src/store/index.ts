/** The store: one SQLite file and its repositories, opened once and injected into the roles. */
import { BatchRepository } from "./batches";
import { BlockRepository, CursorRepository } from "./blocks";
import { ChallengeRepository, ExecutionRepository } from "./challenges";
import { AttestationRepository, CheckpointRepository } from "./checkpoints";
import { openDb, type Db } from "./db";
import { EquivocationRepository } from "./equivocation";
import { MessageRepository } from "./messages";
import { ReleaseRepository } from "./releases";
import { TxRepository } from "./txs";

export class Store {
  readonly blocks: BlockRepository;
  readonly cursors: CursorRepository;
  readonly messages: MessageRepository;
  readonly checkpoints: CheckpointRepository;
  readonly attestations: AttestationRepository;
  readonly txs: TxRepository;
  readonly challenges: ChallengeRepository;
  readonly executions: ExecutionRepository;
  readonly equivocation: EquivocationRepository;
  readonly releases: ReleaseRepository;
  readonly batches: BatchRepository;

  constructor(readonly db: Db) {
    this.blocks = new BlockRepository(db);
    this.cursors = new CursorRepository(db);
    this.messages = new MessageRepository(db);
    this.checkpoints = new CheckpointRepository(db);
    this.attestations = new AttestationRepository(db);
    this.txs = new TxRepository(db);
    this.challenges = new ChallengeRepository(db);
    this.executions = new ExecutionRepository(db);
    this.equivocation = new EquivocationRepository(db);
    this.releases = new ReleaseRepository(db);
    this.batches = new BatchRepository(db);
  }

  static open(path: string): Store {
    return new Store(openDb(path));
  }

  /** Runs `fn` in one SQLite transaction: all of it is recorded, or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export * from "./batches";
export * from "./blocks";
export * from "./challenges";
export * from "./checkpoints";
export * from "./db";
export * from "./equivocation";
export * from "./messages";
export * from "./txs";
