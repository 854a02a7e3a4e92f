import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { AbiCoder, concat, keccak256, toBeHex } from "ethers";
import { ethers } from "hardhat";

import {
  BlockNotInCheckpointError,
  CHECKPOINT_LEAF_ENCODING,
  EmptyCheckpointError,
  InvalidCheckpointBlockError,
  NonContiguousBlocksError,
  buildCheckpointTree,
  checkpointLeafHash,
  fetchBlock,
  type CheckpointBlock,
} from "../../relayer/src";
import { mineTestChain } from "./helpers/chainActivity";

/** Deterministic, distinct fake blocks starting at `start`. */
function fakeBlocks(start: number, count: number): CheckpointBlock[] {
  return Array.from({ length: count }, (_, i) => ({
    number: start + i,
    hash: keccak256(toBeHex(start + i, 32)),
    receiptsRoot: keccak256(concat(["0x01", toBeHex(start + i, 32)])),
  }));
}

/** The leaf as the Solidity side computes it: keccak256(bytes.concat(keccak256(abi.encode(...)))). */
function solidityStyleLeaf(block: CheckpointBlock): string {
  const inner = keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "bytes32", "bytes32"], [block.number, block.hash, block.receiptsRoot]));
  return keccak256(inner);
}

/** OpenZeppelin `Hashes.commutativeKeccak256`: keccak of the pair, smaller first. */
function hashPair(a: string, b: string): string {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/** OpenZeppelin `MerkleProof.processProof`, by hand. */
function processProof(leaf: string, proof: readonly string[]): string {
  return proof.reduce(hashPair, leaf);
}

/**
 * The root of a complete binary tree laid out as @openzeppelin/merkle-tree does (leaves at the
 * end of the array, leaf i at position length-1-i), written independently of the library.
 */
function independentRoot(leaves: readonly string[]): string {
  const tree = new Array<string>(2 * leaves.length - 1);
  leaves.forEach((leaf, i) => (tree[tree.length - 1 - i] = leaf));
  for (let i = tree.length - 1 - leaves.length; i >= 0; i--) tree[i] = hashPair(tree[2 * i + 1], tree[2 * i + 2]);
  return tree[0];
}

describe("proof/checkpointTree", function () {
  describe("buildCheckpointTree", function () {
    it("commits each block as the double-hashed abi.encode(blockNumber, blockHash, receiptsRoot) leaf", function () {
      const blocks = fakeBlocks(1_000, 5);
      const tree = buildCheckpointTree(blocks);
      for (const block of blocks) {
        const expected = solidityStyleLeaf(block);
        expect(checkpointLeafHash(block.number, block.hash, block.receiptsRoot)).to.equal(expected);
        expect(tree.leafHash(block)).to.equal(expected);
      }
      expect(CHECKPOINT_LEAF_ENCODING).to.deep.equal(["uint256", "bytes32", "bytes32"]);
    });

    it("has the root of an independently built tree over the leaves in block order, for any size", function () {
      for (const size of [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 100, 257]) {
        const blocks = fakeBlocks(77, size);
        const tree = buildCheckpointTree(blocks);
        expect(tree.root, `size ${size}`).to.equal(independentRoot(blocks.map(solidityStyleLeaf)));
        expect(tree.startBlock).to.equal(77n);
        expect(tree.endBlock).to.equal(BigInt(77 + size - 1));
      }
    });

    it("gives proofs that StandardMerkleTree.verify and a sorted-pair MerkleProof check both accept", function () {
      for (const size of [1, 2, 3, 6, 13, 64]) {
        const blocks = fakeBlocks(5, size);
        const tree = buildCheckpointTree(blocks);
        for (const block of blocks) {
          const proof = tree.proofFor(BigInt(block.number));
          const value = [block.number, block.hash, block.receiptsRoot];
          expect(StandardMerkleTree.verify(tree.root, [...CHECKPOINT_LEAF_ENCODING], value, proof)).to.equal(true);
          expect(processProof(solidityStyleLeaf(block), proof)).to.equal(tree.root);
          expect(proof.length).to.be.at.most(Math.ceil(Math.log2(size)));
        }
      }
    });

    it("makes a one-block checkpoint's root its leaf, with an empty proof", function () {
      const [block] = fakeBlocks(9, 1);
      const tree = buildCheckpointTree([block]);
      expect(tree.root).to.equal(solidityStyleLeaf(block));
      expect(tree.proofFor(9)).to.deep.equal([]);
    });

    it("commits real Hardhat blocks and proves each of them", async function () {
      const { firstBlock, lastBlock } = await loadFixture(mineTestChain);
      const blocks = [];
      for (let n = firstBlock; n <= lastBlock; n++) blocks.push(await fetchBlock(ethers.provider, n));
      // Raw JSON-RPC blocks go in as they are: hex numbers, hashes and receiptsRoot.
      const tree = buildCheckpointTree(blocks);
      expect(tree.startBlock).to.equal(BigInt(firstBlock));
      expect(tree.endBlock).to.equal(BigInt(lastBlock));
      for (const block of blocks) {
        expect(processProof(solidityStyleLeaf({ ...block, number: BigInt(block.number) }), tree.proofFor(BigInt(block.number)))).to.equal(tree.root);
        expect(tree.leafFor(BigInt(block.number))).to.deep.equal({ number: BigInt(block.number), hash: block.hash, receiptsRoot: block.receiptsRoot });
      }
    });

    it("reads block numbers given as bigint, number, decimal or hex strings alike", function () {
      const blocks = fakeBlocks(300, 4);
      const roots = [
        (b: CheckpointBlock) => BigInt(b.number),
        (b: CheckpointBlock) => Number(b.number),
        (b: CheckpointBlock) => String(b.number),
        (b: CheckpointBlock) => toBeHex(BigInt(b.number)),
      ].map((form) => buildCheckpointTree(blocks.map((b) => ({ ...b, number: form(b) }))).root);
      expect(new Set(roots).size).to.equal(1);
    });

    it("changes the root when any committed value changes", function () {
      const blocks = fakeBlocks(40, 6);
      const root = buildCheckpointTree(blocks).root;
      const altered = [
        blocks.map((b, i) => (i === 3 ? { ...b, hash: keccak256("0x01") } : b)),
        blocks.map((b, i) => (i === 5 ? { ...b, receiptsRoot: keccak256("0x02") } : b)),
        blocks.map((b) => ({ ...b, number: Number(b.number) + 1 })),
      ];
      for (const variant of altered) expect(buildCheckpointTree(variant).root).to.not.equal(root);
    });
  });

  describe("rejections", function () {
    it("refuses blocks that are not contiguous and ascending", function () {
      const blocks = fakeBlocks(10, 5);
      const cases: [CheckpointBlock[], number, bigint, bigint][] = [
        [[blocks[0], blocks[1], blocks[3]], 2, 12n, 13n], // gap
        [[blocks[1], blocks[0]], 1, 12n, 10n], // descending
        [[blocks[0], blocks[0]], 1, 11n, 10n], // duplicate
      ];
      for (const [input, position, expected, actual] of cases) {
        try {
          buildCheckpointTree(input);
          expect.fail("should have thrown");
        } catch (error) {
          expect(error).to.be.instanceOf(NonContiguousBlocksError);
          const typed = error as NonContiguousBlocksError;
          expect(typed.code).to.equal("CHECKPOINT_BLOCKS_NOT_CONTIGUOUS");
          expect(typed.retryable).to.equal(false);
          expect([typed.position, typed.expectedNumber, typed.actualNumber]).to.deep.equal([position, expected, actual]);
        }
      }
    });

    it("refuses an empty checkpoint and malformed blocks", function () {
      expect(() => buildCheckpointTree([])).to.throw(EmptyCheckpointError);
      const [block] = fakeBlocks(1, 1);
      expect(() => buildCheckpointTree([{ ...block, hash: "0x1234" }])).to.throw(InvalidCheckpointBlockError, /hash/);
      expect(() => buildCheckpointTree([{ ...block, receiptsRoot: "nope" }])).to.throw(InvalidCheckpointBlockError, /receiptsRoot/);
      expect(() => buildCheckpointTree([{ ...block, number: -1 }])).to.throw(InvalidCheckpointBlockError);
    });

    it("has no proof for a block outside the checkpoint", function () {
      const tree = buildCheckpointTree(fakeBlocks(100, 3));
      expect(() => tree.proofFor(99)).to.throw(BlockNotInCheckpointError);
      expect(() => tree.proofFor(103n)).to.throw(BlockNotInCheckpointError);
      expect(() => tree.leafFor(103n)).to.throw(BlockNotInCheckpointError);
    });

    it("gives proofs that fail for another block, a tampered sibling or another root", function () {
      const blocks = fakeBlocks(20, 9);
      const tree = buildCheckpointTree(blocks);
      const proof = tree.proofFor(24);
      const leaf = solidityStyleLeaf(blocks[4]);
      expect(processProof(solidityStyleLeaf(blocks[5]), proof)).to.not.equal(tree.root);
      const tampered = [keccak256(proof[0]), ...proof.slice(1)];
      expect(processProof(leaf, tampered)).to.not.equal(tree.root);
      expect(StandardMerkleTree.verify(tree.root, [...CHECKPOINT_LEAF_ENCODING], [blocks[4].number, blocks[4].hash, blocks[4].receiptsRoot], tampered)).to.equal(false);
      const otherRoot = buildCheckpointTree(fakeBlocks(21, 9)).root;
      expect(StandardMerkleTree.verify(otherRoot, [...CHECKPOINT_LEAF_ENCODING], [blocks[4].number, blocks[4].hash, blocks[4].receiptsRoot], proof)).to.equal(false);
    });
  });
});
