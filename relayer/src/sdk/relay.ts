/**
 * Message status, exit proofs and self-relaying, read from the chains: the destination's
 * messenger (`messageStatus`, `relayStatus`, `checkRelay`) is the judge of where a message
 * stands; the SDK only finds the checkpoint and builds the proof to ask it with.
 */
import { Contract, type Provider, type Signer, type TransactionReceipt } from "ethers";

import type { ExitProof } from "../proof/exitProof";
import { RelayStatusOnChain, sdkMessengerAbi } from "./abi";
import { MessengerPausedError, NotYetFinalError, ProofRejectedError, type ChainSide } from "./errors";
import { findCoveringCheckpoint, locateMessage, type CoveringCheckpoint, type LocatedMessage } from "./messages";
import { buildChainProof, fetchApiProof } from "./proofs";
import { chainTime, findQueuedRelease } from "./releases";
import type { BridgeDeployment, BridgeMessageStatus, MessageRef, RelayProof, RelayResult } from "./types";

/** What the status and relay functions need of a `BridgeClient`. */
export interface SdkContext {
  providers: Record<ChainSide, Provider>;
  deployments: Record<ChainSide, BridgeDeployment>;
  messengers: Record<ChainSide, string>;
  checkpointManagers: Record<ChainSide, string>;
  apiUrl?: string;
  /** Resolves once both providers are checked to be on the deployments' chains. */
  ready(): Promise<void>;
  signer(side: ChainSide): Signer;
}

/** On-chain `IMessenger.MessageStatus`. */
const MESSAGE_RELAYED = 1n;
const MESSAGE_FAILED = 2n;
/** Head room over eth_estimateGas for a relay: the target's gas use may differ a little when mined. */
const RELAY_GAS_MARGIN_PERCENT = 20n;

interface Evaluation {
  status: BridgeMessageStatus;
  message: LocatedMessage;
  proof?: ExitProof;
}

export async function locate(ctx: SdkContext, ref: MessageRef): Promise<LocatedMessage> {
  await ctx.ready();
  return locateMessage(ctx.providers, ctx.deployments, ctx.messengers, ref);
}

/** Where a message stands; the proof it was judged by, when one was built. */
export async function evaluate(ctx: SdkContext, message: LocatedMessage): Promise<Evaluation> {
  const base = { messageId: message.messageId, txHash: message.txHash, direction: message.direction, logIndex: message.logIndex, blockNumber: message.blockNumber };
  const destination = ctx.providers[message.destination];
  const messenger = new Contract(ctx.messengers[message.destination], sdkMessengerAbi, destination);
  // Executed (or failed) messages need no proof: one cheap read settles them.
  const executed = (await messenger.messageStatus(message.fields)) as bigint;
  if (executed === MESSAGE_RELAYED) {
    // A bridge transfer whose payout went over the rate limit waits in the bridge's queue.
    const queued = await findQueuedRelease(ctx, message);
    if (queued !== undefined && !queued.executed) {
      const now = await chainTime(destination);
      return { message, status: { ...base, status: "queued", releaseId: queued.id, releasableAt: queued.releasableAt, secondsLeft: Math.max(0, queued.releasableAt - now) } };
    }
    return { message, status: { ...base, status: "relayed" } };
  }
  if (executed === MESSAGE_FAILED) return { message, status: { ...base, status: "failed" } };

  const checkpoint = await findCoveringCheckpoint(destination, ctx.checkpointManagers[message.destination], message.blockNumber);
  if (checkpoint === undefined) return { message, status: { ...base, status: "sent" } };
  const { proof } = await proofFor(ctx, message, checkpoint);
  const [relayStatus, , finalizesAt, reason] = (await messenger.relayStatus(proof)) as [bigint, string, bigint, string];
  const checkpointId = proof.checkpointId;
  switch (Number(relayStatus)) {
    case RelayStatusOnChain.Ready:
      return { message, proof, status: { ...base, status: "ready", checkpointId } };
    case RelayStatusOnChain.ChallengeWindow: {
      const head = await destination.getBlock("latest");
      // The destination's clock decides finality, not ours.
      const now = head?.timestamp ?? Math.floor(Date.now() / 1000);
      const at = Number(finalizesAt);
      return { message, proof, status: { ...base, status: "challenge-window", checkpointId, finalizesAt: at, secondsLeft: Math.max(0, at - now) } };
    }
    // Relayed between our two reads: the next read tells whether a release was queued.
    case RelayStatusOnChain.AlreadyRelayed:
      return { message, proof, status: { ...base, status: "relayed" } };
    case RelayStatusOnChain.FailedRetryable:
      return { message, proof, status: { ...base, status: "failed" } };
    // Reverted between our two reads: back to waiting for a checkpoint.
    case RelayStatusOnChain.NotCheckpointed:
      return { message, status: { ...base, status: "sent" } };
    case RelayStatusOnChain.Paused:
      return { message, proof, status: { ...base, status: "checkpointed", checkpointId, reason: `the ${message.destination} chain's messenger is paused` } };
    default:
      return { message, proof, status: { ...base, status: "checkpointed", checkpointId, reason: `the checkpoint does not accept the proof (${describeRevert(reason)})` } };
  }
}

