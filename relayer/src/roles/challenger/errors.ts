/** Errors of the challenger role; see RelayerError for `code` and `retryable`. */
import { RelayerError } from "../../errors";

/**
 * The contract refused a challenge for another reason than a lost race or a closed window
 * (NoFraud, AttestationMismatch…): the off-chain check and the contract disagree. Retrying the
 * same call cannot help; the (id, root) is not challenged again by this process.
 */
export class ChallengeRejectedError extends RelayerError {
  readonly code = "CHALLENGE_REJECTED";
  readonly retryable = false;
  constructor(
    readonly checkpointId: bigint,
    readonly kind: string,
    readonly errorName: string | undefined,
    readonly revertData: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`challenge (${kind}) of checkpoint ${checkpointId} rejected: ${errorName ?? revertData ?? "no revert data"}`, options);
  }
}

/** The challenge was sent but no receipt came in time; it is not sent again, the next scan looks for it. */
export class ChallengeTxTimeoutError extends RelayerError {
  readonly code = "CHALLENGE_TX_TIMEOUT";
  readonly retryable = true;
  constructor(
    readonly checkpointId: bigint,
    readonly txHash: string,
    options?: { cause?: unknown },
  ) {
    super(`challenge of checkpoint ${checkpointId} sent as ${txHash}, no receipt yet`, options);
  }
}

/** A contract view returned something that does not decode: wrong address, or not a CheckpointManager. */
export class UnexpectedContractDataError extends RelayerError {
  readonly code = "CHALLENGER_CONTRACT_DATA";
  readonly retryable = false;
  constructor(
    readonly method: string,
    readonly data: unknown,
    options?: { cause?: unknown },
  ) {
    super(`${method} returned data that does not decode: ${String(data).slice(0, 80)}`, options);
  }
}

/** A live, pending checkpoint whose CheckpointSubmitted event was not read: it cannot be challenged. */
export class MissingSubmissionEventError extends RelayerError {
  readonly code = "CHALLENGER_SUBMISSION_EVENT_MISSING";
  readonly retryable = true;
  constructor(readonly checkpointId: bigint) {
    super(`checkpoint ${checkpointId} is pending but its CheckpointSubmitted event was not found (startBlock too late, or the node is behind)`);
  }
}

/** The challenge could not even be sent (funds, nonce, node down): nothing was broadcast, try again. */
export class ChallengeSendError extends RelayerError {
  readonly code = "CHALLENGE_SEND_FAILED";
  readonly retryable = true;
  constructor(
    readonly checkpointId: bigint,
    options?: { cause?: unknown },
  ) {
    super(`challenge of checkpoint ${checkpointId} could not be sent: ${describeCause(options?.cause)}`, options);
  }
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
