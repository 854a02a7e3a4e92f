/**
 * The block tree of a checkpoint: one leaf per block of a contiguous range, committed as
 * `Checkpoint.blockRoot` and checked on-chain with OpenZeppelin `MerkleProof`.
 *
 * leaf = keccak256(bytes.concat(keccak256(abi.encode(uint256 blockNumber, bytes32 blockHash, bytes32 receiptsRoot))))
 *
 * That is OpenZeppelin's StandardMerkleTree leaf (double hashing, so no 64-byte inner node can
 * pass for a leaf), and the tree is built by `@openzeppelin/merkle-tree` itself so that the
 * Solidity side can rely on its sorted-pair hashing. Leaves stay in block order (`sortLeaves:
 * false`): a proposer and a challenger then build the same tree from the same blocks.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { AbiCoder, getBytes, hexlify, keccak256 } from "ethers";

import {
  BlockNotInCheckpointError,
  EmptyCheckpointError,
  InvalidCheckpointBlockError,
  NonContiguousBlocksError,
} from "../errors";
import { decodeData, decodeQuantity, type InvalidValue } from "../chain/rpcValues";

/** A block as the checkpoint commits it. Numbers may be bigint, number, decimal or hex strings. */
export interface CheckpointBlock {
  number: bigint | number | string;
  hash: string;
  receiptsRoot: string;
}

/** A {@link CheckpointBlock} normalised: bigint number, lower-case hex hashes. */
export interface CheckpointLeaf {
  number: bigint;
  hash: string;
  receiptsRoot: string;
}

export interface CheckpointTree {
  /** The checkpoint's blockRoot. */
  readonly root: string;
  readonly startBlock: bigint;
  readonly endBlock: bigint;
  /** The committed blocks, in order. */
  readonly blocks: readonly CheckpointLeaf[];
  /** The leaf of `blockNumber`. @throws BlockNotInCheckpointError outside [startBlock, endBlock]. */
  leafFor(blockNumber: bigint | number): CheckpointLeaf;
  /** Sibling hashes from the leaf of `blockNumber` up to the root, for `MerkleProof.verify`. */
  proofFor(blockNumber: bigint | number): string[];
  /** The leaf hash of a block (it need not be in this tree). */
  leafHash(block: CheckpointBlock): string;
}

/** ABI types of the leaf tuple, as `StandardMerkleTree` and the Solidity leaf encode it. */
export const CHECKPOINT_LEAF_ENCODING: readonly string[] = ["uint256", "bytes32", "bytes32"];

type LeafValue = [string, string, string];

const invalidBlock: InvalidValue = (field, value, reason) => new InvalidCheckpointBlockError(field, value, reason);

/**
 * Builds the tree of contiguous, ascending blocks.
 * @throws EmptyCheckpointError, NonContiguousBlocksError, InvalidCheckpointBlockError.
 */
export function buildCheckpointTree(blocks: readonly CheckpointBlock[]): CheckpointTree {
  if (blocks.length === 0) throw new EmptyCheckpointError();
  const leaves = blocks.map(normaliseBlock);
  const startBlock = leaves[0].number;
  leaves.forEach((leaf, position) => {
    const expected = startBlock + BigInt(position);
    if (leaf.number !== expected) throw new NonContiguousBlocksError(position, expected, leaf.number);
  });
  const endBlock = leaves[leaves.length - 1].number;

  const tree = StandardMerkleTree.of<LeafValue>(leaves.map(leafValue), [...CHECKPOINT_LEAF_ENCODING], {
    sortLeaves: false,
  });

  const positionOf = (blockNumber: bigint | number): number => {
    const number = BigInt(blockNumber);
    if (number < startBlock || number > endBlock) throw new BlockNotInCheckpointError(number, startBlock, endBlock);
    return Number(number - startBlock);
  };

  return Object.freeze({
    root: tree.root,
    startBlock,
    endBlock,
    blocks: Object.freeze(leaves),
    leafFor: (blockNumber: bigint | number) => ({ ...leaves[positionOf(blockNumber)] }),
    // Without sortLeaves, value index i is the i-th block.
    proofFor: (blockNumber: bigint | number) => tree.getProof(positionOf(blockNumber)),
    leafHash: (block: CheckpointBlock) => tree.leafHash(leafValue(normaliseBlock(block))),
  });
}

/**
 * The leaf hash of one block, computed without the tree library: what the Solidity side
 * computes before `MerkleProof.verify`.
 */
export function checkpointLeafHash(number: bigint | number | string, hash: string, receiptsRoot: string): string {
  const leaf = normaliseBlock({ number, hash, receiptsRoot });
  const encoded = AbiCoder.defaultAbiCoder().encode([...CHECKPOINT_LEAF_ENCODING], [leaf.number, leaf.hash, leaf.receiptsRoot]);
  return keccak256(getBytes(keccak256(encoded)));
}

function normaliseBlock(block: CheckpointBlock, position?: number): CheckpointLeaf {
  const where = position === undefined ? "" : `[${position}]`;
  if (block === null || typeof block !== "object") throw invalidBlock(`block${where}`, block, "expected { number, hash, receiptsRoot }");
  return {
    number: decodeQuantity(block.number, `number${where}`, invalidBlock),
    hash: hexlify(decodeData(block.hash, `hash${where}`, invalidBlock, { exactLength: 32 })),
    receiptsRoot: hexlify(decodeData(block.receiptsRoot, `receiptsRoot${where}`, invalidBlock, { exactLength: 32 })),
  };
}

function leafValue(leaf: CheckpointLeaf): LeafValue {
  return [leaf.number.toString(), leaf.hash, leaf.receiptsRoot];
}