/** The proof through `checkpoint`, from the API when it has the same message, else from the source chain. */
async function proofFor(ctx: SdkContext, message: LocatedMessage, checkpoint: CoveringCheckpoint): Promise<RelayProof> {
  const common = { messageId: message.messageId, direction: message.direction };
  if (ctx.apiUrl !== undefined) {
    const proof = await fetchApiProof(ctx.apiUrl, message);
    // The relayer may know an older checkpoint id for the block (before a revert): only take the live one.
    if (proof !== undefined && proof.checkpointId === checkpoint.id) return { ...common, proof, source: "api" };
  }
  return { ...common, proof: await buildChainProof(ctx.providers[message.source], message, checkpoint), source: "chain" };
}

/** An exit proof for `Messenger.relayMessage` on the destination. @throws NotYetFinalError when no checkpoint covers it yet. */
export async function buildRelayProof(ctx: SdkContext, ref: MessageRef): Promise<RelayProof> {
  const message = await locate(ctx, ref);
  const checkpoint = await findCoveringCheckpoint(ctx.providers[message.destination], ctx.checkpointManagers[message.destination], message.blockNumber);
  if (checkpoint === undefined) throw new NotYetFinalError(message.messageId, "sent");
  return proofFor(ctx, message, checkpoint);
}

/**
 * Self-relay: proves and executes the message on the destination with the caller's signer, or
 * retries it when it failed. Exactly-once is the messenger's business (it marks the nonce before
 * the call), so racing a relayer is safe: the loser gets `already-relayed`.
 */
export async function relay(ctx: SdkContext, ref: MessageRef, gasLimit?: bigint): Promise<RelayResult> {
  const message = await locate(ctx, ref);
  const signer = ctx.signer(message.destination);
  const messenger = new Contract(ctx.messengers[message.destination], sdkMessengerAbi, signer);
  const { status, proof } = await evaluate(ctx, message);
  switch (status.status) {
    case "relayed":
    case "queued":
      return { messageId: message.messageId, outcome: "already-relayed", txHash: null };
    case "failed":
      return send(ctx, message, messenger, "retryMessage", [message.fields], gasLimit);
    case "sent":
      throw new NotYetFinalError(message.messageId, "sent");
    case "challenge-window":
      throw new NotYetFinalError(message.messageId, "challenge-window", status.secondsLeft, status.finalizesAt);
    case "checkpointed":
      if (status.reason.includes("paused")) throw new MessengerPausedError(message.destination);
      throw new ProofRejectedError(message.messageId, status.reason);
    case "ready":
      // The precise revert reason, if the state moved since relayStatus, before paying for gas.
      try {
        await messenger.checkRelay.staticCall(proof!);
      } catch (error) {
        if (await lostRace(ctx, message, "relayMessage")) return { messageId: message.messageId, outcome: "already-relayed", txHash: null };
        throw error;
      }
      return send(ctx, message, messenger, "relayMessage", [proof!], gasLimit);
  }
}

async function send(
  ctx: SdkContext,
  message: LocatedMessage,
  messenger: Contract,
  method: "relayMessage" | "retryMessage",
  args: unknown[],
  gasLimit: bigint | undefined,
): Promise<RelayResult> {
  let txHash: string | null = null;
  try {
    const limit = gasLimit ?? (((await messenger[method].estimateGas(...args)) as bigint) * (100n + RELAY_GAS_MARGIN_PERCENT)) / 100n;
    const tx = await messenger[method](...args, { gasLimit: limit });
    txHash = tx.hash as string;
    const receipt = (await tx.wait()) as TransactionReceipt;
    return { messageId: message.messageId, outcome: outcomeOf(receipt, ctx.messengers[message.destination], message.messageId), txHash };
  } catch (error) {
    if (await lostRace(ctx, message, method)) return { messageId: message.messageId, outcome: "already-relayed", txHash };
    throw error;
  }
}

/** Whether someone else (the relayer) executed the message since we looked: a lost race, not an error. */
async function lostRace(ctx: SdkContext, message: LocatedMessage, method: "relayMessage" | "retryMessage"): Promise<boolean> {
  const now = (await new Contract(ctx.messengers[message.destination], sdkMessengerAbi, ctx.providers[message.destination]).messageStatus(message.fields)) as bigint;
  return now === MESSAGE_RELAYED || (method === "relayMessage" && now === MESSAGE_FAILED);
}

function outcomeOf(receipt: TransactionReceipt, messenger: string, messageId: string): "relayed" | "failed" {
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== messenger.toLowerCase()) continue;
    const parsed = sdkMessengerAbi.parseLog(log);
    if (parsed?.args.messageId === messageId && parsed.name === "MessageFailed") return "failed";
  }
  return "relayed";
}

function describeRevert(data: string): string {
  if (data === "0x" || data === "") return "no reason";
  try {
    const parsed = sdkMessengerAbi.parseError(data);
    if (parsed !== null) return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
  } catch {
    // Not one of ours: show the selector.
  }
  return `revert data ${data.slice(0, 10)}`;
}
