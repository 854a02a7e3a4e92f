/**
 * Delivery: finds the messages sent and not yet delivered (from the chains' logs alone, so that a
 * snapshot revert, e.g. loadFixture, never leaves the kit with stale state), checkpoints what the
 * destination does not cover yet, moves the destination's clock past the challenge period, and
 * relays each message through the real Messenger with a real exit proof.
 */
import { AbiCoder, getAddress, toQuantity } from "ethers";

import { MESSAGE_SENT_TOPIC, decodeMessageSent, messageId, messengerAbi } from "../chain/abi";
import type { JsonRpcSender, RpcLog } from "../chain/rpcValues";
import { buildExitProof, locateLog, type ExitProof } from "../proof/exitProof";
import { buildCheckpointTree, type CheckpointTree } from "../proof/checkpointTree";
import { relayGasLimit } from "../roles/executor";
import { ProofCache } from "../roles/proofs";
import { findCoveringCheckpoint } from "../sdk/messages";
import { fetchLeaves, isRevert, otherSide, revertDataOf, submitLeaves, type CheckpointContext } from "./checkpoints";
import { TestBridgeCheckpointMismatchError, TestBridgeTransactionError } from "./errors";
import type { DeliveredMessage, Direction, PendingMessage, Side } from "./types";

const RELAYED_TOPIC = messengerAbi.getEvent("MessageRelayed")!.topicHash;
const FAILED_TOPIC = messengerAbi.getEvent("MessageFailed")!.topicHash;
/** Past this many cached receipts and tries the proof cache starts afresh (it is keyed by block hash, never stale). */
const MAX_CACHED_PROOF_ENTRIES = 512;

export interface RelayContext extends CheckpointContext {
  sameChain: boolean;
  /** Each chain's block gas limit at creation: a relay transaction asks for no more. */
  blockGasLimit: Record<Side, bigint>;
  proofCache: { current: ProofCache };
}

interface PendingWithSource extends PendingMessage {
  source: Side;
  destination: Side;
  blockHash: string;
}

/** A checkpoint on a destination that commits some pending messages' blocks. */
interface UsableCheckpoint {
  id: bigint;
  tree: CheckpointTree;
  finalizesAt: bigint;
}

/**
 * Every message sent and not delivered: one eth_getLogs per chain for the MessageSent logs of its
 * messenger and the MessageRelayed / MessageFailed logs of the other side's (both carry the nonce,
 * by which the messenger guards replays). Source order: block, then log index; main's first on two chains.
 */
