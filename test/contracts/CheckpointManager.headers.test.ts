import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { buildCheckpointTree, encodeBlockHeader, type RpcBlock } from "../../relayer/src";
import { CHALLENGER_REWARD_BPS, MIN_BOND, fetchBlocks, treeOf } from "../helpers/fixture";
import {
  Fraud,
  Status,
  deployManager,
  leavesOf,
  mineDroppedFork,
  NO_ATTESTATION,
  nextBlocks,
  reveal,
  submitTree,
  tamperedTree,
  type ManagerContext,
  type Revealed,
  type Submitted,
} from "../helpers/checkpoints";

const REWARD = (MIN_BOND * BigInt(CHALLENGER_REWARD_BPS)) / 10_000n;
/** Position, in the tampered checkpoints, of the leaf that lies. */
const BAD = 1;

async function submitBlocks(ctx: ManagerContext, blocks: RpcBlock[], proposer = ctx.proposer): Promise<Submitted> {
  return submitTree(ctx.side, ctx.validators, proposer, buildCheckpointTree(leavesOf(blocks)));
}

/** Reveals the committed leaf of `number` with the real header of the block at that height. */
function revealReal(submitted: Submitted, blocks: RpcBlock[], number: bigint): Revealed {
  const block = blocks.find((b) => BigInt(b.number) === number);
  if (block === undefined) throw new Error(`block ${number} not fetched`);
  return reveal(submitted.tree, number, block);
}

/** One checkpoint of real blocks, every leaf true. */
async function withHonest() {
  const ctx = await deployManager();
  await mine(3);
  const blocks = await nextBlocks(ctx.manager);
  const honest = await submitBlocks(ctx, blocks);
  return { ...ctx, blocks, honest };
}

/** A checkpoint, signed by all validators, whose leaf BAD has a wrong receipts root. */
async function withWrongReceiptsRoot() {
  const ctx = await deployManager();
  await mine(3);
  const blocks = await nextBlocks(ctx.manager);
  const tree = tamperedTree(blocks, (leaf, i) => (i === BAD ? { ...leaf, receiptsRoot: ethers.id("forged receipts") } : leaf));
  const bad = await submitTree(ctx.side, ctx.validators, ctx.proposer, tree);
  return { ...ctx, blocks, bad, badNumber: bad.startBlock + BigInt(BAD) };
}

/** A checkpoint whose leaf BAD (number n) carries the hash and receipts root of real block n + 1. */
async function withShiftedLeaf() {
  const ctx = await deployManager();
  await mine(3);
  const blocks = await nextBlocks(ctx.manager);
  const tree = tamperedTree(blocks, (leaf, i) =>
    i === BAD ? { ...leaf, hash: blocks[i + 1].hash, receiptsRoot: blocks[i + 1].receiptsRoot } : leaf,
  );
  const bad = await submitTree(ctx.side, ctx.validators, ctx.proposer, tree);
  return { ...ctx, blocks, bad, badNumber: bad.startBlock + BigInt(BAD) };
}

/**
 * A checkpoint ending with a real block of a dropped fork: its number and receipts root are
 * right, but its parent is the dropped fork's block, not the committed one before it.
 */
async function withUnlinkedInside() {
  const ctx = await deployManager();
  const { dropped, kept } = await mineDroppedFork(2);
  const blocks = [...(await nextBlocks(ctx.manager)).slice(0, -1), dropped[1]];
  const bad = await submitBlocks(ctx, blocks);
  return { ...ctx, blocks, bad, dropped, kept, parentNumber: BigInt(kept[0].number) };
}

/**
 * Checkpoint #0 of real blocks through height h, then checkpoint #1 (by the other proposer)
 * holding only the dropped fork's block h + 1, which does not link to #0's last block.
 */
async function withUnlinkedAcross() {
  const ctx = await deployManager();
  const { dropped, kept } = await mineDroppedFork(2);
  const firstBlocks = await nextBlocks(ctx.manager, BigInt(kept[0].number));
  const first = await submitBlocks(ctx, firstBlocks);
  // Blocks may share a timestamp here: space the submissions so their finality differs.
  await time.increase(100);
  const bad = await submitBlocks(ctx, [dropped[1]], ctx.honest);
  return { ...ctx, firstBlocks, first, bad, dropped, kept };
}

