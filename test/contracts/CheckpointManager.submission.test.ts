import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { CHALLENGE_PERIOD, MIN_BOND, attest, checkpoint, replaceValidators, signCheckpoint, treeOf } from "../helpers/fixture";
import {
  CHECKPOINT_TYPES,
  DOMAIN_NAME,
  DOMAIN_VERSION,
  Status,
  deployManager,
  nextBlocks,
  rangeOf,
  submitTree,
  type ManagerContext,
} from "../helpers/checkpoints";

/** The next checkpoint (every block since the first one), signed by all four validators, not yet submitted. */
async function withAttestation() {
  const ctx = await deployManager();
  await mine(4);
  const blocks = await nextBlocks(ctx.manager);
  const tree = treeOf(blocks);
  const range = rangeOf(tree);
  const signed = await attest(ctx.side, ctx.validators, [0, 1, 2, 3], range);
  return { ...ctx, blocks, tree, range, signed };
}

/** One pending checkpoint by the fixture's proposer. */
async function withCheckpoint() {
  const ctx = await deployManager();
  const submitted = await checkpoint(ctx, ctx.side);
  const [, , , finalizesAt] = await ctx.manager.getCheckpoint(submitted.id);
  return { ...ctx, submitted, finalizesAt };
}

/** A checkpoint whose range is its tree's first two blocks: the tree's later leaves are outside it. */
async function withShortRange() {
  const ctx = await deployManager();
  await mine(4);
  const tree = treeOf(await nextBlocks(ctx.manager));
  const range = { startBlock: tree.startBlock, endBlock: tree.startBlock + 1n, blockRoot: tree.root };
  const signed = await attest(ctx.side, ctx.validators, [0, 1, 2, 3], range);
  await ctx.manager.connect(ctx.proposer).submitCheckpoint(range, ethers.ZeroHash, signed.packed, signed.signers, signed.signatures);
  return { ...ctx, tree, range };
}

function signersOf(indices: number[]): string {
  return ethers.hexlify(Uint8Array.from(indices));
}

/** Signature bytes for `count` signers; submission only checks their length. */
function dummySignatures(count: number): string {
  return ethers.hexlify(new Uint8Array(65 * count).fill(0x11));
}

async function submit(
  ctx: Pick<ManagerContext, "manager" | "proposer">,
  range: { startBlock: bigint; endBlock: bigint; blockRoot: string },
  packed: string[],
  signers: string,
  signatures: string,
) {
  const [, , previousBlockRoot] = await ctx.manager.head();
  return ctx.manager.connect(ctx.proposer).submitCheckpoint(range, previousBlockRoot, packed, signers, signatures);
}

