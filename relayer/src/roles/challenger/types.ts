/**
 * Shapes the challenger takes and returns. Plain objects only: results go to logs, metrics and
 * the relayer's store as they are.
 */
import type { Signer } from "ethers";

import type { JsonRpcSender } from "../../chain/rpcValues";
import type { CheckpointBlock } from "../../proof/checkpointTree";

/** pino's calling convention: a structured object (with an `at` field), then a message. */
export interface ChallengerLogger {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

/** A checkpoint as stored on chain. */
export interface CheckpointRef {
  id: bigint;
  startBlock: bigint;
  endBlock: bigint;
  blockRoot: string;
}

/** ICheckpointManager.Attestation, as the CheckpointSubmitted event and the validator set give it. */
export interface Attestation {
  proposer: string;
  validators: string[];
  signers: string;
  signatures: string;
}

/** A live checkpoint with everything a challenge must name. */
export interface SubmittedCheckpoint extends CheckpointRef {
  finalizesAt: bigint;
  attestation: Attestation;
  /** Destination block of the CheckpointSubmitted event: the validator set is read there. */
  submittedInBlock: bigint;
  /** `transactionHash:logIndex` of the event, unique per submission (ids are reused after a revert). */
  submissionKey: string;
}

/**
 * One committed leaf as a proposer publishes it. `header` (RLP, 0x hex) is optional: it lets the
 * challenger reveal a block its own node does not know, such as a dropped fork's block. It is
 * trusted only after keccak256(header) == hash.
 */
export interface PublishedLeaf extends CheckpointBlock {
  header?: string;
}

/**
 * Where the committed leaves of a checkpoint come from when they are not the challenger's own
 * chain (e.g. the proposer's published tree). Returns undefined when they are not known.
 */
export type LeafSource = (checkpoint: CheckpointRef) => Promise<readonly PublishedLeaf[] | undefined>;

export interface CheckpointChallengerOptions {
  /** JSON-RPC of the chain holding the CheckpointManager (ethers JsonRpcProvider, Hardhat's provider…). */
  destination: JsonRpcSender;
  checkpointManager: string;
  /** JSON-RPC of the checkpointed chain: its blocks are the truth. */
  source: JsonRpcSender;
  /** Pays for challenges and receives the reward; must be connected to the destination chain. */
  signer: Signer;
  logger: ChallengerLogger;
  leafSource?: LeafSource;
  /**
   * The LeafAvailabilityGame beside the CheckpointManager. With it, leaves no leaf source knows
   * are demanded on chain, and so is the header of a committed hash nobody can show; an
   * unanswered demand is resolved, which reverts the checkpoint.
   */
  availabilityGame?: string;
  /** First destination block to read events from (the deployment block); default 0. */
  startBlock?: bigint;
  /** Largest block span of one eth_getLogs call; default 2,000 (public RPCs cap it). */
  maxLogRange?: bigint;
  /** Blocks re-read behind the cursor on every scan, so a destination reorg cannot hide a submission; default 64. */
  rescanBlocks?: bigint;
  /** Parallel block fetches from the source node; default 8. */
  fetchConcurrency?: number;
  /** How long to wait for a challenge's receipt; default 120 s. */
  txTimeoutMs?: number;
}

/** The challenge a result is about; "root-mismatch" is fraud seen but not provable, "none" nothing wrong. */
export type ChallengeKind = "signature" | "header" | "header-chain" | "leaves-unavailable" | "header-unavailable" | "root-mismatch" | "none";

/** "demanded": a data-availability demand was sent; "awaiting-answer": one is open, its response window not over. */
export type ChallengeOutcome = "challenged" | "valid" | "unprovable" | "lost-race" | "window-closed" | "demanded" | "awaiting-answer";

export interface ChallengeResult {
  id: bigint;
  blockRoot: string;
  kind: ChallengeKind;
  outcome: ChallengeOutcome;
  txHash?: string;
  /** Position of the bad signature (kind "signature"). */
  position?: number;
  /** Block the header challenge reveals (the child, for "header-chain"). */
  blockNumber?: bigint;
  /** Why: which rule broke, or why fraud could not be proven. */
  reason?: string;
}

/** A block revealed to the contract: ICheckpointManager.RevealedBlock. */
export interface RevealedBlock {
  leaf: { number: bigint; hash: string; receiptsRoot: string };
  proof: string[];
  header: string;
}

/** Fraud found off-chain, ready to simulate and send. */
export type PlannedChallenge = { checkpoint: SubmittedCheckpoint; reason: string } & (
  | { kind: "signature"; position: number }
  | { kind: "header"; revealed: RevealedBlock }
  | {
      kind: "header-chain";
      parent: RevealedBlock;
      child: RevealedBlock;
      /** The previous checkpoint's attestation, when the parent is its last block (the contract reads it while that one is pending). */
      previous?: Attestation;
    }
);

/** What `inspect` concludes: a challenge to send, or a result without a transaction. */
export type Inspection = { fraud: true; challenge: PlannedChallenge } | { fraud: false; result: ChallengeResult };
