/**
 * Errors of the test kit. A target's revert is the one a test expects to see most: it carries
 * what was delivered before it, so that a test catching it can still inspect the others.
 */
import { CodedError } from "../errors";
import type { DeliveredMessage } from "./types";

/** Every error the test kit throws. None is retryable: a test bridge has no flaky parts to wait out. */
export abstract class TestBridgeError extends CodedError {
  readonly retryable = false;
}

/** A delivered message's target reverted, and the caller did not pass `{ allowFailures: true }`. */
export class TestBridgeRelayError extends TestBridgeError {
  readonly code = "TARGET_REVERTED";
  constructor(
    /** The message whose call reverted (also the last entry of `delivered`). */
    readonly failed: DeliveredMessage,
    /** Everything this call delivered, in order, the failed message included. */
    readonly delivered: DeliveredMessage[],
    /** Messages still pending: relaying stops at the first failure. */
    readonly remaining: number,
  ) {
    super(
      `message ${failed.messageId} (${failed.direction}, nonce ${failed.nonce}) to ${failed.target} failed: ` +
        `${failed.revertReason ?? "reverted"}` +
        (remaining > 0 ? `; ${remaining} more pending message(s) not relayed` : ""),
    );
  }
}

/** createTestBridge was given something it cannot work with. */
export class TestBridgeSetupError extends TestBridgeError {
  readonly code = "TEST_BRIDGE_SETUP";
}

/**
 * A checkpoint the kit would reuse commits other blocks than the source chain has: one submitted
 * by hand (a fraud test) that nobody challenged. Challenge it, or wait for a snapshot revert.
 */
export class TestBridgeCheckpointMismatchError extends TestBridgeError {
  readonly code = "CHECKPOINT_MISMATCH";
  constructor(
    readonly to: "main" | "child",
    readonly checkpointId: bigint,
    readonly committedRoot: string,
    readonly actualRoot: string,
  ) {
    super(
      `checkpoint #${checkpointId} on the ${to} side commits block root ${committedRoot}, but the blocks it covers ` +
        `give ${actualRoot}: a forged checkpoint covers the message; challenge it before relaying`,
    );
  }
}

/** A transaction the kit sent (checkpoint, relay, bond) reverted; `reason` is decoded where possible. */
export class TestBridgeTransactionError extends TestBridgeError {
  readonly code = "TRANSACTION_REVERTED";
  constructor(
    readonly action: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${action} reverted: ${reason}`, options);
  }
}

/** relayAll kept finding new messages: deliveries that send messages that send messages, without end. */
export class TestBridgeRelayLoopError extends TestBridgeError {
  readonly code = "RELAY_LOOP";
  constructor(
    readonly rounds: number,
    readonly delivered: DeliveredMessage[],
  ) {
    super(`relayAll delivered ${delivered.length} messages in ${rounds} rounds and more keep coming (raise maxRounds if that is intended)`);
  }
}
