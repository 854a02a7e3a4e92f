/**
 * Assembly of the Merkle exit proof that `Messenger.relayMessage` verifies (DESIGN §3):
 *
 *   struct ExitProof { uint256 checkpointId; uint256 blockNumber; bytes32 blockHash; bytes32 receiptsRoot;
 *                      bytes32[] blockProof; bytes receiptKey; bytes[] receiptProof; uint256 logIndex; }
 *
 * Two links: the leaf (blockNumber, blockHash, receiptsRoot) is in the checkpoint's blockRoot
 * (`blockProof`), and the receipt is under receiptsRoot (`receiptKey`, `receiptProof`).
 * `logIndex` counts logs inside the receipt only, unlike JSON-RPC's block-wide `logIndex`.
 */
import { RLP } from "@ethereumjs/rlp";
import { getBytes } from "ethers";

import { fetchBlock, fetchBlockReceipts } from "../chain/receipts";
import { verifyBlockHeader } from "../chain/header";
import { decodeQuantity, toRpcQuantity, type JsonRpcSender, type RpcLog, type RpcReceipt } from "../chain/rpcValues";
import {
  BlockNotInCheckpointError,
  BrokenHeaderChainError,
  InvalidReceiptError,
  LogNotFoundError,
  ReceiptBlockMismatchError,
  ReceiptsRootMismatchError,
  TransactionReceiptNotFoundError,
} from "../errors";
import { buildCheckpointTree, type CheckpointBlock, type CheckpointTree } from "./checkpointTree";
import { ReceiptTrie, type ReceiptProof } from "./receiptTrie";

/** Field for field the Solidity struct; pass it as is to an ethers contract call. */
export interface ExitProof {
  checkpointId: bigint;
  blockNumber: bigint;
  blockHash: string;
  receiptsRoot: string;
  blockProof: string[];
  receiptKey: string;
  receiptProof: string[];
  logIndex: bigint;
}

export interface BuildExitProofArgs {
  checkpointId: bigint | number;
  /** The tree of the checkpoint's blocks; must contain `blockNumber`. */
  checkpointTree: CheckpointTree;
  blockNumber: bigint | number;
  /** Proof of the receipt holding the log, under that block's receiptsRoot. */
  receiptProof: Pick<ReceiptProof, "root" | "key" | "proof" | "value">;
  /** Index of the log inside its receipt (see {@link locateLog} to convert a block-wide index). */
  logIndex: bigint | number;
}

/** A checkpoint as submitted on the destination chain. */
export interface CheckpointRange {
  id: bigint | number;
  startBlock: bigint | number;
  endBlock: bigint | number;
}

export interface ProveLogArgs {
  txHash: string;
  /** JSON-RPC `logIndex` of the log: its position among all logs of the block. */
  logIndex: bigint | number;
  checkpoint: CheckpointRange;
}

/** Blocks of a checkpoint range fetched in parallel. */
const BLOCK_FETCH_CONCURRENCY = 16;

/**
 * Assembles the exit proof and checks that its parts agree with each other.
 * @throws ReceiptsRootMismatchError if the receipt proof is for another receipts root than the leaf's;
 *         LogNotFoundError if the receipt has no log at `logIndex`.
 */
export function buildExitProof(args: BuildExitProofArgs): ExitProof {
  const leaf = args.checkpointTree.leafFor(args.blockNumber);
  if (args.receiptProof.root.toLowerCase() !== leaf.receiptsRoot) {
    throw new ReceiptsRootMismatchError(leaf.number.toString(), leaf.receiptsRoot, args.receiptProof.root);
  }
  const logIndex = BigInt(args.logIndex);
  const logCount = countReceiptLogs(args.receiptProof.value);
  if (logIndex < 0n || logIndex >= BigInt(logCount)) {
    throw new LogNotFoundError(`the receipt at key ${args.receiptProof.key} (${logCount} logs)`, logIndex);
  }
  return {
    checkpointId: BigInt(args.checkpointId),
    blockNumber: leaf.number,
    blockHash: leaf.hash,
    receiptsRoot: leaf.receiptsRoot,
    blockProof: args.checkpointTree.proofFor(leaf.number),
    receiptKey: args.receiptProof.key,
    receiptProof: [...args.receiptProof.proof],
    logIndex,
  };
}

/**
 * Finds a log by its block-wide index among a block's receipts (ordered by transaction index).
 * The position inside the receipt is what the exit proof needs.
 */
export function locateLog(
  receipts: readonly RpcReceipt[],
  blockLogIndex: bigint | number,
): { txIndex: number; logIndexInReceipt: number; log: RpcLog } {
  const wanted = BigInt(blockLogIndex);
  let logsBefore = 0n;
  for (let txIndex = 0; txIndex < receipts.length; txIndex++) {
    const logs = receipts[txIndex].logs;
    const position = logs.findIndex((log, i) =>
      // Nodes number logs across the block; count them ourselves where a node omits the field.
      log.logIndex === undefined || log.logIndex === null
        ? logsBefore + BigInt(i) === wanted
        : decodeQuantity(log.logIndex, "logIndex", invalidRpcValue) === wanted,
    );
    if (position >= 0) return { txIndex, logIndexInReceipt: position, log: logs[position] };
    logsBefore += BigInt(logs.length);
  }
  throw new LogNotFoundError(`the block (${logsBefore} logs)`, wanted);
}

