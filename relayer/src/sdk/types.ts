/** The public shapes of `BridgeClient`: inputs, results and the message status union (STYLE rule 10). */
import type { Provider, Signer } from "ethers";

import type { ExitProof } from "../proof/exitProof";

export type Direction = "main->child" | "child->main";

/**
 * What `BridgeClient` needs of a deployments/<network>.json file (deploy/lib's `DeploymentFile`
 * fits as is): its chain id, role and the addresses of the bridge contracts.
 */
export interface BridgeDeployment {
  chainId: number;
  role: "main" | "child";
  remoteChainId: number;
  contracts: { readonly [name: string]: { address: string; block?: number } | undefined };
}

export type Runner = Signer | Provider;

export interface BridgeClientOptions {
  /** Signer to send from (deposits, self-relays of withdrawals) or Provider to read only. */
  main: Runner;
  /** Signer to send from (withdrawals, self-relays of deposits) or Provider to read only. */
  child: Runner;
  deployments: { main: BridgeDeployment; child: BridgeDeployment };
  /** A relayer's API (`api` role): exit proofs come from it instead of being rebuilt from the source chain. */
  apiUrl?: string;
}

/** What a deposit or withdrawal sent: the transaction and the message it emitted. */
export interface BridgeTransfer {
  txHash: string;
  messageId: string;
  direction: Direction;
  /** JSON-RPC (block-wide) index of the MessageSent log. */
  logIndex: number;
  blockNumber: number;
}

/** A message by the transaction that sent it; `logIndex` picks one when a transaction sent several. */
export type MessageRef = string | { txHash: string; logIndex?: number };

/** The message statuses in the order a message goes through them; `failed` is a side branch. */
export type BridgeStatus = "sent" | "checkpointed" | "challenge-window" | "ready" | "queued" | "relayed" | "failed";
export const BRIDGE_STATUSES: readonly BridgeStatus[] = ["sent", "checkpointed", "challenge-window", "ready", "queued", "relayed", "failed"];

interface StatusBase {
  messageId: string;
  txHash: string;
  direction: Direction;
  logIndex: number;
  blockNumber: number;
}

/**
 * Where a message stands, read from the chains:
 * - `sent`: no checkpoint on the destination covers its block yet;
 * - `checkpointed`: a checkpoint covers it but the destination does not take the proof now
 *   (`reason`: the messenger is paused, or the checkpoint disagrees with the source chain and
 *   waits for a challenge);
 * - `challenge-window`: its checkpoint is pending, final at `finalizesAt` (unix seconds);
 * - `ready`: final, anyone may relay it;
 * - `queued`: relayed, and its payout went over the destination bridge's rate limit: queued until
 *   `releasableAt` (unix seconds, the destination's clock), then anyone executes it
 *   (`executeQueuedRelease`; the relayer does it by itself);
 * - `relayed`: executed on the destination (for a bridge transfer: paid out, or credited);
 * - `failed`: executed, the target reverted; `relay()` retries it.
 */
export type BridgeMessageStatus =
  | (StatusBase & { status: "sent" })
  | (StatusBase & { status: "checkpointed"; checkpointId: bigint; reason: string })
  | (StatusBase & { status: "challenge-window"; checkpointId: bigint; finalizesAt: number; secondsLeft: number })
  | (StatusBase & { status: "ready"; checkpointId: bigint })
  | (StatusBase & { status: "queued"; releaseId: string; releasableAt: number; secondsLeft: number })
  | (StatusBase & { status: "relayed" })
  | (StatusBase & { status: "failed" });

export interface WaitForStatusOptions {
  /** Default 10 minutes. */
  timeoutMs?: number;
  /** Default 1000 ms. */
  pollMs?: number;
  /** Called after every poll (so a countdown can be shown), with the status just read. */
  onProgress?: (status: BridgeMessageStatus) => void;
}

export interface RelayResult {
  messageId: string;
  /** `relayed`: our transaction executed it; `failed`: it ran and the target reverted;
   *  `already-relayed`: someone (the relayer) executed it first, nothing was sent or ours lost the race. */
  outcome: "relayed" | "failed" | "already-relayed";
  /** Our transaction, when one was mined. */
  txHash: string | null;
}

export interface TokenBalance {
  /** Root token, or NATIVE_TOKEN for the main chain's currency. */
  rootToken: string;
  /** Null until its first deposit arrives on the child chain. */
  childToken: string | null;
  symbol: string;
  decimals: number;
  main: bigint;
  child: bigint;
}

export interface Balances {
  address: string;
  /** Native currency of each chain (gas). */
  native: { main: bigint; child: bigint };
  /** Every token the root bridge has mapped, plus those asked for. */
  tokens: TokenBalance[];
}

export interface RelayProof {
  messageId: string;
  direction: Direction;
  proof: ExitProof;
  /** Where the proof came from. */
  source: "api" | "chain";
}

/** A payout a bridge queued over its rate limit (FlowControl's ReleaseQueued). */
export interface QueuedRelease {
  /** The chain whose bridge queued it. */
  side: "main" | "child";
  bridge: string;
  id: string;
  token: string;
  sequence: bigint;
  amount: bigint;
  /** What executeQueuedRelease takes with `sequence`. */
  payload: string;
  /** Unix seconds, the chain's clock; the guardian may push it back. */
  releasableAt: number;
  executed: boolean;
}

export interface RateLimitFields {
  capacity: bigint;
  ratePerSecond: bigint;
  maxTransfer: bigint;
  /** Seconds an inbound transfer above `maxTransfer` waits at least. */
  largeTransferDelay: number;
}

/** A bridge's limit of one token in one direction (outbound: refused over it; inbound: queued over it). */
export interface RateLimitInfo {
  side: "main" | "child";
  token: string;
  direction: "Outbound" | "Inbound";
  enabled: boolean;
  limit: RateLimitFields;
  /** What may go now; 2^256-1 without a limit. */
  available: bigint;
  /** When the bucket was counted; later than now while queued releases hold it. */
  refilledAt: number;
  /** A looser limit governance scheduled, and when anyone may activate it. */
  pending: (RateLimitFields & { activatesAt: number }) | null;
}
