/**
 * Assembly of the batch that `Messenger.relayMessages` verifies (docs/protocol.md, "Batch relay"):
 *
 *   struct MessageBatch { uint256 checkpointId; BatchBlock[] blocks; bytes[] nodes; BatchEntry[] entries; }
 *   struct BatchBlock   { uint256 blockNumber; bytes32 blockHash; bytes32 receiptsRoot; bytes32[] blockProof; }
 *   struct BatchEntry   { uint256 blockIndex; uint256 txIndex; uint256 logIndex; bytes nodePath; }
 *
 * Built from single exit proofs of one checkpoint: each block's leaf and proof appear once, each
 * trie node once (receipts of one block share the upper nodes of its trie, and two messages of
 * one receipt share all of them), and an entry names its nodes by position, two bytes each.
 */
import { RLP } from "@ethereumjs/rlp";
import { getBytes, hexlify } from "ethers";

import { RelayerError } from "../errors";
import type { ExitProof } from "./exitProof";

export interface BatchBlock {
  blockNumber: bigint;
  blockHash: string;
  receiptsRoot: string;
  blockProof: string[];
}

export interface BatchEntry {
  blockIndex: bigint;
  txIndex: bigint;
  logIndex: bigint;
  /** Positions in `MessageBatch.nodes`, root first, two bytes (big-endian) each. */
  nodePath: string;
}

/** Field for field the Solidity struct; pass it as is to an ethers contract call. */
export interface MessageBatch {
  checkpointId: bigint;
  blocks: BatchBlock[];
  nodes: string[];
  entries: BatchEntry[];
}

/** `IMessenger.BatchOutcome`, in declaration order. */
export const BatchOutcomeOnChain = { NotReached: 0, Relayed: 1, Failed: 2, Skipped: 3 } as const;

/** Most nodes a batch can name: positions are two bytes. */
export const MAX_BATCH_NODES = 0xffff + 1;

export class InvalidBatchError extends RelayerError {
  readonly code = "BATCH_INVALID";
  readonly retryable = false;
  constructor(reason: string) {
    super(`cannot batch these proofs: ${reason}`);
  }
}

/**
 * One batch from exit proofs of one checkpoint, entries in the order given.
 * @throws InvalidBatchError if the proofs name different checkpoints, disagree on a block, or need
 *         more nodes than two-byte positions can name.
 */
export function buildMessageBatch(proofs: readonly ExitProof[]): MessageBatch {
  if (proofs.length === 0) throw new InvalidBatchError("no proofs");
  const checkpointId = proofs[0].checkpointId;
  const blocks: BatchBlock[] = [];
  const blockIndex = new Map<bigint, number>();
  const nodes: string[] = [];
  const nodeIndex = new Map<string, number>();
  const entries = proofs.map((proof): BatchEntry => {
    if (proof.checkpointId !== checkpointId) throw new InvalidBatchError(`checkpoints ${checkpointId} and ${proof.checkpointId}`);
    let position = blockIndex.get(proof.blockNumber);
    if (position === undefined) {
      position = blocks.length;
      blockIndex.set(proof.blockNumber, position);
      blocks.push({ blockNumber: proof.blockNumber, blockHash: proof.blockHash.toLowerCase(), receiptsRoot: proof.receiptsRoot.toLowerCase(), blockProof: [...proof.blockProof] });
    } else if (blocks[position].blockHash !== proof.blockHash.toLowerCase() || blocks[position].receiptsRoot !== proof.receiptsRoot.toLowerCase()) {
      throw new InvalidBatchError(`two leaves for block ${proof.blockNumber}`);
    }
    const path = proof.receiptProof.map((node) => {
      const key = node.toLowerCase();
      let at = nodeIndex.get(key);
      if (at === undefined) {
        at = nodes.length;
        if (at >= MAX_BATCH_NODES) throw new InvalidBatchError(`more than ${MAX_BATCH_NODES} trie nodes`);
        nodeIndex.set(key, at);
        nodes.push(key);
      }
      return at.toString(16).padStart(4, "0");
    });
    return { blockIndex: BigInt(position), txIndex: txIndexOfKey(proof.receiptKey), logIndex: proof.logIndex, nodePath: `0x${path.join("")}` };
  });
  return { checkpointId, blocks, nodes, entries };
}

/** The transaction index a receipts-trie key rlp(txIndex) stands for. */
function txIndexOfKey(key: string): bigint {
  const decoded = RLP.decode(getBytes(key));
  if (!(decoded instanceof Uint8Array)) throw new InvalidBatchError(`receipt key ${key} is not rlp(txIndex)`);
  // rlp(0) is the empty string; otherwise a big-endian integer without leading zeros.
  return decoded.length === 0 ? 0n : BigInt(hexlify(decoded));
}