describe("CheckpointManager", function () {
  describe("submitCheckpoint", function () {
    it("stores the checkpoint, emits CheckpointSubmitted and locks the proposer's bond", async function () {
      const ctx = await loadFixture(withAttestation);
      const { manager, proposer, range, signed } = ctx;
      expect(
        await manager.connect(proposer).submitCheckpoint.staticCall(range, ethers.ZeroHash, signed.packed, signed.signers, signed.signatures),
      ).to.equal(0n);
      const at = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(at);
      const finalizesAt = at + CHALLENGE_PERIOD;
      await expect(submit(ctx, range, signed.packed, signed.signers, signed.signatures))
        .to.emit(manager, "CheckpointSubmitted")
        .withArgs(
          0n,
          proposer.address,
          range.startBlock,
          range.endBlock,
          range.blockRoot,
          finalizesAt,
          signed.signers,
          signed.signatures,
        );
      expect(await manager.getCheckpoint(0n)).to.deep.equal([range.startBlock, range.endBlock, range.blockRoot, finalizesAt]);
      expect(await manager.checkpointCount()).to.equal(1n);
      expect(await manager.nextStartBlock()).to.equal(range.endBlock + 1n);
      expect(await manager.checkpointStatus(0n)).to.deep.equal([Status.Pending, finalizesAt]);
      expect(await manager.bondOf(proposer.address)).to.deep.equal([MIN_BOND, finalizesAt]);
    });

    it("numbers checkpoints in order, each starting right after the previous one", async function () {
      const { manager, validators, proposer, honest, side } = await loadFixture(deployManager);
      const first = await checkpoint({ validators, proposer }, side);
      await mine(3);
      const second = await checkpoint({ validators, proposer: honest }, side);
      await mine(1);
      const third = await checkpoint({ validators, proposer }, side);
      expect([first.id, second.id, third.id]).to.deep.equal([0n, 1n, 2n]);
      expect(second.startBlock).to.equal(first.endBlock + 1n);
      expect(third.startBlock).to.equal(second.endBlock + 1n);
      expect(await manager.checkpointCount()).to.equal(3n);
      expect(await manager.nextStartBlock()).to.equal(third.endBlock + 1n);
      expect((await manager.getCheckpoint(1n))[0]).to.equal(second.startBlock);
    });

    it("accepts signers whose power is exactly the threshold", async function () {
      const ctx = await loadFixture(withAttestation);
      const { packed, signers, signatures } = await attest(ctx.side, ctx.validators, [1, 2, 3], ctx.range);
      expect(await ctx.validatorSet.threshold()).to.equal(3n);
      await expect(submit(ctx, ctx.range, packed, signers, signatures)).to.emit(ctx.manager, "CheckpointSubmitted");
    });

    it("reverts when the signers' power is one short of the threshold", async function () {
      const ctx = await loadFixture(withAttestation);
      const { packed, signers, signatures } = await attest(ctx.side, ctx.validators, [0, 3], ctx.range);
      await expect(submit(ctx, ctx.range, packed, signers, signatures))
        .to.be.revertedWithCustomError(ctx.manager, "CheckpointManagerQuorumNotReached")
        .withArgs(2n, 3n);
    });

    it("sums the signers' voting power, not their number", async function () {
      const ctx = await loadFixture(withAttestation);
      const addresses = ctx.validators.map((v) => v.address);
      await replaceValidators(ctx.validatorSet, ctx.admin, addresses, [1n, 1n, 1n, 4n], 4n);
      const heavy = await attest(ctx.side, ctx.validators, [3], ctx.range);
      await expect(submit(ctx, ctx.range, heavy.packed, heavy.signers, heavy.signatures)).to.emit(
        ctx.manager,
        "CheckpointSubmitted",
      );
      await mine();
      const next = rangeOf(treeOf(await nextBlocks(ctx.manager)));
      const light = await attest(ctx.side, ctx.validators, [0, 1, 2], next);
      await expect(submit(ctx, next, light.packed, light.signers, light.signatures))
        .to.be.revertedWithCustomError(ctx.manager, "CheckpointManagerQuorumNotReached")
        .withArgs(3n, 4n);
    });

    it("accepts a one-block checkpoint", async function () {
      const ctx = await loadFixture(withAttestation);
      const tree = treeOf(ctx.blocks.slice(0, 1));
      const submitted = await submitTree(ctx.side, ctx.validators, ctx.proposer, tree);
      expect(submitted.startBlock).to.equal(submitted.endBlock);
      expect(await ctx.manager.nextStartBlock()).to.equal(submitted.startBlock + 1n);
    });

    it("commits to the signatures without verifying them", async function () {
      // Optimistic: a forged signature is caught by challengeSignature, not at submission.
      const ctx = await loadFixture(withAttestation);
      await expect(submit(ctx, ctx.range, ctx.signed.packed, ctx.signed.signers, dummySignatures(4))).to.emit(
        ctx.manager,
        "CheckpointSubmitted",
      );
    });

    it("reverts when the proposer has no bond", async function () {
      const ctx = await loadFixture(withAttestation);
      const { signed, range, stranger, manager } = ctx;
      await expect(manager.connect(stranger).submitCheckpoint(range, ethers.ZeroHash, signed.packed, signed.signers, signed.signatures))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerBondTooLow")
        .withArgs(stranger.address, 0n, MIN_BOND);
    });

    it("reverts when the proposer's bond is one wei below the minimum", async function () {
      const ctx = await loadFixture(withAttestation);
      const { signed, range, stranger, manager } = ctx;
      await manager.connect(stranger).depositBond({ value: MIN_BOND - 1n });
      await expect(manager.connect(stranger).submitCheckpoint(range, ethers.ZeroHash, signed.packed, signed.signers, signed.signatures))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerBondTooLow")
        .withArgs(stranger.address, MIN_BOND - 1n, MIN_BOND);
      await manager.connect(stranger).depositBond({ value: 1n });
      await expect(
        manager.connect(stranger).submitCheckpoint(range, ethers.ZeroHash, signed.packed, signed.signers, signed.signatures),
      ).to.emit(manager, "CheckpointSubmitted");
    });

    it("reverts when the range does not start at the next start block", async function () {
      const ctx = await loadFixture(withAttestation);
      const { range, signed, manager } = ctx;
      for (const startBlock of [range.startBlock + 1n, range.startBlock - 1n]) {
        await expect(submit(ctx, { ...range, startBlock }, signed.packed, signed.signers, signed.signatures))
          .to.be.revertedWithCustomError(manager, "CheckpointManagerNotContiguous")
          .withArgs(range.startBlock, startBlock);
      }
    });

    it("reverts when the same range is submitted twice", async function () {
      const ctx = await loadFixture(withAttestation);
      const { range, signed, manager } = ctx;
      await submit(ctx, range, signed.packed, signed.signers, signed.signatures);
      await expect(submit(ctx, range, signed.packed, signed.signers, signed.signatures))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerNotContiguous")
        .withArgs(range.endBlock + 1n, range.startBlock);
    });

    it("reverts when the range ends before it starts", async function () {
      const ctx = await loadFixture(withAttestation);
      const { range, signed, manager } = ctx;
      const endBlock = range.startBlock - 1n;
      await expect(submit(ctx, { ...range, endBlock }, signed.packed, signed.signers, signed.signatures))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerEmptyRange")
        .withArgs(range.startBlock, endBlock);
    });

    it("reverts when the block root is zero", async function () {
      const ctx = await loadFixture(withAttestation);
      const { range, signed, manager } = ctx;
      await expect(
        submit(ctx, { ...range, blockRoot: ethers.ZeroHash }, signed.packed, signed.signers, signed.signatures),
      ).to.be.revertedWithCustomError(manager, "CheckpointManagerZeroBlockRoot");
    });

    it("reverts when the validators are a set replaced since (stale set)", async function () {
      const ctx = await loadFixture(withAttestation);
      const { range, signed, manager, validatorSet, validators } = ctx;
      await replaceValidators(validatorSet, ctx.admin, validators.map((v) => v.address), [2n, 2n, 2n, 2n], 5n);
      const [expected] = await validatorSet.quorum();
      await expect(submit(ctx, range, signed.packed, signed.signers, signed.signatures))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerValidatorSetMismatch")
        .withArgs(expected, ethers.keccak256(ethers.concat(signed.packed)));
      const current = await attest(ctx.side, validators, [0, 1, 2], range);
      await expect(submit(ctx, range, current.packed, current.signers, current.signatures)).to.emit(
        manager,
        "CheckpointSubmitted",
      );
    });

    it("reverts when the validator entries are altered, reordered or truncated", async function () {
      const ctx = await loadFixture(withAttestation);
      const { range, signed, manager, validatorSet } = ctx;
      const [expected] = await validatorSet.quorum();
      const inflated = [...signed.packed];
      inflated[0] = ethers.toBeHex(BigInt(inflated[0]) + 100n, 32);
      const variants = [inflated, [...signed.packed].reverse(), signed.packed.slice(0, 3)];
      for (const packed of variants) {
        await expect(submit(ctx, range, packed, signed.signers, signed.signatures))
          .to.be.revertedWithCustomError(manager, "CheckpointManagerValidatorSetMismatch")
          .withArgs(expected, ethers.keccak256(ethers.concat(packed)));
      }
    });

    it("reverts when there are fewer or more signature bytes than 65 per signer", async function () {
      const ctx = await loadFixture(withAttestation);
      const { range, signed, manager } = ctx;
      const short = ethers.dataSlice(signed.signatures, 0, 65 * 3);
      const long = ethers.concat([signed.signatures, "0x00"]);
      for (const signatures of [short, long]) {
        await expect(submit(ctx, range, signed.packed, signed.signers, signatures))
          .to.be.revertedWithCustomError(manager, "CheckpointManagerSignatureCountMismatch")
          .withArgs(4n, BigInt(ethers.dataLength(signatures)));
      }
    });

    it("reverts when a signer index is outside the validator set", async function () {
      const ctx = await loadFixture(withAttestation);
      for (const index of [4, 255]) {
        await expect(submit(ctx, ctx.range, ctx.signed.packed, signersOf([0, 1, index]), dummySignatures(3)))
          .to.be.revertedWithCustomError(ctx.manager, "CheckpointManagerSignerOutOfRange")
          .withArgs(2n, BigInt(index), 4n);
      }
    });

    it("reverts when a signer is named twice", async function () {
      const ctx = await loadFixture(withAttestation);
      await expect(submit(ctx, ctx.range, ctx.signed.packed, signersOf([0, 1, 1, 2]), dummySignatures(4)))
        .to.be.revertedWithCustomError(ctx.manager, "CheckpointManagerDuplicateSigner")
        .withArgs(2n, 1n);
    });

    it("reverts when the signers are not in ascending order", async function () {
      const ctx = await loadFixture(withAttestation);
      await expect(submit(ctx, ctx.range, ctx.signed.packed, signersOf([0, 2, 1]), dummySignatures(3)))
        .to.be.revertedWithCustomError(ctx.manager, "CheckpointManagerSignersUnsorted")
        .withArgs(2n, 1n);
    });

    it("sets finalizesAt to the submission time plus the challenge period", async function () {
      const { manager, validators, proposer, side } = await loadFixture(deployManager);
      await manager.setChallengePeriod(7_200n);
      const at = BigInt(await time.latest()) + 100n;
      await time.setNextBlockTimestamp(at);
      const submitted = await submitTree(side, validators, proposer, treeOf(await nextBlocks(manager)));
      expect(submitted.finalizesAt).to.equal(at + 7_200n);
    });

    it("never lets finalizesAt decrease when the challenge period is shortened", async function () {
      // The shorter period is scheduled first and applies right after checkpoint #0 is submitted.
      const ctx = await loadFixture(deployManager);
      const { manager, validators, proposer, honest, side } = ctx;
      await manager.setChallengePeriod(60n);
      const [, activatesAt] = await manager.pendingChallengePeriod();
      await time.increaseTo(activatesAt - 200n);
      await checkpoint(ctx, side);
      const [, , , first] = await manager.getCheckpoint(0n);
      await time.increaseTo(activatesAt);
      await manager.activateChallengePeriod();
      await time.increase(100);
      const tree = treeOf(await nextBlocks(manager));
      const signed = await attest(side, validators, [0, 1, 2, 3], rangeOf(tree));
      const [, , previousBlockRoot] = await manager.head();
      await expect(manager.connect(honest).submitCheckpoint(rangeOf(tree), previousBlockRoot, signed.packed, signed.signers, signed.signatures))
        .to.emit(manager, "CheckpointSubmitted")
        .withArgs(1n, honest.address, tree.startBlock, tree.endBlock, tree.root, first, signed.signers, signed.signatures);
      expect((await manager.getCheckpoint(1n))[3]).to.equal(first);
      expect(await manager.bondOf(honest.address)).to.deep.equal([MIN_BOND, first]);

      // Once the earlier checkpoints are final, the shorter period applies.
      await time.increaseTo(first);
      await mine();
      const at = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(at);
      const third = await submitTree(side, validators, proposer, treeOf(await nextBlocks(manager)));
      expect(third.finalizesAt).to.equal(at + 60n);
    });
  });

  describe("checkpointStatus", function () {
    it("is None with finalizesAt 0 for an id not submitted", async function () {
      const { manager } = await loadFixture(withCheckpoint);
      expect(await manager.checkpointStatus(1n)).to.deep.equal([Status.None, 0n]);
      expect(await manager.checkpointStatus(ethers.MaxUint256)).to.deep.equal([Status.None, 0n]);
    });

    it("is Pending until one second before finalizesAt and Final from finalizesAt", async function () {
      const { manager, finalizesAt } = await loadFixture(withCheckpoint);
      expect(await manager.checkpointStatus(0n)).to.deep.equal([Status.Pending, finalizesAt]);
      await time.increaseTo(finalizesAt - 1n);
      expect(await manager.checkpointStatus(0n)).to.deep.equal([Status.Pending, finalizesAt]);
      await time.increaseTo(finalizesAt);
      expect(await manager.checkpointStatus(0n)).to.deep.equal([Status.Final, finalizesAt]);
    });
  });

  describe("checkFinalBlock", function () {
    it("reverts for an unknown checkpoint", async function () {
      const { manager, submitted } = await loadFixture(withCheckpoint);
      const leaf = submitted.tree.leafFor(submitted.startBlock);
      await expect(manager.checkFinalBlock(1n, leaf, submitted.tree.proofFor(submitted.startBlock)))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerUnknownCheckpoint")
        .withArgs(1n, 1n);
    });

    it("reverts NotFinal one second before finalizesAt and passes at finalizesAt", async function () {
      const { manager, submitted, finalizesAt } = await loadFixture(withCheckpoint);
      const leaf = submitted.tree.leafFor(submitted.endBlock);
      const proof = submitted.tree.proofFor(submitted.endBlock);
      await expect(manager.checkFinalBlock(0n, leaf, proof))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerNotFinal")
        .withArgs(0n, finalizesAt);
      await time.setNextBlockTimestamp(finalizesAt - 1n);
      await expect(manager.checkFinalBlock.send(0n, leaf, proof))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerNotFinal")
        .withArgs(0n, finalizesAt);
      await time.setNextBlockTimestamp(finalizesAt);
      await expect(manager.checkFinalBlock.send(0n, leaf, proof)).to.not.be.reverted;
    });

    it("passes for every committed block once final", async function () {
      const { manager, submitted } = await loadFixture(withCheckpoint);
      await time.increase(CHALLENGE_PERIOD);
      for (const leaf of submitted.tree.blocks) {
        await manager.checkFinalBlock(0n, leaf, submitted.tree.proofFor(leaf.number));
      }
    });

    it("reverts BlockNotInCheckpoint for a leaf the checkpoint does not commit", async function () {
      const { manager, submitted } = await loadFixture(withCheckpoint);
      await time.increase(CHALLENGE_PERIOD);
      const { tree, startBlock } = submitted;
      const leaf = tree.leafFor(startBlock);
      const wrongReceipts = { ...leaf, receiptsRoot: ethers.id("not the receipts root") };
      await expect(manager.checkFinalBlock(0n, wrongReceipts, tree.proofFor(startBlock)))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerBlockNotInCheckpoint")
        .withArgs(0n, startBlock);
      await expect(manager.checkFinalBlock(0n, leaf, tree.proofFor(startBlock + 1n)))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerBlockNotInCheckpoint")
        .withArgs(0n, startBlock);
    });

    it("reverts BlockNotInCheckpoint for a leaf of the tree outside the checkpoint's range", async function () {
      const { manager, tree, range } = await loadFixture(withShortRange);
      await time.increase(CHALLENGE_PERIOD);
      const outside = range.endBlock + 1n;
      await manager.checkFinalBlock(0n, tree.leafFor(range.endBlock), tree.proofFor(range.endBlock));
      await expect(manager.checkFinalBlock(0n, tree.leafFor(outside), tree.proofFor(outside)))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerBlockNotInCheckpoint")
        .withArgs(0n, outside);
    });
  });

  describe("isBlockCommitted", function () {
    it("is true for every block of a checkpoint, pending or final", async function () {
      const { manager, submitted } = await loadFixture(withCheckpoint);
      for (const leaf of submitted.tree.blocks) {
        expect(await manager.isBlockCommitted(0n, leaf, submitted.tree.proofFor(leaf.number))).to.equal(true);
      }
      await time.increase(CHALLENGE_PERIOD);
      const last = submitted.tree.leafFor(submitted.endBlock);
      expect(await manager.isBlockCommitted(0n, last, submitted.tree.proofFor(last.number))).to.equal(true);
    });

    it("is false for an unknown checkpoint, an altered leaf or a wrong proof", async function () {
      const { manager, submitted } = await loadFixture(withCheckpoint);
      const { tree, startBlock } = submitted;
      const leaf = tree.leafFor(startBlock);
      const proof = tree.proofFor(startBlock);
      expect(await manager.isBlockCommitted(1n, leaf, proof)).to.equal(false);
      expect(await manager.isBlockCommitted(0n, { ...leaf, hash: ethers.id("other") }, proof)).to.equal(false);
      expect(await manager.isBlockCommitted(0n, { ...leaf, number: leaf.number + 1n }, proof)).to.equal(false);
      expect(await manager.isBlockCommitted(0n, leaf, tree.proofFor(startBlock + 1n))).to.equal(false);
      expect(await manager.isBlockCommitted(0n, leaf, [])).to.equal(false);
    });

    it("is false for a leaf of the tree outside the checkpoint's range", async function () {
      const { manager, tree, range } = await loadFixture(withShortRange);
      const outside = range.endBlock + 1n;
      expect(await manager.isBlockCommitted(0n, tree.leafFor(range.endBlock), tree.proofFor(range.endBlock))).to.equal(
        true,
      );
      expect(await manager.isBlockCommitted(0n, tree.leafFor(outside), tree.proofFor(outside))).to.equal(false);
    });
  });

  describe("getCheckpoint", function () {
    it("returns the range, root and finality time", async function () {
      const { manager, submitted, finalizesAt } = await loadFixture(withCheckpoint);
      expect(await manager.getCheckpoint(0n)).to.deep.equal([
        submitted.startBlock,
        submitted.endBlock,
        submitted.blockRoot,
        finalizesAt,
      ]);
    });

    it("reverts for an unknown checkpoint", async function () {
      const { manager } = await loadFixture(withCheckpoint);
      await expect(manager.getCheckpoint(3n))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerUnknownCheckpoint")
        .withArgs(3n, 1n);
    });
  });

  describe("checkpointDigest", function () {
    it("is the EIP-712 digest of the checkpoint in this contract's domain, as validators sign it", async function () {
      const { manager, validators, range } = await loadFixture(withAttestation);
      const { chainId } = await ethers.provider.getNetwork();
      const domain = {
        name: DOMAIN_NAME,
        version: DOMAIN_VERSION,
        chainId,
        verifyingContract: await manager.getAddress(),
      };
      const value = { sourceChainId: await manager.sourceChainId(), ...range };
      const digest = await manager.checkpointDigest(range.startBlock, range.endBlock, range.blockRoot);
      expect(digest).to.equal(ethers.TypedDataEncoder.hash(domain, CHECKPOINT_TYPES, value));
      const signature = await signCheckpoint(manager, validators[2], range);
      expect(ethers.recoverAddress(digest, signature)).to.equal(validators[2].address);
    });

    it("differs between the two managers of the fixture and between checkpoints", async function () {
      const { manager, main, range } = await loadFixture(withAttestation);
      const digest = await manager.checkpointDigest(range.startBlock, range.endBlock, range.blockRoot);
      expect(await main.checkpointManager.checkpointDigest(range.startBlock, range.endBlock, range.blockRoot)).to.not.equal(
        digest,
      );
      expect(await manager.checkpointDigest(range.startBlock, range.endBlock + 1n, range.blockRoot)).to.not.equal(digest);
    });
  });
});
