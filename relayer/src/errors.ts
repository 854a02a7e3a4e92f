/**
 * Typed errors of the relayer (and, through CodedError, of the deployment code). Every error names its domain in `code` (stable, for logs and
 * metrics) and says in `retryable` whether trying again can help: a node that lags or a reorg
 * in the middle of a fetch heals by itself, a hash mismatch or malformed input never does.
 */
export abstract class CodedError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The relayer's own errors; the deployment code has its DeployError beside it (deploy/lib/errors.ts). */
export abstract class RelayerError extends CodedError {}

// ---------------------------------------------------------------- headers

export class MissingHeaderFieldError extends RelayerError {
  readonly code = "HEADER_FIELD_MISSING";
  readonly retryable = false;
  constructor(
    readonly field: string,
    reason = "required by every header layout",
  ) {
    super(`block header field "${field}" is missing: ${reason}`);
  }
}

export class InvalidHeaderFieldError extends RelayerError {
  readonly code = "HEADER_FIELD_INVALID";
  readonly retryable = false;
  constructor(
    readonly field: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`block header field "${field}" = ${describe(value)} is invalid: ${reason}`);
  }
}

export class HeaderHashMismatchError extends RelayerError {
  readonly code = "HEADER_HASH_MISMATCH";
  readonly retryable = false;
  constructor(
    readonly blockNumber: bigint | undefined,
    readonly expectedHash: string,
    readonly computedHash: string,
  ) {
    super(
      `block ${blockNumber ?? "?"}: keccak256(rlp(header)) = ${computedHash} but the block hash is ${expectedHash} ` +
        "(unknown header layout, or the node returned inconsistent data)",
    );
  }
}

/** A header's parentHash is not the hash of the block before it: the node reorged while we read. */
export class BrokenHeaderChainError extends RelayerError {
  readonly code = "HEADER_CHAIN_BROKEN";
  readonly retryable = true;
  constructor(
    readonly blockNumber: bigint,
    readonly parentHash: string,
    readonly previousBlockHash: string,
  ) {
    super(`block ${blockNumber}: parentHash ${parentHash} is not the hash ${previousBlockHash} of block ${blockNumber - 1n}`);
  }
}

// ---------------------------------------------------------------- JSON-RPC fetching

export class BlockNotFoundError extends RelayerError {
  readonly code = "BLOCK_NOT_FOUND";
  // A node behind a load balancer may not have the block yet.
  readonly retryable = true;
  constructor(readonly block: string) {
    super(`block ${block} not found on the node`);
  }
}

export class TransactionReceiptNotFoundError extends RelayerError {
  readonly code = "RECEIPT_NOT_FOUND";
  readonly retryable = true;
  constructor(readonly txHash: string) {
    super(`no receipt for transaction ${txHash} (not mined yet, or dropped)`);
  }
}

/** A receipt belongs to another block than the one asked for: a reorg happened between two calls. */
export class ReceiptBlockMismatchError extends RelayerError {
  readonly code = "RECEIPT_BLOCK_MISMATCH";
  readonly retryable = true;
  constructor(
    readonly txHash: string,
    readonly expectedBlockHash: string,
    readonly actualBlockHash: string,
  ) {
    super(`receipt of ${txHash} is in block ${actualBlockHash}, expected block ${expectedBlockHash}`);
  }
}

// ---------------------------------------------------------------- receipts and their trie

export class InvalidReceiptError extends RelayerError {
  readonly code = "RECEIPT_INVALID";
  readonly retryable = false;
  constructor(
    readonly field: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`receipt field "${field}" = ${describe(value)} is invalid: ${reason}`);
  }
}

export class ReceiptOrderError extends RelayerError {
  readonly code = "RECEIPT_ORDER";
  readonly retryable = false;
  constructor(
    readonly position: number,
    readonly transactionIndex: unknown,
  ) {
    super(`receipt at position ${position} has transactionIndex ${describe(transactionIndex)}: receipts must be ordered 0, 1, 2…`);
  }
}

export class ReceiptIndexOutOfRangeError extends RelayerError {
  readonly code = "RECEIPT_INDEX_OUT_OF_RANGE";
  readonly retryable = false;
  constructor(
    readonly txIndex: number,
    readonly receiptCount: number,
  ) {
    super(`no receipt at index ${txIndex}: the block has ${receiptCount} receipts`);
  }
}

export class ReceiptsRootMismatchError extends RelayerError {
  readonly code = "RECEIPTS_ROOT_MISMATCH";
  readonly retryable = false;
  constructor(
    readonly block: string,
    readonly expectedRoot: string,
    readonly computedRoot: string,
  ) {
    super(`block ${block}: receipts trie root ${computedRoot} differs from the header's receiptsRoot ${expectedRoot}`);
  }
}

export class InvalidReceiptProofError extends RelayerError {
  readonly code = "RECEIPT_PROOF_INVALID";
  readonly retryable = false;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`receipt proof does not verify: ${reason}`, options);
  }
}

// ---------------------------------------------------------------- checkpoints and exit proofs

export class EmptyCheckpointError extends RelayerError {
  readonly code = "CHECKPOINT_EMPTY";
  readonly retryable = false;
  constructor() {
    super("a checkpoint covers at least one block");
  }
}

export class NonContiguousBlocksError extends RelayerError {
  readonly code = "CHECKPOINT_BLOCKS_NOT_CONTIGUOUS";
  readonly retryable = false;
  constructor(
    readonly position: number,
    readonly expectedNumber: bigint,
    readonly actualNumber: bigint,
  ) {
    super(`checkpoint block at position ${position} is ${actualNumber}, expected ${expectedNumber}: blocks must be contiguous and ascending`);
  }
}

export class InvalidCheckpointBlockError extends RelayerError {
  readonly code = "CHECKPOINT_BLOCK_INVALID";
  readonly retryable = false;
  constructor(
    readonly field: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`checkpoint block field "${field}" = ${describe(value)} is invalid: ${reason}`);
  }
}

export class BlockNotInCheckpointError extends RelayerError {
  readonly code = "BLOCK_NOT_IN_CHECKPOINT";
  readonly retryable = false;
  constructor(
    readonly blockNumber: bigint,
    readonly startBlock: bigint,
    readonly endBlock: bigint,
  ) {
    super(`block ${blockNumber} is outside the checkpoint [${startBlock}, ${endBlock}]`);
  }
}

export class LogNotFoundError extends RelayerError {
  readonly code = "LOG_NOT_FOUND";
  readonly retryable = false;
  constructor(
    readonly where: string,
    readonly logIndex: bigint,
  ) {
    super(`no log with index ${logIndex} in ${where}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}