export async function findPending(ctx: RelayContext): Promise<PendingWithSource[]> {
  const { main, child } = ctx.sides;
  // Two chains may hold their messengers at the same address (same deployer, same nonces): a log's
  // side is that of the messenger at its address on the chain it came from.
  const chains: { provider: JsonRpcSender; sides: Side[]; fromBlock: number }[] = ctx.sameChain
    ? [{ provider: main.provider, sides: ["main", "child"], fromBlock: Math.min(main.deployBlock, child.deployBlock) }]
    : [
        { provider: main.provider, sides: ["main"], fromBlock: main.deployBlock },
        { provider: child.provider, sides: ["child"], fromBlock: child.deployBlock },
      ];
  const logs = await Promise.all(
    chains.map(async ({ provider, sides, fromBlock }) => {
      const messengers = new Map(sides.map((side) => [(ctx.sides[side].messenger.target as string).toLowerCase(), side]));
      const found = (await provider.send("eth_getLogs", [
        { address: [...messengers.keys()], topics: [[MESSAGE_SENT_TOPIC, RELAYED_TOPIC, FAILED_TOPIC]], fromBlock: toQuantity(fromBlock), toBlock: "latest" },
      ])) as RpcLog[];
      return found.flatMap((log) => {
        const side = messengers.get(String(log.address).toLowerCase());
        return side === undefined || (log as { removed?: boolean }).removed === true ? [] : [{ log, side }];
      });
    }),
  );

  // Nonces executed (or failed) on each side, i.e. of messages sent by the other side.
  const done: Record<Side, Set<bigint>> = { main: new Set(), child: new Set() };
  const sent: PendingWithSource[] = [];
  for (const { log, side } of logs.flat()) {
    const topic = log.topics[0];
    if (topic === RELAYED_TOPIC || topic === FAILED_TOPIC) {
      done[side].add(BigInt(log.topics[2]));
      continue;
    }
    const fields = decodeMessageSent({ topics: log.topics, data: String(log.data) });
    const destination = otherSide(side);
    sent.push({
      messageId: messageId(ctx.sides[side].chainId, ctx.sides[destination].chainId, fields),
      direction: `${side}->${destination}` as Direction,
      nonce: fields.nonce,
      sender: getAddress(fields.sender),
      target: getAddress(fields.target),
      gasLimit: fields.gasLimit,
      data: fields.data,
      txHash: String(log.transactionHash).toLowerCase(),
      blockNumber: Number(BigInt(String(log.blockNumber))),
      logIndex: Number(BigInt(String(log.logIndex))),
      blockHash: String(log.blockHash).toLowerCase(),
      source: side,
      destination,
    });
  }
  const rank = (m: PendingWithSource) => (ctx.sameChain || m.source === "main" ? 0 : 1);
  return sent
    .filter((m) => !done[m.destination].has(m.nonce))
    .sort((a, b) => rank(a) - rank(b) || a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}

/** The public shape of a pending message. */
export function publicPending(m: PendingWithSource): PendingMessage {
  const { messageId, direction, nonce, sender, target, gasLimit, data, txHash, blockNumber, logIndex } = m;
  return { messageId, direction, nonce, sender, target, gasLimit, data, txHash, blockNumber, logIndex };
}

/**
 * Makes every block of `messages` committed by a final checkpoint on its destination: reuses the
 * checkpoints that cover a block already (pending or final), submits one new checkpoint per
 * destination for the rest (from the manager's next start block through the last message's
 * block), then moves each destination chain's clock once, past the latest finality time needed.
 * @returns for each message, the checkpoint its proof goes through.
 */
async function checkpointFor(ctx: RelayContext, messages: readonly PendingWithSource[]): Promise<UsableCheckpoint[]> {
  const result = new Array<UsableCheckpoint>(messages.length);
  const finalizesAt: Partial<Record<Side, bigint>> = {};
  for (const destination of ["child", "main"] as const) {
    const indices = messages.flatMap((m, i) => (m.destination === destination ? [i] : []));
    if (indices.length === 0) continue;
    const source = otherSide(destination);
    const manager = ctx.sides[destination].checkpointManager;
    const nextStart = Number(await manager.nextStartBlock());
    const usable: UsableCheckpoint[] = [];
    const covering = async (block: number): Promise<UsableCheckpoint> => {
      const known = usable.find((cp) => BigInt(block) >= cp.tree.startBlock && BigInt(block) <= cp.tree.endBlock);
      if (known !== undefined) return known;
      const found = await findCoveringCheckpoint(ctx.sides[destination].provider, manager.target as string, block);
      if (found === undefined) throw new TestBridgeTransactionError(`relaying to the ${destination} side`, `block ${block} is before the first block its CheckpointManager can checkpoint`);
      const [, , blockRoot] = await manager.getCheckpoint(found.id);
      const tree = buildCheckpointTree(await fetchLeaves(ctx.sides[source].provider, found.startBlock, found.endBlock));
      // Relaying through a checkpoint of other blocks would only fail on-chain with a vaguer reason.
      if (tree.root !== blockRoot.toLowerCase()) throw new TestBridgeCheckpointMismatchError(destination, found.id, blockRoot, tree.root);
      const cp = { id: found.id, tree, finalizesAt: found.finalizesAt };
      usable.push(cp);
      return cp;
    };
    for (const i of indices) if (messages[i].blockNumber < nextStart) result[i] = await covering(messages[i].blockNumber);

    const uncovered = indices.filter((i) => messages[i].blockNumber >= nextStart);
    if (uncovered.length > 0) {
      const endBlock = Math.max(...uncovered.map((i) => messages[i].blockNumber));
      const leaves = await fetchLeaves(ctx.sides[source].provider, BigInt(nextStart), BigInt(endBlock));
      const submitted = await submitLeaves(ctx, destination, leaves);
      const cp = { id: submitted.id, tree: submitted.tree, finalizesAt: submitted.finalizesAt };
      for (const i of uncovered) result[i] = cp;
    }
    for (const i of indices) if (finalizesAt[destination] === undefined || result[i].finalizesAt > finalizesAt[destination]!) finalizesAt[destination] = result[i].finalizesAt;
  }
  // On one chain both destinations share the clock: one move for the later of the two.
  if (ctx.sameChain) {
    const latest = [finalizesAt.main, finalizesAt.child].filter((t): t is bigint => t !== undefined).reduce((a, b) => (a > b ? a : b), 0n);
    if (latest > 0n) await passTime(ctx.sides.main.provider, latest);
  } else {
    await Promise.all((["main", "child"] as const).filter((side) => finalizesAt[side] !== undefined).map((side) => passTime(ctx.sides[side].provider, finalizesAt[side]!)));
  }
  return result;
}

/** Mines a block at or after `timestamp` unless the chain is there already. */
async function passTime(provider: JsonRpcSender, timestamp: bigint): Promise<void> {
  const now = await latestTimestamp(provider);
  if (now >= timestamp) return;
  await provider.send("evm_increaseTime", [toQuantity(timestamp - now)]);
  await provider.send("evm_mine", []);
  // A clock set ahead with evm_setNextBlockTimestamp can leave the offset short of it: pin the time then.
  if ((await latestTimestamp(provider)) < timestamp) {
    await provider.send("evm_setNextBlockTimestamp", [toQuantity(timestamp)]);
    await provider.send("evm_mine", []);
  }
}

async function latestTimestamp(provider: JsonRpcSender): Promise<bigint> {
  const block = (await provider.send("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
  return BigInt(block.timestamp);
}

async function proofOf(ctx: RelayContext, message: PendingWithSource, checkpoint: UsableCheckpoint): Promise<ExitProof> {
  let cache = ctx.proofCache.current;
  if (cache.size > MAX_CACHED_PROOF_ENTRIES) cache = ctx.proofCache.current = new ProofCache();
  const rpc = { rpc: { main: ctx.sides.main.provider, child: ctx.sides.child.provider } };
  const [receipts, trie] = await Promise.all([cache.blockReceipts(rpc, message.source, message.blockHash), cache.trie(rpc, message.source, message.blockHash)]);
  const { txIndex, logIndexInReceipt } = locateLog(receipts, message.logIndex);
  return buildExitProof({
    checkpointId: checkpoint.id,
    checkpointTree: checkpoint.tree,
    blockNumber: message.blockNumber,
    receiptProof: await trie.proof(txIndex),
    logIndex: logIndexInReceipt,
  });
}

/** Sends the relay transaction and reads its outcome from the destination messenger's event. */
async function relayOne(ctx: RelayContext, message: PendingWithSource, checkpoint: UsableCheckpoint, proof: ExitProof): Promise<DeliveredMessage> {
  const destination = ctx.sides[message.destination];
  const messenger = destination.messenger.connect(destination.relayer);
  const data = messenger.interface.encodeFunctionData("relayMessage", [proof]);
  const wanted = relayGasLimit(message.gasLimit, data);
  const gasLimit = wanted < ctx.blockGasLimit[message.destination] ? wanted : ctx.blockGasLimit[message.destination];
  let receipt;
  try {
    receipt = await (await destination.relayer.sendTransaction({ to: messenger.target as string, data, gasLimit })).wait();
  } catch (error) {
    if (!isRevert(error)) throw error;
    throw new TestBridgeTransactionError(`relayMessage of ${message.messageId} on the ${message.destination} side`, await whyRelayFails(ctx, message, proof, error), { cause: error });
  }
  const messengerAddress = (messenger.target as string).toLowerCase();
  const outcome = receipt!.logs.find(
    (log) => log.address.toLowerCase() === messengerAddress && (log.topics[0] === RELAYED_TOPIC || log.topics[0] === FAILED_TOPIC) && log.topics[1] === message.messageId,
  );
  if (outcome === undefined) throw new TestBridgeTransactionError(`relayMessage of ${message.messageId}`, "the messenger emitted neither MessageRelayed nor MessageFailed for it");
  const success = outcome.topics[0] === RELAYED_TOPIC;
  const delivered: DeliveredMessage = {
    ...publicPending(message),
    success,
    txHash: receipt!.hash,
    gasUsed: receipt!.gasUsed,
    sourceTxHash: message.txHash,
    checkpointId: checkpoint.id,
  };
  if (!success) {
    const [revertData] = AbiCoder.defaultAbiCoder().decode(["bytes"], outcome.data) as unknown as [string];
    delivered.revertData = revertData;
    delivered.revertReason = await ctx.decoder.describe(revertData);
  }
  return delivered;
}

/** The messenger's own reason for refusing a relay (checkRelay), else what the node said. */
async function whyRelayFails(ctx: RelayContext, message: PendingWithSource, proof: ExitProof, error: unknown): Promise<string> {
  const messenger = ctx.sides[message.destination].messenger;
  try {
    await messenger.checkRelay.staticCall(proof);
  } catch (checkError) {
    return ctx.decoder.describe(revertDataOf(checkError));
  }
  const data = revertDataOf(error);
  return data === "0x" ? (error instanceof Error ? error.message : String(error)) : ctx.decoder.describe(data);
}

/**
 * Delivers `messages` in order. `onDelivered` sees each result as it lands and may throw (a
 * failure the caller does not allow), which stops the rest.
 */
export async function deliver(ctx: RelayContext, messages: readonly PendingWithSource[], onDelivered: (delivered: DeliveredMessage, index: number) => void): Promise<void> {
  const checkpoints = await checkpointFor(ctx, messages);
  // Proofs need nothing from the relays: build them all at once, relay one by one.
  const proofs = await Promise.all(messages.map((m, i) => proofOf(ctx, m, checkpoints[i])));
  for (let i = 0; i < messages.length; i++) onDelivered(await relayOne(ctx, messages[i], checkpoints[i], proofs[i]), i);
}
