import { RelayerError } from "../errors";

/** eth_estimateGas reverted: sending would only burn gas. Carries the revert data to decode. */
export class SimulationRevertedError extends RelayerError {
  readonly code = "TX_SIMULATION_REVERTED";
  readonly retryable = false;
  constructor(
    readonly intent: string,
    readonly revertData: string | undefined,
    readonly errorName: string | undefined,
    reason: string,
  ) {
    super(`${intent}: simulation reverted: ${errorName ?? reason}`);
  }
}

/** Our transaction's nonce was used by another transaction we do not know: the intent must be redone. */
export class TxDroppedError extends RelayerError {
  readonly code = "TX_DROPPED";
  readonly retryable = true;
  constructor(
    readonly intent: string,
    readonly nonce: number,
  ) {
    super(`${intent}: nonce ${nonce} was used by a transaction this relayer did not record`);
  }
}

export class TxAbortedError extends RelayerError {
  readonly code = "TX_ABORTED";
  readonly retryable = true;
  constructor(readonly intent: string) {
    super(`${intent}: stopped while waiting for the receipt (it stays recorded and resumes on restart)`);
  }
}
