/**
 * Finding a message from the transaction that sent it, and the destination checkpoint that
 * covers its block, from the chains alone (no relayer needed).
 */
import { Contract, type Provider, type TransactionReceipt } from "ethers";

import { MESSAGE_SENT_TOPIC, decodeMessageSent, messageId, type MessageFields } from "../chain/abi";
import { sdkCheckpointManagerAbi } from "./abi";
import { InvalidArgumentError, MessageNotFoundError, TransactionNotFoundError, type ChainSide } from "./errors";
import type { BridgeDeployment, Direction, MessageRef } from "./types";

export interface LocatedMessage {
  source: ChainSide;
  destination: ChainSide;
  direction: Direction;
  txHash: string;
  /** JSON-RPC (block-wide) log index of the MessageSent log. */
  logIndex: number;
  blockNumber: number;
  blockHash: string;
  fields: MessageFields;
  messageId: string;
}

export interface CoveringCheckpoint {
  id: bigint;
  startBlock: bigint;
  endBlock: bigint;
  finalizesAt: bigint;
}

const TX_HASH = /^0x[0-9a-fA-F]{64}$/;

export function otherSide(side: ChainSide): ChainSide {
  return side === "main" ? "child" : "main";
}

export function normalizeRef(ref: MessageRef): { txHash: string; logIndex?: number } {
  const { txHash, logIndex } = typeof ref === "string" ? { txHash: ref, logIndex: undefined } : ref;
  if (typeof txHash !== "string" || !TX_HASH.test(txHash)) throw new InvalidArgumentError("transaction hash", txHash, "is not a 0x-prefixed 32-byte hash");
  if (logIndex !== undefined && (!Number.isInteger(logIndex) || logIndex < 0)) throw new InvalidArgumentError("log index", logIndex, "is not a non-negative integer");
  return { txHash: txHash.toLowerCase(), logIndex };
}

/**
 * The MessageSent log of a transaction, on whichever chain has it. The id is computed from the
 * canonical fields and both chain ids (protocol.md "Messages"), as the destination computes it.
 * @throws TransactionNotFoundError on neither chain; MessageNotFoundError without a MessageSent of the bridge's messenger.
 */
export async function locateMessage(
  providers: Record<ChainSide, Provider>,
  deployments: Record<ChainSide, BridgeDeployment>,
  messengers: Record<ChainSide, string>,
  ref: MessageRef,
): Promise<LocatedMessage> {
  const { txHash, logIndex } = normalizeRef(ref);
  // Both chains at once: the hash says nothing about which chain it belongs to.
  const [mainReceipt, childReceipt] = await Promise.all([providers.main.getTransactionReceipt(txHash), providers.child.getTransactionReceipt(txHash)]);
  const found: [ChainSide, TransactionReceipt] | undefined =
    mainReceipt !== null ? ["main", mainReceipt] : childReceipt !== null ? ["child", childReceipt] : undefined;
  if (found === undefined) throw new TransactionNotFoundError(txHash);
  if (mainReceipt !== null && childReceipt !== null) {
    // Both sides on one chain (createTestBridge(hre)): the messenger that emitted the log tells the source.
    try {
      return messageFromReceipt(mainReceipt, "main", deployments, messengers, logIndex);
    } catch (error) {
      if (!(error instanceof MessageNotFoundError)) throw error;
      return messageFromReceipt(childReceipt, "child", deployments, messengers, logIndex);
    }
  }
  return messageFromReceipt(found[1], found[0], deployments, messengers, logIndex);
}

/** The MessageSent log of a mined receipt of `source`. @throws MessageNotFoundError */
export function messageFromReceipt(
  receipt: TransactionReceipt,
  source: ChainSide,
  deployments: Record<ChainSide, BridgeDeployment>,
  messengers: Record<ChainSide, string>,
  logIndex?: number,
): LocatedMessage {
  const txHash = receipt.hash.toLowerCase();
  if (receipt.status !== 1) throw new MessageNotFoundError(txHash, source, "the transaction reverted");
  const messenger = messengers[source].toLowerCase();
  const logs = receipt.logs.filter((log) => log.address.toLowerCase() === messenger && log.topics[0] === MESSAGE_SENT_TOPIC);
  const log = logIndex === undefined ? logs[0] : logs.find((l) => l.index === logIndex);
  if (log === undefined) {
    throw new MessageNotFoundError(
      txHash,
      source,
      logIndex === undefined ? "it emitted no MessageSent from the bridge's messenger" : `no MessageSent log with index ${logIndex} (it has ${logs.map((l) => l.index).join(", ") || "none"})`,
    );
  }
  const destination = otherSide(source);
  const fields = decodeMessageSent(log);
  return {
    source,
    destination,
    direction: `${source}->${destination}` as Direction,
    txHash,
    logIndex: log.index,
    blockNumber: receipt.blockNumber,
    blockHash: receipt.blockHash.toLowerCase(),
    fields,
    messageId: messageId(BigInt(deployments[source].chainId), BigInt(deployments[destination].chainId), fields),
  };
}

/**
 * The live checkpoint on the destination whose range holds `blockNumber`, or undefined when none
 * does yet. Checkpoints are contiguous and ascending by id (protocol.md "Contiguity"), so a binary
 * search over ids finds it in log2(count) calls, all read at one block so that a submission or a
 * revert in between cannot mix two states.
 */
export async function findCoveringCheckpoint(provider: Provider, checkpointManager: string, blockNumber: number): Promise<CoveringCheckpoint | undefined> {
  const manager = new Contract(checkpointManager, sdkCheckpointManagerAbi, provider);
  const blockTag = await provider.getBlockNumber();
  const [nextStartBlock, count] = (await Promise.all([manager.nextStartBlock({ blockTag }), manager.checkpointCount({ blockTag })])) as [bigint, bigint];
  const block = BigInt(blockNumber);
  if (count === 0n || block >= nextStartBlock) return undefined;
  let low = 0n;
  let high = count - 1n;
  while (low <= high) {
    const mid = (low + high) / 2n;
    const [startBlock, endBlock, , finalizesAt] = (await manager.getCheckpoint(mid, { blockTag })) as [bigint, bigint, string, bigint];
    if (block < startBlock) high = mid - 1n;
    else if (block > endBlock) low = mid + 1n;
    else return { id: mid, startBlock, endBlock, finalizesAt };
  }
  // Before the first checkpoint's start: a block the destination will never checkpoint.
  return undefined;
}
