/**
 * H-1 of the outside review (issue 9): an attacker with no validator key tries to get an honest
 * proposer slashed through the checkpoint it builds on.
 *   Variant A: the attacker's C1 commits real blocks and, at its last height, a dropped fork's
 *   block that links to the one before, under forged signatures. The honest C2 continues the real
 *   chain, so C2's first block does not link to C1's last: a cross-boundary challenge of C2.
 *   Variant B: C1 is real (forged signatures). While the honest C2 waits in the mempool the
 *   attacker self-challenges C1 and resubmits its range ending with the dropped block; C2 then
 *   lands on the swapped predecessor and is challenged the same way.
 * Written first against the unfixed contract, where both attacks slashed the honest proposer.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { mine } from "@nomicfoundation/hardhat-network-helpers";
import type { Wallet } from "ethers";
import { buildCheckpointTree } from "../../relayer/src";
import { MIN_BOND, attest, signCheckpoint } from "../helpers/fixture";
import {
  Fraud,
  NO_ATTESTATION,
  deployManager,
  leavesOf,
  mineDroppedFork,
  nextBlocks,
  rangeOf,
  reveal,
  submitTree,
  type ManagerContext,
} from "../helpers/checkpoints";

/** Keys outside the validator set, one per validator: what an attacker without any key signs with. */
function impostors(count: number): Wallet[] {
  return [...Array(count).keys()].map((i) => new ethers.Wallet(ethers.id(`impostor ${i}`), ethers.provider));
}

/** Replaces every signature by an impostor's: the signer indices still claim the whole set. */
async function forgeAll(ctx: ManagerContext, range: ReturnType<typeof rangeOf>): Promise<string> {
  const signatures = await Promise.all(impostors(ctx.validators.length).map((key) => signCheckpoint(ctx.manager, key, range)));
  return ethers.concat(signatures);
}

