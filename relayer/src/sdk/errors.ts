/**
 * Errors of the SDK (`BridgeClient`) and the user CLI. Each carries the values that explain it,
 * a stable `code`, and `retryable`: whether the same call can succeed later without the caller
 * changing anything (a message not yet final will be; an unknown token never is).
 */
import { RelayerError } from "../errors";

export type ChainSide = "main" | "child";

/** A root token never bridged (so it has no child token), or an address the bridge never deployed. */
export class UnknownTokenError extends RelayerError {
  readonly code = "UNKNOWN_TOKEN";
  readonly retryable = false;
  constructor(
    readonly token: string,
    readonly chain: ChainSide,
    reason: string,
  ) {
    super(`unknown token ${token} on the ${chain} chain: ${reason}`);
  }
}

/** Checked before sending, so that no gas is spent on a transaction that must revert. */
export class InsufficientBalanceError extends RelayerError {
  readonly code = "INSUFFICIENT_BALANCE";
  readonly retryable = false;
  constructor(
    readonly chain: ChainSide,
    readonly account: string,
    readonly token: string,
    readonly balance: bigint,
    readonly required: bigint,
    readonly display?: { symbol: string; balance: string; required: string },
  ) {
    const what = display === undefined ? `${balance} < ${required} (base units of ${token})` : `${display.balance} ${display.symbol} < ${display.required} ${display.symbol}`;
    super(`insufficient balance on the ${chain} chain for ${account}: ${what}`);
  }
}

/** `deposit(…, { approve: false })` with an allowance below the amount. */
export class InsufficientAllowanceError extends RelayerError {
  readonly code = "INSUFFICIENT_ALLOWANCE";
  readonly retryable = false;
  constructor(
    readonly token: string,
    readonly owner: string,
    readonly spender: string,
    readonly allowance: bigint,
    readonly required: bigint,
  ) {
    super(`allowance of ${owner} for the bridge ${spender} on ${token} is ${allowance}, below ${required}: approve first or pass approve: true`);
  }
}

/** The runner's provider is on another chain than the deployment file describes. */
export class WrongNetworkError extends RelayerError {
  readonly code = "WRONG_NETWORK";
  readonly retryable = false;
  constructor(
    readonly chain: ChainSide,
    readonly expectedChainId: bigint,
    readonly actualChainId: bigint,
  ) {
    super(`wrong network for the ${chain} chain: the provider is on chain id ${actualChainId}, the deployment is for ${expectedChainId}`);
  }
}

/**
 * The message cannot be relayed yet: not in a checkpoint (`secondsLeft` undefined), or its
 * checkpoint is still in the challenge window (`secondsLeft` until it is final).
 */
export class NotYetFinalError extends RelayerError {
  readonly code = "NOT_YET_FINAL";
  readonly retryable = true;
  constructor(
    readonly messageId: string,
    readonly status: "sent" | "checkpointed" | "challenge-window",
    readonly secondsLeft?: number,
    readonly finalizesAt?: number,
  ) {
    super(
      status === "challenge-window"
        ? `message ${messageId} is not final yet: its checkpoint is in the challenge window, ${secondsLeft} s left (final at ${new Date((finalizesAt ?? 0) * 1000).toISOString()})`
        : status === "checkpointed"
          ? `message ${messageId} is not final yet: its checkpoint does not accept the proof yet`
          : `message ${messageId} is not final yet: its block is not checkpointed on the destination chain yet`,
    );
  }
}

/** The transaction is on a chain but emitted no MessageSent from the bridge's messenger. */
export class MessageNotFoundError extends RelayerError {
  readonly code = "MESSAGE_NOT_FOUND";
  readonly retryable = false;
  constructor(
    readonly txHash: string,
    readonly chain: ChainSide,
    reason: string,
  ) {
    super(`no bridge message in transaction ${txHash} on the ${chain} chain: ${reason}`);
  }
}

/** Neither chain knows the transaction: a typo, another network, or not mined yet. */
export class TransactionNotFoundError extends RelayerError {
  readonly code = "TX_NOT_FOUND";
  // A transaction still in the mempool appears once mined.
  readonly retryable = true;
  constructor(readonly txHash: string) {
    super(`transaction ${txHash} is on neither chain (not mined yet, or another network)`);
  }
}

/** A write on a side whose runner is a Provider, not a Signer. */
export class NoSignerError extends RelayerError {
  readonly code = "NO_SIGNER";
  readonly retryable = false;
  constructor(readonly chain: ChainSide) {
    super(`no signer for the ${chain} chain: give a Signer (or a private key) to send transactions`);
  }
}

export class InvalidDeploymentError extends RelayerError {
  readonly code = "DEPLOYMENT_INVALID";
  readonly retryable = false;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`invalid deployment: ${reason}`, options);
  }
}

/** A malformed argument: an address, an amount, a transaction hash. */
export class InvalidArgumentError extends RelayerError {
  readonly code = "INVALID_ARGUMENT";
  readonly retryable = false;
  constructor(
    readonly argument: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`${argument} ${String(value)} ${reason}`);
  }
}

/** The target call reverted on the destination: the message is flagged failed, `relay()` retries it. */
export class MessageFailedError extends RelayerError {
  readonly code = "MESSAGE_FAILED";
  readonly retryable = true;
  constructor(readonly messageId: string) {
    super(`message ${messageId} failed on the destination chain (its call reverted); relay() retries it`);
  }
}

export class StatusTimeoutError extends RelayerError {
  readonly code = "STATUS_TIMEOUT";
  readonly retryable = true;
  constructor(
    readonly target: string,
    readonly lastStatus: string,
    readonly timeoutMs: number,
  ) {
    super(`message did not reach "${target}" within ${timeoutMs} ms (last status "${lastStatus}")`);
  }
}