/**
 * Builds the exit proof of one log straight from a node: fetches every block of the
 * checkpoint, checks each header against its hash and the parent links between them, rebuilds
 * the checkpoint tree and the block's receipts trie, and checks the trie root against the header.
 * The checkpoint must be the one submitted on the destination chain (same range → same root).
 */
export async function proveLog(provider: JsonRpcSender, args: ProveLogArgs): Promise<ExitProof> {
  const txReceipt = (await provider.send("eth_getTransactionReceipt", [args.txHash])) as RpcReceipt | null;
  if (txReceipt === null || txReceipt === undefined) throw new TransactionReceiptNotFoundError(args.txHash);
  const blockNumber = decodeQuantity(txReceipt.blockNumber, "blockNumber", invalidRpcValue);
  const startBlock = BigInt(args.checkpoint.startBlock);
  const endBlock = BigInt(args.checkpoint.endBlock);
  if (blockNumber < startBlock || blockNumber > endBlock) throw new BlockNotInCheckpointError(blockNumber, startBlock, endBlock);

  const checkpointBlocks = await fetchVerifiedRange(provider, startBlock, endBlock);
  const tree = buildCheckpointTree(checkpointBlocks);
  const leaf = tree.leafFor(blockNumber);
  if (txReceipt.blockHash?.toLowerCase() !== leaf.hash) {
    throw new ReceiptBlockMismatchError(args.txHash, leaf.hash, String(txReceipt.blockHash));
  }

  // By hash: the receipts must be those of the block the tree commits, even if the chain moved on.
  const receipts = await fetchBlockReceipts(provider, leaf.hash);
  const trie = await ReceiptTrie.fromReceipts(receipts);
  if (trie.root !== leaf.receiptsRoot) throw new ReceiptsRootMismatchError(leaf.hash, leaf.receiptsRoot, trie.root);

  const { txIndex, logIndexInReceipt } = locateLog(receipts, args.logIndex);
  const expectedTxIndex = decodeQuantity(txReceipt.transactionIndex, "transactionIndex", invalidRpcValue);
  if (BigInt(txIndex) !== expectedTxIndex) {
    throw new LogNotFoundError(`transaction ${args.txHash} (the log belongs to transaction index ${txIndex})`, BigInt(args.logIndex));
  }
  return buildExitProof({
    checkpointId: args.checkpoint.id,
    checkpointTree: tree,
    blockNumber,
    receiptProof: await trie.proof(txIndex),
    logIndex: logIndexInReceipt,
  });
}

/** Fetches [start, end], checks each header hash and that each block's parent is the previous one. */
async function fetchVerifiedRange(provider: JsonRpcSender, startBlock: bigint, endBlock: bigint): Promise<CheckpointBlock[]> {
  const numbers: bigint[] = [];
  for (let n = startBlock; n <= endBlock; n++) numbers.push(n);
  const blocks: (CheckpointBlock & { parentHash: string })[] = new Array(numbers.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < numbers.length) {
      const i = next++;
      const block = await fetchBlock(provider, toRpcQuantity(numbers[i]));
      const { hash } = verifyBlockHeader(block);
      blocks[i] = { number: numbers[i], hash, receiptsRoot: block.receiptsRoot.toLowerCase(), parentHash: block.parentHash.toLowerCase() };
    }
  };
  await Promise.all(Array.from({ length: Math.min(BLOCK_FETCH_CONCURRENCY, numbers.length) }, worker));

  // Fetched in parallel, so a reorg in the middle could mix two forks: the parent links catch it.
  for (let i = 1; i < blocks.length; i++) {
    if (blocks[i].parentHash !== blocks[i - 1].hash) {
      throw new BrokenHeaderChainError(numbers[i], blocks[i].parentHash, blocks[i - 1].hash);
    }
  }
  return blocks.map(({ number, hash, receiptsRoot }) => ({ number, hash, receiptsRoot }));
}

/** Number of logs in an EIP-2718 encoded receipt (the 4th item of its RLP list). */
function countReceiptLogs(encodedReceipt: string): number {
  const bytes = getBytes(encodedReceipt);
  // A typed receipt starts with its type byte (< 0x80); a legacy one with the list prefix (>= 0xc0).
  const list = RLP.decode(bytes.length > 0 && bytes[0] < 0x80 ? bytes.subarray(1) : bytes);
  if (!Array.isArray(list) || list.length < 4 || !Array.isArray(list[3])) {
    throw new InvalidReceiptError("value", encodedReceipt, "not an encoded receipt");
  }
  return list[3].length;
}

function invalidRpcValue(field: string, value: unknown, reason: string): Error {
  return new InvalidReceiptError(field, value, reason);
}