describe("CheckpointManager", function () {
  describe("a forged predecessor (H-1)", function () {
    it("variant A: a break against a pending predecessor with a forged signature is the predecessor's, not the honest proposer's", async function () {
      const ctx = await deployManager();
      const { manager, proposer: attacker, honest } = ctx;
      const { dropped, kept } = await mineDroppedFork(1);
      const h = BigInt(kept[0].number);
      await mine(2);

      // C1: real blocks up to h - 1, then the dropped block at h, which links to h - 1.
      const realUpToH = await nextBlocks(manager, h);
      const c1Tree = buildCheckpointTree(leavesOf([...realUpToH.slice(0, -1), dropped[0]]));
      const c1 = await submitTree(ctx.side, ctx.validators, attacker, c1Tree, { edit: () => forgeAll(ctx, rangeOf(c1Tree)) });

      // C2: the honest proposer continues the real chain from h + 1, naming C1 as its predecessor.
      const c2Blocks = await nextBlocks(manager);
      const c2 = await submitTree(ctx.side, ctx.validators, honest, buildCheckpointTree(leavesOf(c2Blocks)));

      const challenge = manager
        .connect(attacker)
        .challengeHeaderChain(c2.id, c2.attestation, c1.attestation, reveal(c1.tree, h, dropped[0]), reveal(c2.tree, h + 1n, c2Blocks[0]));
      await expect(challenge).to.emit(manager, "CheckpointsReverted").withArgs(c1.id, 2n, attacker.address, Fraud.BadSignature);
      await expect(challenge).to.emit(manager, "BondSlashed").withArgs(attacker.address, attacker.address, MIN_BOND, MIN_BOND / 2n);
      expect((await manager.bondOf(honest.address))[0], "the honest bond is intact").to.equal(MIN_BOND);
      expect(await manager.checkpointCount()).to.equal(0n);
    });

    it("variant A: the same break against a pending predecessor whose signatures are valid is the later checkpoint's", async function () {
      // The other half of the rule: a made-up first block after an honest checkpoint is still fraud.
      const ctx = await deployManager();
      const { manager, proposer: honest, honest: attacker, challenger } = ctx;
      const { dropped, kept } = await mineDroppedFork(2);
      const c1Blocks = await nextBlocks(manager, BigInt(kept[0].number));
      const c1 = await submitTree(ctx.side, ctx.validators, honest, buildCheckpointTree(leavesOf(c1Blocks)));
      const c2 = await submitTree(ctx.side, ctx.validators, attacker, buildCheckpointTree(leavesOf([dropped[1]])));
      const parent = reveal(c1.tree, c1.endBlock, c1Blocks[c1Blocks.length - 1]);
      const child = reveal(c2.tree, c2.startBlock, dropped[1]);
      await expect(manager.connect(challenger).challengeHeaderChain(c2.id, c2.attestation, c1.attestation, parent, child))
        .to.emit(manager, "CheckpointsReverted")
        .withArgs(c2.id, 2n, challenger.address, Fraud.BrokenHeaderChain);
      expect((await manager.bondOf(honest.address))[0]).to.equal(MIN_BOND);
      expect((await manager.bondOf(attacker.address))[0]).to.equal(0n);
    });

    it("variant B: a submission built on a checkpoint that was swapped meanwhile reverts instead of landing", async function () {
      const ctx = await deployManager();
      const { manager, proposer: attacker, honest } = ctx;
      const { dropped, kept } = await mineDroppedFork(1);
      const h = BigInt(kept[0].number);
      await mine(2);

      // C1: the real blocks through h, under forged signatures.
      const realUpToH = await nextBlocks(manager, h);
      const realTree = buildCheckpointTree(leavesOf(realUpToH));
      const c1 = await submitTree(ctx.side, ctx.validators, attacker, realTree, { edit: () => forgeAll(ctx, rangeOf(realTree)) });

      // The honest proposer checks C1's blocks (they are real) and signs C2 on top of it ...
      const c2Blocks = await nextBlocks(manager);
      const c2Range = rangeOf(buildCheckpointTree(leavesOf(c2Blocks)));
      const signed = await attest(ctx.side, ctx.validators, [0, 1, 2, 3], c2Range);
      const [, , builtOn] = await manager.head();
      expect(builtOn).to.equal(c1.blockRoot);

      // ... while its transaction waits, the attacker swaps C1 for the same range ending with the dropped block.
      await manager.connect(attacker).challengeSignature(c1.id, c1.attestation, 0);
      await manager.connect(attacker).depositBond({ value: MIN_BOND });
      const swapTree = buildCheckpointTree(leavesOf([...realUpToH.slice(0, -1), dropped[0]]));
      const swapped = await submitTree(ctx.side, ctx.validators, attacker, swapTree, { edit: () => forgeAll(ctx, rangeOf(swapTree)) });
      expect(swapped.startBlock).to.equal(c1.startBlock);

      await expect(manager.connect(honest).submitCheckpoint(c2Range, builtOn, signed.packed, signed.signers, signed.signatures))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerUnexpectedPredecessor")
        .withArgs(swapped.blockRoot, c1.blockRoot);
      expect(await manager.checkpointCount()).to.equal(1n);
      expect((await manager.bondOf(honest.address))[0]).to.equal(MIN_BOND);
    });
  });

  describe("submitCheckpoint names its predecessor", function () {
    it("accepts zero before the first checkpoint and the last block root after it, and reports both in head()", async function () {
      const ctx = await deployManager();
      const { manager } = ctx;
      expect(await manager.head()).to.deep.equal([0n, await manager.nextStartBlock(), ethers.ZeroHash]);
      const first = await submitTree(ctx.side, ctx.validators, ctx.proposer, buildCheckpointTree(leavesOf(await nextBlocks(manager))));
      expect(await manager.head()).to.deep.equal([1n, first.endBlock + 1n, first.blockRoot]);
      await mine();
      const second = await submitTree(ctx.side, ctx.validators, ctx.honest, buildCheckpointTree(leavesOf(await nextBlocks(manager))));
      expect(await manager.head()).to.deep.equal([2n, second.endBlock + 1n, second.blockRoot]);
    });

    it("reverts UnexpectedPredecessor for zero, an older root or any other root after the first checkpoint", async function () {
      const ctx = await deployManager();
      const { manager } = ctx;
      await manager.connect(ctx.proposer).depositBond({ value: 2n * MIN_BOND });
      const first = await submitTree(ctx.side, ctx.validators, ctx.proposer, buildCheckpointTree(leavesOf(await nextBlocks(manager))));
      await mine();
      const tree = buildCheckpointTree(leavesOf(await nextBlocks(manager)));
      const second = await submitTree(ctx.side, ctx.validators, ctx.proposer, tree);
      await mine();
      const next = buildCheckpointTree(leavesOf(await nextBlocks(manager)));
      for (const named of [ethers.ZeroHash, first.blockRoot, next.root, ethers.id("another root")]) {
        await expect(submitTree(ctx.side, ctx.validators, ctx.proposer, next, { previousBlockRoot: named }))
          .to.be.revertedWithCustomError(manager, "CheckpointManagerUnexpectedPredecessor")
          .withArgs(second.blockRoot, named);
      }
    });

    it("reverts UnexpectedPredecessor for a non-zero root before the first checkpoint", async function () {
      const ctx = await deployManager();
      const tree = buildCheckpointTree(leavesOf(await nextBlocks(ctx.manager)));
      await expect(submitTree(ctx.side, ctx.validators, ctx.proposer, tree, { previousBlockRoot: tree.root }))
        .to.be.revertedWithCustomError(ctx.manager, "CheckpointManagerUnexpectedPredecessor")
        .withArgs(ethers.ZeroHash, tree.root);
    });

    it("names the checkpoint before a reverted one again after the revert", async function () {
      const ctx = await deployManager();
      const { manager, challenger } = ctx;
      const first = await submitTree(ctx.side, ctx.validators, ctx.proposer, buildCheckpointTree(leavesOf(await nextBlocks(manager))));
      await mine();
      const tree = buildCheckpointTree(leavesOf(await nextBlocks(manager)));
      const forged = await submitTree(ctx.side, ctx.validators, ctx.honest, tree, { edit: () => forgeAll(ctx, rangeOf(tree)) });
      await manager.connect(challenger).challengeSignature(forged.id, forged.attestation, 0);
      expect(await manager.head()).to.deep.equal([1n, forged.startBlock, first.blockRoot]);
      await manager.connect(ctx.honest).depositBond({ value: MIN_BOND });
      await expect(submitTree(ctx.side, ctx.validators, ctx.honest, tree, { previousBlockRoot: forged.blockRoot }))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerUnexpectedPredecessor")
        .withArgs(first.blockRoot, forged.blockRoot);
      const again = await submitTree(ctx.side, ctx.validators, ctx.honest, tree);
      expect(again.id).to.equal(1n);
    });
  });

  describe("challengeHeaderChain inside one checkpoint", function () {
    it("ignores the previous attestation", async function () {
      const ctx = await deployManager();
      const { dropped, kept } = await mineDroppedFork(2);
      const blocks = [...(await nextBlocks(ctx.manager)).slice(0, -1), dropped[1]];
      const bad = await submitTree(ctx.side, ctx.validators, ctx.proposer, buildCheckpointTree(leavesOf(blocks)));
      const parent = reveal(bad.tree, BigInt(kept[0].number), kept[0]);
      const child = reveal(bad.tree, BigInt(dropped[1].number), dropped[1]);
      for (const previous of [NO_ATTESTATION, bad.attestation]) {
        await expect(ctx.manager.connect(ctx.challenger).challengeHeaderChain.staticCall(bad.id, bad.attestation, previous, parent, child)).to.not.be.reverted;
      }
    });
  });
});