/** The destination refuses the proof for a reason time will not fix (its checkpoint disagrees with the chain). */
export class ProofRejectedError extends RelayerError {
  readonly code = "PROOF_REJECTED";
  readonly retryable = false;
  constructor(
    readonly messageId: string,
    reason: string,
  ) {
    super(`the destination messenger rejects the proof of ${messageId}: ${reason}`);
  }
}

export class MessengerPausedError extends RelayerError {
  readonly code = "MESSENGER_PAUSED";
  // The guardian pauses; governance unpauses, and failed or pending messages relay afterwards.
  readonly retryable = true;
  constructor(readonly chain: ChainSide) {
    super(`the ${chain} chain's messenger is paused`);
  }
}

/**
 * A claim of more than what a bridge credited `account` because a release failed:
 * `RootBridge.claimable`, the asset bridge's ERC721/ERC1155 credits (`tokenId` set), or a
 * child-native return credited on the child chain.
 */
export class InsufficientCreditError extends RelayerError {
  readonly code = "INSUFFICIENT_CREDIT";
  readonly retryable = false;
  constructor(
    readonly token: string,
    readonly account: string,
    readonly credit: bigint,
    readonly requested: bigint,
    readonly tokenId?: bigint,
    bridge = "the root bridge",
  ) {
    const what = tokenId === undefined ? token : `${token} #${tokenId}`;
    super(`${account} has ${credit} of ${what} credited by ${bridge}${credit === 0n ? ": nothing to claim" : `, less than the ${requested} claimed`}`);
  }
}

/**
 * A child-chain token that its owner has not registered for exit (`ChildAssetBridge.registerChildNative`),
 * or registered as another kind: an exit would revert.
 */
export class ChildNativeNotRegisteredError extends RelayerError {
  readonly code = "CHILD_NATIVE_NOT_REGISTERED";
  // Its owner can register it; the caller cannot make that happen by retrying.
  readonly retryable = false;
  constructor(
    readonly token: string,
    readonly kind: string,
    readonly registeredAs?: string,
  ) {
    super(
      registeredAs === undefined
        ? `${token} is not registered for exit on the child chain's asset bridge: its owner registers it first (registerChildNative / sidechain register-child-token)`
        : `${token} is registered for exit as an ${registeredAs}, not an ${kind}`,
    );
  }
}

/** A registration for exit refused before sending: already registered, or deployed by the bridge itself. */
export class ChildNativeAlreadyRegisteredError extends RelayerError {
  readonly code = "CHILD_NATIVE_ALREADY_REGISTERED";
  readonly retryable = false;
  constructor(
    readonly token: string,
    reason: string,
  ) {
    super(`${token} cannot be registered for exit: ${reason}`);
  }
}

/** Only a token's `owner()` (OpenZeppelin Ownable) may register it for exit. */
export class NotTokenOwnerError extends RelayerError {
  readonly code = "NOT_TOKEN_OWNER";
  readonly retryable = false;
  constructor(
    readonly token: string,
    readonly account: string,
    readonly owner: string | undefined,
  ) {
    super(
      owner === undefined
        ? `${token} has no owner() (OpenZeppelin Ownable): nobody can register it for exit`
        : `${account} is not the owner of ${token} (its owner() is ${owner}): only the owner registers it for exit`,
    );
  }
}

/**
 * The lockbox holds less of a token than a claim asks for. Only a token whose balances change by
 * themselves does that: rebasing tokens are not supported by the bridge (docs/protocol.md), and
 * after a negative rebase the last withdrawals cannot all be paid. Claim at most `held`.
 */
export class LockboxShortError extends RelayerError {
  readonly code = "LOCKBOX_SHORT";
  readonly retryable = false;
  constructor(
    readonly token: string,
    readonly held: bigint,
    readonly requested: bigint,
  ) {
    super(
      `the lockbox holds ${held} of ${token}, less than the ${requested} claimed: its balance shrank by itself (a rebasing token, which the bridge does not support); claim at most ${held}`,
    );
  }
}

/** A queued release (rate limit) executed before its time: wait `secondsLeft`. */
export class ReleaseNotDueError extends RelayerError {
  readonly code = "RELEASE_NOT_DUE";
  readonly retryable = true;
  constructor(
    readonly releaseId: string,
    readonly releasableAt: number,
    readonly secondsLeft: number,
  ) {
    super(`queued release ${releaseId} is executable from ${new Date(releasableAt * 1000).toISOString()} (${secondsLeft} s left)`);
  }
}

/** The message's relay queued no release: nothing to execute. */
export class NoQueuedReleaseError extends RelayerError {
  readonly code = "NO_QUEUED_RELEASE";
  readonly retryable = false;
  constructor(readonly messageId: string, reason: string) {
    super(`message ${messageId} has no queued release: ${reason}`);
  }
}

/** The errors caused by what the caller passed, as opposed to the chains or the network. */
export function isBadInputError(error: unknown): boolean {
  return [
    UnknownTokenError,
    InsufficientBalanceError,
    InsufficientAllowanceError,
    WrongNetworkError,
    NotYetFinalError,
    MessageNotFoundError,
    TransactionNotFoundError,
    NoSignerError,
    InvalidDeploymentError,
    InvalidArgumentError,
    InsufficientCreditError,
    LockboxShortError,
    ReleaseNotDueError,
    NoQueuedReleaseError,
    ChildNativeNotRegisteredError,
    ChildNativeAlreadyRegisteredError,
    NotTokenOwnerError,
  ].some((type) => error instanceof type);
}