/** Two consecutive honest checkpoints by two proposers. */
async function withTwoHonest() {
  const ctx = await deployManager();
  const firstBlocks = await nextBlocks(ctx.manager);
  const first = await submitBlocks(ctx, firstBlocks);
  await mine(2);
  const secondBlocks = await nextBlocks(ctx.manager);
  const second = await submitBlocks(ctx, secondBlocks, ctx.honest);
  return { ...ctx, firstBlocks, first, secondBlocks, second };
}

/**
 * Checkpoint #0, whose last leaf has a wrong receipts root, left unchallenged until final;
 * then an honest checkpoint #1 by the other proposer, of real blocks linking to #0's real last block.
 */
async function withHonestAfterFinalFraud() {
  const ctx = await deployManager();
  const firstBlocks = await nextBlocks(ctx.manager);
  const last = firstBlocks.length - 1;
  const tree = tamperedTree(firstBlocks, (leaf, i) => (i === last ? { ...leaf, receiptsRoot: ethers.id("forged") } : leaf));
  const first = await submitTree(ctx.side, ctx.validators, ctx.proposer, tree);
  await time.increaseTo(first.finalizesAt);
  const secondBlocks = await nextBlocks(ctx.manager);
  const second = await submitBlocks(ctx, secondBlocks, ctx.honest);
  return { ...ctx, firstBlocks, first, secondBlocks, second };
}

describe("CheckpointManager", function () {
  describe("challengeHeader", function () {
    it("slashes the bond when a committed receipts root is not the block's", async function () {
      const { manager, bad, blocks, badNumber, challenger, proposer } = await loadFixture(withWrongReceiptsRoot);
      const revealed = revealReal(bad, blocks, badNumber);
      expect(ethers.keccak256(revealed.header)).to.equal(revealed.leaf.hash);
      const challenge = manager.connect(challenger).challengeHeader(bad.id, bad.attestation, revealed);
      await expect(challenge)
        .to.emit(manager, "CheckpointsReverted")
        .withArgs(bad.id, 1n, challenger.address, Fraud.HeaderMismatch);
      await expect(challenge).to.emit(manager, "BondSlashed").withArgs(proposer.address, challenger.address, MIN_BOND, REWARD);
      expect(await manager.checkpointCount()).to.equal(0n);
      expect(await manager.nextStartBlock()).to.equal(bad.startBlock);
      expect((await manager.bondOf(proposer.address))[0]).to.equal(0n);
      expect(await manager.slashedFunds()).to.equal(MIN_BOND - REWARD);
    });

    it("slashes the bond when a leaf carries another block under its number", async function () {
      const { manager, bad, blocks, badNumber, challenger, proposer } = await loadFixture(withShiftedLeaf);
      // The leaf says number n; the header whose hash it commits is block n + 1.
      const revealed = reveal(bad.tree, badNumber, blocks[BAD + 1]);
      expect(ethers.keccak256(revealed.header)).to.equal(revealed.leaf.hash);
      await expect(manager.connect(challenger).challengeHeader(bad.id, bad.attestation, revealed))
        .to.emit(manager, "BondSlashed")
        .withArgs(proposer.address, challenger.address, MIN_BOND, REWARD);
      expect(await manager.checkpointStatus(bad.id)).to.deep.equal([Status.None, 0n]);
    });

    it("reverts NoFraud for every true leaf", async function () {
      const { manager, honest, blocks, challenger } = await loadFixture(withHonest);
      for (const block of blocks) {
        await expect(manager.connect(challenger).challengeHeader(0n, honest.attestation, revealReal(honest, blocks, BigInt(block.number))))
          .to.be.revertedWithCustomError(manager, "CheckpointManagerNoFraud")
          .withArgs(0n);
      }
    });

    it("reverts NoFraud for a true leaf of a checkpoint with another, false leaf", async function () {
      const { manager, bad, blocks, challenger } = await loadFixture(withWrongReceiptsRoot);
      await expect(manager.connect(challenger).challengeHeader(bad.id, bad.attestation, revealReal(bad, blocks, bad.startBlock)))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerNoFraud")
        .withArgs(bad.id);
    });

    it("reverts HeaderHashMismatch when the header is not the committed block's", async function () {
      const { manager, bad, blocks, badNumber, challenger } = await loadFixture(withWrongReceiptsRoot);
      const revealed = { ...revealReal(bad, blocks, badNumber), header: encodeBlockHeader(blocks[BAD + 1]) };
      await expect(manager.connect(challenger).challengeHeader(bad.id, bad.attestation, revealed))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerHeaderHashMismatch")
        .withArgs(badNumber, blocks[BAD].hash, blocks[BAD + 1].hash);
    });

    it("reverts BlockNotInCheckpoint for a leaf the checkpoint does not commit", async function () {
      const { manager, bad, blocks, badNumber, challenger } = await loadFixture(withWrongReceiptsRoot);
      // The true leaf of the block is not the committed one, whatever the proof.
      const trueLeaf = { number: badNumber, hash: blocks[BAD].hash, receiptsRoot: blocks[BAD].receiptsRoot };
      const realTree = treeOf(blocks);
      for (const proof of [bad.tree.proofFor(badNumber), realTree.proofFor(badNumber)]) {
        await expect(
          manager
            .connect(challenger)
            .challengeHeader(bad.id, bad.attestation, { leaf: trueLeaf, proof, header: encodeBlockHeader(blocks[BAD]) }),
        )
          .to.be.revertedWithCustomError(manager, "CheckpointManagerBlockNotInCheckpoint")
          .withArgs(bad.id, badNumber);
      }
    });

    it("reverts BlockNotInCheckpoint for a block after the checkpoint's range", async function () {
      const { manager, bad, challenger } = await loadFixture(withWrongReceiptsRoot);
      await mine();
      const [after] = await fetchBlocks(bad.endBlock + 1n, bad.endBlock + 1n);
      const revealed = { leaf: leavesOf([after])[0], proof: [], header: encodeBlockHeader(after) };
      await expect(manager.connect(challenger).challengeHeader(bad.id, bad.attestation, revealed as Revealed))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerBlockNotInCheckpoint")
        .withArgs(bad.id, bad.endBlock + 1n);
    });

    it("reverts when the attestation is not the one submitted", async function () {
      const { manager, bad, blocks, badNumber, challenger, honest } = await loadFixture(withWrongReceiptsRoot);
      await expect(
        manager
          .connect(challenger)
          .challengeHeader(bad.id, { ...bad.attestation, proposer: honest.address }, revealReal(bad, blocks, badNumber)),
      )
        .to.be.revertedWithCustomError(manager, "CheckpointManagerAttestationMismatch")
        .withArgs(bad.id);
    });

    it("reverts for an unknown checkpoint", async function () {
      const { manager, bad, blocks, badNumber, challenger } = await loadFixture(withWrongReceiptsRoot);
      await expect(manager.connect(challenger).challengeHeader(1n, bad.attestation, revealReal(bad, blocks, badNumber)))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerUnknownCheckpoint")
        .withArgs(1n, 1n);
    });

    it("works one second before finalizesAt and reverts ChallengeWindowClosed at finalizesAt", async function () {
      const { manager, bad, blocks, badNumber, challenger } = await loadFixture(withWrongReceiptsRoot);
      const revealed = revealReal(bad, blocks, badNumber);
      await time.setNextBlockTimestamp(bad.finalizesAt);
      await expect(manager.connect(challenger).challengeHeader(bad.id, bad.attestation, revealed))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerChallengeWindowClosed")
        .withArgs(bad.id, bad.finalizesAt);

      const again = await loadFixture(withWrongReceiptsRoot);
      await time.setNextBlockTimestamp(again.bad.finalizesAt - 1n);
      await expect(again.manager.connect(again.challenger).challengeHeader(again.bad.id, again.bad.attestation, revealed))
        .to.emit(again.manager, "CheckpointsReverted")
        .withArgs(again.bad.id, 1n, again.challenger.address, Fraud.HeaderMismatch);
    });
  });

  describe("challengeHeaderChain", function () {
    it("slashes the bond when a committed block does not link to the committed block before it", async function () {
      const { manager, bad, blocks, kept, dropped, parentNumber, challenger, proposer } = await loadFixture(withUnlinkedInside);
      const parent = reveal(bad.tree, parentNumber, kept[0]);
      const child = reveal(bad.tree, parentNumber + 1n, dropped[1]);
      // A real pair: both headers match their leaves, only the link is broken.
      expect(dropped[1].parentHash).to.equal(dropped[0].hash);
      expect(dropped[1].parentHash).to.not.equal(kept[0].hash);
      expect(blocks.length).to.be.greaterThan(2);
      const challenge = manager.connect(challenger).challengeHeaderChain(bad.id, bad.attestation, NO_ATTESTATION, parent, child);
      await expect(challenge)
        .to.emit(manager, "CheckpointsReverted")
        .withArgs(bad.id, 1n, challenger.address, Fraud.BrokenHeaderChain);
      await expect(challenge).to.emit(manager, "BondSlashed").withArgs(proposer.address, challenger.address, MIN_BOND, REWARD);
      expect(await manager.checkpointCount()).to.equal(0n);
      expect(await manager.nextStartBlock()).to.equal(bad.startBlock);
    });

    it("slashes the bond when the child's header has another number than its leaf", async function () {
      const { manager, bad, blocks, badNumber, challenger, proposer } = await loadFixture(withShiftedLeaf);
      const parent = revealReal(bad, blocks, badNumber - 1n);
      const child = reveal(bad.tree, badNumber, blocks[BAD + 1]);
      await expect(manager.connect(challenger).challengeHeaderChain(bad.id, bad.attestation, NO_ATTESTATION, parent, child))
        .to.emit(manager, "BondSlashed")
        .withArgs(proposer.address, challenger.address, MIN_BOND, REWARD);
    });

    it("slashes the bond when the parent's header disagrees with its leaf in the same checkpoint", async function () {
      const { manager, bad, blocks, badNumber, challenger } = await loadFixture(withWrongReceiptsRoot);
      const parent = revealReal(bad, blocks, badNumber);
      const child = revealReal(bad, blocks, badNumber + 1n);
      await expect(manager.connect(challenger).challengeHeaderChain(bad.id, bad.attestation, NO_ATTESTATION, parent, child))
        .to.emit(manager, "CheckpointsReverted")
        .withArgs(bad.id, 1n, challenger.address, Fraud.BrokenHeaderChain);
    });

    it("reverts the later checkpoint when its first block does not link to the previous checkpoint's last", async function () {
      const { manager, first, firstBlocks, bad, kept, dropped, challenger, honest, proposer } =
        await loadFixture(withUnlinkedAcross);
      const parent = revealReal(first, firstBlocks, BigInt(kept[0].number));
      const child = reveal(bad.tree, bad.startBlock, dropped[1]);
      const challenge = manager.connect(challenger).challengeHeaderChain(bad.id, bad.attestation, first.attestation, parent, child);
      await expect(challenge)
        .to.emit(manager, "CheckpointsReverted")
        .withArgs(1n, 2n, challenger.address, Fraud.BrokenHeaderChain);
      await expect(challenge).to.emit(manager, "BondSlashed").withArgs(honest.address, challenger.address, MIN_BOND, REWARD);
      expect(await manager.checkpointCount()).to.equal(1n);
      expect(await manager.nextStartBlock()).to.equal(bad.startBlock);
      expect(await manager.checkpointStatus(0n)).to.deep.equal([Status.Pending, first.finalizesAt]);
      expect((await manager.bondOf(proposer.address))[0]).to.equal(MIN_BOND);
    });

    it("reverts AttestationMismatch naming the pending predecessor when its attestation is not the one submitted", async function () {
      const { manager, first, firstBlocks, bad, kept, dropped, challenger } = await loadFixture(withUnlinkedAcross);
      const parent = revealReal(first, firstBlocks, BigInt(kept[0].number));
      const child = reveal(bad.tree, bad.startBlock, dropped[1]);
      for (const previous of [NO_ATTESTATION, bad.attestation]) {
        await expect(manager.connect(challenger).challengeHeaderChain(bad.id, bad.attestation, previous, parent, child))
          .to.be.revertedWithCustomError(manager, "CheckpointManagerAttestationMismatch")
          .withArgs(first.id);
      }
    });

    it("reverts a pending checkpoint that does not link to a final one", async function () {
      const { manager, first, firstBlocks, bad, kept, dropped, challenger } = await loadFixture(withUnlinkedAcross);
      await time.increaseTo(first.finalizesAt);
      expect(await manager.checkpointStatus(0n)).to.deep.equal([Status.Final, first.finalizesAt]);
      const parent = revealReal(first, firstBlocks, BigInt(kept[0].number));
      const child = reveal(bad.tree, bad.startBlock, dropped[1]);
      await expect(manager.connect(challenger).challengeHeaderChain(bad.id, bad.attestation, NO_ATTESTATION, parent, child))
        .to.emit(manager, "CheckpointsReverted")
        .withArgs(1n, 2n, challenger.address, Fraud.BrokenHeaderChain);
      expect(await manager.checkpointStatus(0n)).to.deep.equal([Status.Final, first.finalizesAt]);
    });

    it("does not slash an honest proposer for a false leaf at the end of the previous checkpoint", async function () {
      // Checkpoint #1 links to the real block #0 ends with; #0's false receipts root is #0's fraud
      // (challengeHeader on #0 while it was pending). Otherwise, once #0 is final, every
      // continuation of it could be reverted and its proposer slashed, and the lane stalls.
      const { manager, first, firstBlocks, second, secondBlocks, challenger, honest } =
        await loadFixture(withHonestAfterFinalFraud);
      const parent = revealReal(first, firstBlocks, first.endBlock);
      const child = revealReal(second, secondBlocks, second.startBlock);
      expect(secondBlocks[0].parentHash).to.equal(parent.leaf.hash);
      await expect(manager.connect(challenger).challengeHeaderChain(second.id, second.attestation, NO_ATTESTATION, parent, child))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerNoFraud")
        .withArgs(second.id);
      expect((await manager.bondOf(honest.address))[0]).to.equal(MIN_BOND);
    });

    it("reverts NoFraud for every consecutive pair of a true checkpoint and across its boundary", async function () {
      const { manager, first, firstBlocks, second, secondBlocks, challenger } = await loadFixture(withTwoHonest);
      for (let i = 1; i < secondBlocks.length; i++) {
        const parent = revealReal(second, secondBlocks, BigInt(secondBlocks[i - 1].number));
        const child = revealReal(second, secondBlocks, BigInt(secondBlocks[i].number));
        await expect(manager.connect(challenger).challengeHeaderChain(1n, second.attestation, NO_ATTESTATION, parent, child))
          .to.be.revertedWithCustomError(manager, "CheckpointManagerNoFraud")
          .withArgs(1n);
      }
      const parent = revealReal(first, firstBlocks, first.endBlock);
      const child = revealReal(second, secondBlocks, second.startBlock);
      await expect(manager.connect(challenger).challengeHeaderChain(1n, second.attestation, NO_ATTESTATION, parent, child))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerNoFraud")
        .withArgs(1n);
    });

    it("reverts NotConsecutive unless the child is numbered parent + 1", async function () {
      const { manager, honest, blocks, challenger } = await loadFixture(withHonest);
      const start = honest.startBlock;
      const pairs: [bigint, bigint][] = [
        [start, start + 2n],
        [start + 1n, start],
        [start, start],
      ];
      for (const [p, c] of pairs) {
        await expect(
          manager
            .connect(challenger)
            .challengeHeaderChain(0n, honest.attestation, NO_ATTESTATION, revealReal(honest, blocks, p), revealReal(honest, blocks, c)),
        )
          .to.be.revertedWithCustomError(manager, "CheckpointManagerNotConsecutive")
          .withArgs(p, c);
      }
    });

    it("reverts NoPreviousCheckpoint when the parent would be before checkpoint 0", async function () {
      const { manager, honest, blocks, challenger } = await loadFixture(withHonest);
      const [before] = await fetchBlocks(honest.startBlock - 1n, honest.startBlock - 1n);
      const parent = { leaf: leavesOf([before])[0], proof: [], header: encodeBlockHeader(before) } as Revealed;
      const child = revealReal(honest, blocks, honest.startBlock);
      await expect(manager.connect(challenger).challengeHeaderChain(0n, honest.attestation, NO_ATTESTATION, parent, child))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerNoPreviousCheckpoint")
        .withArgs(0n);
    });

    it("reverts BlockNotInCheckpoint when the child is not committed", async function () {
      const { manager, honest, blocks, challenger } = await loadFixture(withHonest);
      const parent = revealReal(honest, blocks, honest.startBlock);
      const child = revealReal(honest, blocks, honest.startBlock + 1n);
      const uncommitted = { ...child, leaf: { ...child.leaf, receiptsRoot: ethers.ZeroHash } };
      await expect(manager.connect(challenger).challengeHeaderChain(0n, honest.attestation, NO_ATTESTATION, parent, uncommitted))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerBlockNotInCheckpoint")
        .withArgs(0n, honest.startBlock + 1n);
    });

    it("reverts BlockNotInCheckpoint when the parent is not committed in the same checkpoint", async function () {
      const { manager, honest, blocks, challenger } = await loadFixture(withHonest);
      const parent = revealReal(honest, blocks, honest.startBlock);
      const child = revealReal(honest, blocks, honest.startBlock + 1n);
      const uncommitted = { ...parent, proof: child.proof };
      await expect(manager.connect(challenger).challengeHeaderChain(0n, honest.attestation, NO_ATTESTATION, uncommitted, child))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerBlockNotInCheckpoint")
        .withArgs(0n, honest.startBlock);
    });

    it("reverts BlockNotInCheckpoint naming the previous checkpoint when the parent across the boundary is not committed", async function () {
      const { manager, first, firstBlocks, second, secondBlocks, challenger } = await loadFixture(withTwoHonest);
      const parent = revealReal(first, firstBlocks, first.endBlock);
      const child = revealReal(second, secondBlocks, second.startBlock);
      const uncommitted = { ...parent, leaf: { ...parent.leaf, hash: ethers.id("not committed") } };
      await expect(manager.connect(challenger).challengeHeaderChain(1n, second.attestation, NO_ATTESTATION, uncommitted, child))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerBlockNotInCheckpoint")
        .withArgs(0n, first.endBlock);
    });

    it("reverts HeaderHashMismatch when a header is not its committed block's", async function () {
      const { manager, honest, blocks, challenger } = await loadFixture(withHonest);
      const parent = revealReal(honest, blocks, honest.startBlock);
      const child = revealReal(honest, blocks, honest.startBlock + 1n);
      await expect(
        manager
          .connect(challenger)
          .challengeHeaderChain(0n, honest.attestation, NO_ATTESTATION, { ...parent, header: child.header }, child),
      )
        .to.be.revertedWithCustomError(manager, "CheckpointManagerHeaderHashMismatch")
        .withArgs(honest.startBlock, blocks[0].hash, blocks[1].hash);
      await expect(
        manager
          .connect(challenger)
          .challengeHeaderChain(0n, honest.attestation, NO_ATTESTATION, parent, { ...child, header: parent.header }),
      )
        .to.be.revertedWithCustomError(manager, "CheckpointManagerHeaderHashMismatch")
        .withArgs(honest.startBlock + 1n, blocks[1].hash, blocks[0].hash);
    });

    it("reverts when the attestation is not the one submitted", async function () {
      const { manager, bad, kept, dropped, parentNumber, challenger } = await loadFixture(withUnlinkedInside);
      const parent = reveal(bad.tree, parentNumber, kept[0]);
      const child = reveal(bad.tree, parentNumber + 1n, dropped[1]);
      const attestation = { ...bad.attestation, signers: "0x000102" };
      await expect(manager.connect(challenger).challengeHeaderChain(bad.id, attestation, NO_ATTESTATION, parent, child))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerAttestationMismatch")
        .withArgs(bad.id);
    });

    it("reverts for an unknown checkpoint", async function () {
      const { manager, bad, kept, dropped, parentNumber, challenger } = await loadFixture(withUnlinkedInside);
      const parent = reveal(bad.tree, parentNumber, kept[0]);
      const child = reveal(bad.tree, parentNumber + 1n, dropped[1]);
      await expect(manager.connect(challenger).challengeHeaderChain(5n, bad.attestation, NO_ATTESTATION, parent, child))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerUnknownCheckpoint")
        .withArgs(5n, 1n);
    });

    it("works one second before finalizesAt and reverts ChallengeWindowClosed at finalizesAt", async function () {
      const { manager, bad, kept, dropped, parentNumber, challenger } = await loadFixture(withUnlinkedInside);
      const parent = reveal(bad.tree, parentNumber, kept[0]);
      const child = reveal(bad.tree, parentNumber + 1n, dropped[1]);
      await time.setNextBlockTimestamp(bad.finalizesAt);
      await expect(manager.connect(challenger).challengeHeaderChain(bad.id, bad.attestation, NO_ATTESTATION, parent, child))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerChallengeWindowClosed")
        .withArgs(bad.id, bad.finalizesAt);

      const again = await loadFixture(withUnlinkedInside);
      await time.setNextBlockTimestamp(again.bad.finalizesAt - 1n);
      await expect(again.manager.connect(again.challenger).challengeHeaderChain(again.bad.id, again.bad.attestation, NO_ATTESTATION, parent, child))
        .to.emit(again.manager, "CheckpointsReverted")
        .withArgs(again.bad.id, 1n, again.challenger.address, Fraud.BrokenHeaderChain);
    });
  });
});
