import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Wallet } from "ethers";
import { CHALLENGER_REWARD_BPS, MIN_BOND, checkpoint, shortenChallengePeriod, signCheckpoint, treeOf } from "../helpers/fixture";
import {
  Fraud,
  SECP256K1_N,
  Status,
  deployManager,
  nextBlocks,
  rangeOf,
  signInDomain,
  splitSignatures,
  submitTree,
  toHighS,
  withSignature,
  type CheckpointRange,
  type ManagerContext,
  type Submitted,
} from "../helpers/checkpoints";

const REWARD = (MIN_BOND * BigInt(CHALLENGER_REWARD_BPS)) / 10_000n;
const FORGED_POSITION = 3;

/** Submits the next checkpoint as `proposer`, its signature at FORGED_POSITION replaced by `forge`'s. */
async function submitForged(
  ctx: ManagerContext,
  forge: (range: CheckpointRange, ctx: ManagerContext) => Promise<string> | string,
  proposer = ctx.proposer,
): Promise<Submitted> {
  const tree = treeOf(await nextBlocks(ctx.manager));
  return submitTree(ctx.side, ctx.validators, proposer, tree, {
    edit: async (signatures) => withSignature(signatures, FORGED_POSITION, await forge(rangeOf(tree), ctx)),
  });
}

function outsider(): Wallet {
  return new ethers.Wallet(ethers.id("not a validator"), ethers.provider);
}

const signedByOutsider = (range: CheckpointRange, ctx: ManagerContext) => signCheckpoint(ctx.manager, outsider(), range);

/** One checkpoint whose signature at FORGED_POSITION was made by a key outside the set. */
async function withForged() {
  const ctx = await deployManager();
  const forged = await submitForged(ctx, signedByOutsider);
  return { ...ctx, forged };
}

/** One honest checkpoint, every signature valid. */
async function withHonest() {
  const ctx = await deployManager();
  const honestCheckpoint = await submitTree(ctx.side, ctx.validators, ctx.proposer, treeOf(await nextBlocks(ctx.manager)));
  return { ...ctx, honestCheckpoint };
}

/**
 * Three checkpoints: #0 honest (proposer), #1 forged (proposer), #2 honest (the other
 * proposer), each submitted 100 seconds after the previous one.
 */
async function withChain() {
  return buildChain(await deployManager());
}

async function buildChain(ctx: ManagerContext) {
  const first = await submitTree(ctx.side, ctx.validators, ctx.proposer, treeOf(await nextBlocks(ctx.manager)));
  await time.increase(100);
  await mine(2);
  // A second pending checkpoint needs a second share of the bond.
  await ctx.manager.connect(ctx.proposer).depositBond({ value: MIN_BOND });
  const forged = await submitForged(ctx, signedByOutsider);
  await time.increase(100);
  await mine(2);
  const later = await submitTree(ctx.side, ctx.validators, ctx.honest, treeOf(await nextBlocks(ctx.manager)));
  return { ...ctx, first, forged, later };
}

/** Forgeries a challenge must expose: each signature is not the named validator's for this checkpoint here. */
const FORGERIES: { what: string; forge: (range: CheckpointRange, ctx: ManagerContext) => Promise<string> | string }[] = [
  { what: "signed by a key outside the validator set", forge: signedByOutsider },
  {
    what: "signed by another validator of the set",
    forge: (range, ctx) => signCheckpoint(ctx.manager, ctx.validators[0], range),
  },
  {
    what: "made for another checkpoint",
    forge: (range, ctx) =>
      signCheckpoint(ctx.manager, ctx.validators[FORGED_POSITION], { ...range, blockRoot: ethers.id("other root") }),
  },
  {
    what: "made for another chain id (EIP-712 domain)",
    forge: async (range, ctx) =>
      signInDomain(
        ctx.validators[FORGED_POSITION],
        { chainId: 1n, verifyingContract: await ctx.manager.getAddress() },
        await ctx.manager.sourceChainId(),
        range,
      ),
  },
  {
    what: "made for a CheckpointManager at another address (EIP-712 domain)",
    forge: (range, ctx) => signCheckpoint(ctx.main.checkpointManager, ctx.validators[FORGED_POSITION], range),
  },
  {
    what: "made for another source chain",
    forge: async (range, ctx) => {
      const { chainId } = await ethers.provider.getNetwork();
      return signInDomain(
        ctx.validators[FORGED_POSITION],
        { chainId, verifyingContract: await ctx.manager.getAddress() },
        12_345n,
        range,
      );
    },
  },
  {
    what: "the high-s twin of the validator's valid signature",
    forge: async (range, ctx) => toHighS(await signCheckpoint(ctx.manager, ctx.validators[FORGED_POSITION], range)),
  },
  { what: "garbage bytes", forge: () => ethers.hexlify(new Uint8Array(65).fill(0x11)) },
  { what: "all zeros", forge: () => ethers.hexlify(new Uint8Array(65)) },
  {
    what: "a valid signature with an invalid v",
    forge: async (range, ctx) => {
      const signature = ethers.getBytes(await signCheckpoint(ctx.manager, ctx.validators[FORGED_POSITION], range));
      signature[64] = 29;
      return ethers.hexlify(signature);
    },
  },
];

describe("CheckpointManager", function () {
  describe("challengeSignature", function () {
    it("slashes the bond when the signature is forged", async function () {
      const { manager, forged, challenger, proposer } = await loadFixture(withForged);
      const challenge = manager.connect(challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION);
      await expect(challenge)
        .to.emit(manager, "CheckpointsReverted")
        .withArgs(forged.id, 1n, challenger.address, Fraud.BadSignature);
      await expect(challenge)
        .to.emit(manager, "BondSlashed")
        .withArgs(proposer.address, challenger.address, MIN_BOND, REWARD);
      // The slashed checkpoint's share is gone, and with it its lock.
      expect(await manager.bondOf(proposer.address)).to.deep.equal([0n, 0n]);
      expect(await manager.slashedFunds()).to.equal(MIN_BOND - REWARD);
      expect(await manager.checkpointCount()).to.equal(0n);
      expect(await manager.nextStartBlock()).to.equal(forged.startBlock);
      expect(await manager.checkpointStatus(forged.id)).to.deep.equal([Status.None, 0n]);
    });

    it("pays the challenger its reward, net of gas, out of the slashed bond", async function () {
      const { manager, forged, challenger } = await loadFixture(withForged);
      const challengerBefore = await ethers.provider.getBalance(challenger.address);
      const managerBefore = await ethers.provider.getBalance(manager);
      const tx = await manager.connect(challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION);
      const receipt = await tx.wait();
      expect(await ethers.provider.getBalance(challenger.address)).to.equal(challengerBefore + REWARD - receipt!.fee);
      expect(await ethers.provider.getBalance(manager)).to.equal(managerBefore - REWARD);
    });

    for (const { what, forge } of FORGERIES) {
      it(`reverts the checkpoint and slashes when the signature is ${what}`, async function () {
        const ctx = await loadFixture(deployManager);
        const forged = await submitForged(ctx, forge);
        await expect(ctx.manager.connect(ctx.challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION))
          .to.emit(ctx.manager, "BondSlashed")
          .withArgs(ctx.proposer.address, ctx.challenger.address, MIN_BOND, REWARD);
        expect(await ctx.manager.checkpointCount()).to.equal(0n);
      });
    }

    it("slashes for a high-s signature even though raw ecrecover returns the validator", async function () {
      const ctx = await loadFixture(deployManager);
      const validator = ctx.validators[FORGED_POSITION];
      let twin = "";
      const forged = await submitForged(ctx, async (range) => {
        twin = toHighS(await signCheckpoint(ctx.manager, validator, range));
        return twin;
      });
      const digest = await ctx.manager.checkpointDigest(forged.startBlock, forged.endBlock, forged.blockRoot);
      const { r, s, v } = { r: ethers.dataSlice(twin, 0, 32), s: ethers.dataSlice(twin, 32, 64), v: ethers.dataSlice(twin, 64) };
      expect(BigInt(s)).to.be.greaterThan(SECP256K1_N / 2n);
      const recovered = await ethers.provider.call({
        to: "0x0000000000000000000000000000000000000001",
        data: ethers.concat([digest, ethers.zeroPadValue(v, 32), r, s]),
      });
      expect(ethers.getAddress(ethers.dataSlice(recovered, 12))).to.equal(validator.address);
      await expect(ctx.manager.connect(ctx.challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION))
        .to.emit(ctx.manager, "CheckpointsReverted")
        .withArgs(forged.id, 1n, ctx.challenger.address, Fraud.BadSignature);
    });

    it("reverts SignatureValid for every valid signature, leaving the checkpoint", async function () {
      const { manager, honestCheckpoint, challenger, proposer } = await loadFixture(withHonest);
      for (let position = 0; position < 4; position++) {
        await expect(manager.connect(challenger).challengeSignature(0n, honestCheckpoint.attestation, position))
          .to.be.revertedWithCustomError(manager, "CheckpointManagerSignatureValid")
          .withArgs(0n, BigInt(position));
      }
      expect(await manager.checkpointCount()).to.equal(1n);
      expect(await manager.bondOf(proposer.address)).to.deep.equal([MIN_BOND, honestCheckpoint.finalizesAt]);
    });

    it("reverts SignatureValid for a valid signature beside a forged one", async function () {
      const { manager, forged, challenger } = await loadFixture(withForged);
      await expect(manager.connect(challenger).challengeSignature(forged.id, forged.attestation, 0))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerSignatureValid")
        .withArgs(forged.id, 0n);
    });

    it("still verifies against the set of the submission after the set is replaced", async function () {
      // The set is replaced while the checkpoint is pending: proposed a delay minus a minute before it.
      const ctx = await loadFixture(deployManager);
      const { manager, validatorSet, challenger, admin } = ctx;
      await validatorSet.connect(admin).proposeValidators([outsider().address], [1n], 1n);
      await time.increase((await validatorSet.changeDelay()) - 60n);
      const forged = await submitForged(ctx, signedByOutsider);
      await time.increase(60);
      await validatorSet.activateValidators();
      expect(await validatorSet.validators()).to.deep.equal([[outsider().address], [1n]]);
      await expect(manager.connect(challenger).challengeSignature(forged.id, forged.attestation, 0))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerSignatureValid")
        .withArgs(forged.id, 0n);
      await expect(manager.connect(challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION))
        .to.emit(manager, "CheckpointsReverted")
        .withArgs(forged.id, 1n, challenger.address, Fraud.BadSignature);
    });

    it("reverts when the position is past the last signer", async function () {
      const { manager, forged, challenger } = await loadFixture(withForged);
      for (const position of [4n, ethers.MaxUint256]) {
        await expect(manager.connect(challenger).challengeSignature(forged.id, forged.attestation, position))
          .to.be.revertedWithCustomError(manager, "CheckpointManagerSignaturePositionOutOfRange")
          .withArgs(position, 4n);
      }
    });

    it("reverts when the attestation is not the one submitted", async function () {
      const { manager, forged, challenger, honest } = await loadFixture(withForged);
      const { attestation } = forged;
      const signatures = splitSignatures(attestation.signatures);
      const variants = {
        proposer: { ...attestation, proposer: honest.address },
        validators: { ...attestation, validators: [...attestation.validators].reverse() },
        signers: { ...attestation, signers: "0x00010203ff" },
        signatures: { ...attestation, signatures: ethers.concat([signatures[1], signatures[0], ...signatures.slice(2)]) },
      };
      for (const [field, variant] of Object.entries(variants)) {
        await expect(
          manager.connect(challenger).challengeSignature(forged.id, variant, FORGED_POSITION),
          `altered ${field}`,
        )
          .to.be.revertedWithCustomError(manager, "CheckpointManagerAttestationMismatch")
          .withArgs(forged.id);
      }
    });

    it("reverts for an unknown checkpoint", async function () {
      const { manager, forged, challenger } = await loadFixture(withForged);
      await expect(manager.connect(challenger).challengeSignature(1n, forged.attestation, FORGED_POSITION))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerUnknownCheckpoint")
        .withArgs(1n, 1n);
    });

    it("works one second before finalizesAt", async function () {
      const { manager, forged, challenger } = await loadFixture(withForged);
      await time.setNextBlockTimestamp(forged.finalizesAt - 1n);
      await expect(manager.connect(challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION))
        .to.emit(manager, "CheckpointsReverted")
        .withArgs(forged.id, 1n, challenger.address, Fraud.BadSignature);
    });

    it("reverts ChallengeWindowClosed from finalizesAt on, the forged checkpoint final", async function () {
      const { manager, forged, challenger, proposer } = await loadFixture(withForged);
      await time.setNextBlockTimestamp(forged.finalizesAt);
      await expect(manager.connect(challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerChallengeWindowClosed")
        .withArgs(forged.id, forged.finalizesAt);
      expect(await manager.checkpointStatus(forged.id)).to.deep.equal([Status.Final, forged.finalizesAt]);
      expect((await manager.bondOf(proposer.address))[0]).to.equal(MIN_BOND);
    });
  });

  describe("a successful challenge", function () {
    it("reverts the checkpoint and every later one, keeping the earlier ones", async function () {
      const { manager, first, forged, later, challenger } = await loadFixture(withChain);
      await expect(manager.connect(challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION))
        .to.emit(manager, "CheckpointsReverted")
        .withArgs(1n, 3n, challenger.address, Fraud.BadSignature);
      expect(await manager.checkpointCount()).to.equal(1n);
      expect(await manager.nextStartBlock()).to.equal(forged.startBlock);
      expect(await manager.checkpointStatus(0n)).to.deep.equal([Status.Pending, first.finalizesAt]);
      expect(await manager.getCheckpoint(0n)).to.deep.equal([first.startBlock, first.endBlock, first.blockRoot, first.finalizesAt]);
      for (const id of [forged.id, later.id]) {
        expect(await manager.checkpointStatus(id)).to.deep.equal([Status.None, 0n]);
        await expect(manager.getCheckpoint(id))
          .to.be.revertedWithCustomError(manager, "CheckpointManagerUnknownCheckpoint")
          .withArgs(id, 1n);
      }
      const leaf = later.tree.leafFor(later.startBlock);
      expect(await manager.isBlockCommitted(later.id, leaf, later.tree.proofFor(later.startBlock))).to.equal(false);
    });

    it("reverts an honest proposer's later checkpoint without slashing its bond", async function () {
      const { manager, forged, later, challenger, honest, proposer } = await loadFixture(withChain);
      await expect(manager.connect(challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION))
        .to.emit(manager, "BondSlashed")
        .withArgs(proposer.address, challenger.address, MIN_BOND, REWARD);
      expect(await manager.bondOf(honest.address)).to.deep.equal([MIN_BOND, later.finalizesAt]);
      expect(await manager.slashedFunds()).to.equal(MIN_BOND - REWARD);
      // The reverted checkpoint was honest: its signatures remain valid, but it is gone.
      await expect(manager.connect(challenger).challengeSignature(later.id, later.attestation, 0))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerUnknownCheckpoint")
        .withArgs(later.id, 1n);
    });

    it("gives the reverted id to the next submission, which continues from the reverted start", async function () {
      const ctx = await loadFixture(withChain);
      const { manager, forged, challenger, honest, validators, side } = ctx;
      await manager.connect(challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION);
      const resubmitted = await checkpoint({ validators, proposer: honest }, side);
      expect(resubmitted.id).to.equal(forged.id);
      expect(resubmitted.startBlock).to.equal(forged.startBlock);
      expect(await manager.checkpointCount()).to.equal(2n);
      // The reverted attestation does not match the new checkpoint at the same id.
      await expect(manager.connect(challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerAttestationMismatch")
        .withArgs(forged.id);
    });

    it("rolls the finality floor back to the last kept checkpoint", async function () {
      // A 1 s period is scheduled first, so that it applies right after the chain is built.
      const ctx = await loadFixture(deployManager);
      await ctx.manager.setChallengePeriod(1n);
      const [, activatesAt] = await ctx.manager.pendingChallengePeriod();
      await time.increaseTo(activatesAt - 1_000n);
      const { manager, first, forged, later, challenger, honest, validators, side } = await buildChain(ctx);
      await time.increaseTo(activatesAt);
      await manager.activateChallengePeriod();
      await manager.connect(challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION);
      // The reverted checkpoint #2 keeps its lock on the honest bond until its own finality time.
      expect(await manager.submissionBond(honest.address)).to.deep.equal([2n * MIN_BOND, 0n]);
      await manager.connect(honest).depositBond({ value: MIN_BOND });
      const resubmitted = await submitTree(side, validators, honest, treeOf(await nextBlocks(manager)));
      // Not the reverted checkpoints' later finality: only checkpoint #0 is still live.
      expect(resubmitted.finalizesAt).to.equal(first.finalizesAt);
      expect(resubmitted.finalizesAt).to.be.lessThan(later.finalizesAt);
    });

    it("clears the finality floor when checkpoint 0 is reverted", async function () {
      const { manager, forged, challenger, honest, validators, side } = await loadFixture(withForged);
      await manager.connect(challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION);
      await shortenChallengePeriod(manager, 60n);
      const at = BigInt(await time.latest()) + 5n;
      await time.setNextBlockTimestamp(at);
      const resubmitted = await submitTree(side, validators, honest, treeOf(await nextBlocks(manager)));
      expect(resubmitted.id).to.equal(0n);
      expect(resubmitted.finalizesAt).to.equal(at + 60n);
    });

    it("slashes the checkpoint's share, minBond, and leaves the rest of a larger bond", async function () {
      const { manager, forged, challenger, proposer } = await loadFixture(withForged);
      await manager.connect(proposer).depositBond({ value: 2n * MIN_BOND });
      await expect(manager.connect(challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION))
        .to.emit(manager, "BondSlashed")
        .withArgs(proposer.address, challenger.address, MIN_BOND, REWARD);
      expect(await manager.bondOf(proposer.address)).to.deep.equal([2n * MIN_BOND, 0n]);
      expect(await manager.slashedFunds()).to.equal(MIN_BOND - REWARD);
    });

    it("rounds the reward down and keeps the remainder", async function () {
      const { manager, forged, challenger, proposer } = await loadFixture(withForged);
      await manager.setChallengerReward(3_333);
      await manager.connect(proposer).depositBond({ value: 7n });
      await manager.setMinBond(MIN_BOND + 7n);
      const share = MIN_BOND + 7n;
      const reward = (share * 3_333n) / 10_000n;
      expect(reward * 10_000n).to.not.equal(share * 3_333n);
      await expect(manager.connect(challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION))
        .to.changeEtherBalance(manager, -reward);
      expect(await manager.slashedFunds()).to.equal(share - reward);
    });

    it("pays the whole bond to the challenger at 10,000 bps", async function () {
      const { manager, forged, challenger, proposer } = await loadFixture(withForged);
      await manager.setChallengerReward(10_000);
      const challenge = manager.connect(challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION);
      await expect(challenge)
        .to.emit(manager, "BondSlashed")
        .withArgs(proposer.address, challenger.address, MIN_BOND, MIN_BOND);
      await expect(challenge).to.changeEtherBalances([challenger, manager], [MIN_BOND, -MIN_BOND]);
      expect(await manager.slashedFunds()).to.equal(0n);
    });

    it("pays no reward and keeps the bond when the reward is zero", async function () {
      const { manager, forged, challenger, proposer } = await loadFixture(withForged);
      await manager.setChallengerReward(0);
      const challenge = manager.connect(challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION);
      await expect(challenge).to.emit(manager, "BondSlashed").withArgs(proposer.address, challenger.address, MIN_BOND, 0n);
      await expect(challenge).to.changeEtherBalance(manager, 0n);
      expect(await manager.slashedFunds()).to.equal(MIN_BOND);
    });

    it("pays the challenger of an earlier forgery after its proposer self-challenged a later one (L-2)", async function () {
      // Each pending checkpoint locks its own share: draining the bond through a later forgery
      // cannot leave the earlier one's challenger unpaid.
      const ctx = await loadFixture(deployManager);
      const { manager, challenger, proposer } = ctx;
      const firstForgery = await submitForged(ctx, signedByOutsider);
      await mine(2);
      await expect(submitForged(ctx, signedByOutsider))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerBondTooLow")
        .withArgs(proposer.address, MIN_BOND, 2n * MIN_BOND);
      await manager.connect(proposer).depositBond({ value: MIN_BOND });
      const secondForgery = await submitForged(ctx, signedByOutsider);
      await expect(manager.connect(proposer).challengeSignature(secondForgery.id, secondForgery.attestation, FORGED_POSITION))
        .to.emit(manager, "BondSlashed")
        .withArgs(proposer.address, proposer.address, MIN_BOND, REWARD);
      await expect(manager.connect(challenger).challengeSignature(firstForgery.id, firstForgery.attestation, FORGED_POSITION))
        .to.emit(manager, "BondSlashed")
        .withArgs(proposer.address, challenger.address, MIN_BOND, REWARD);
      expect(await manager.slashedFunds()).to.equal(2n * (MIN_BOND - REWARD));
      expect(await manager.bondOf(proposer.address)).to.deep.equal([0n, 0n]);
      expect(await manager.checkpointCount()).to.equal(0n);
    });

    it("splits a bond short of minBond per pending checkpoint equally, after minBond was raised", async function () {
      const ctx = await loadFixture(deployManager);
      const { manager, challenger, proposer } = ctx;
      await manager.connect(proposer).depositBond({ value: MIN_BOND });
      const firstForgery = await submitForged(ctx, signedByOutsider);
      await mine(2);
      const secondForgery = await submitForged(ctx, signedByOutsider);
      await manager.setMinBond(4n * MIN_BOND);
      // Two pending shares of a 2-minBond bond: each challenge takes one half, none is left unpaid.
      for (const forged of [secondForgery, firstForgery]) {
        await expect(manager.connect(challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION))
          .to.emit(manager, "BondSlashed")
          .withArgs(proposer.address, challenger.address, MIN_BOND, REWARD);
      }
    });

    it("lets a proposer have at most MAX_PENDING_PER_PROPOSER pending checkpoints, and one more once the oldest is final", async function () {
      const ctx = await loadFixture(deployManager);
      const { manager, proposer, validators, side } = ctx;
      const max = await manager.MAX_PENDING_PER_PROPOSER();
      expect(max).to.equal(4n);
      await manager.connect(proposer).depositBond({ value: (max - 1n) * MIN_BOND });
      const submitted = [];
      for (let i = 0n; i < max; i++) {
        expect(await manager.submissionBond(proposer.address)).to.deep.equal([(i + 1n) * MIN_BOND, 0n]);
        submitted.push(await submitTree(side, validators, proposer, treeOf(await nextBlocks(manager))));
        await time.increase(10);
        await mine();
      }
      expect(await manager.submissionBond(proposer.address)).to.deep.equal([(max + 1n) * MIN_BOND, submitted[0].finalizesAt]);
      await manager.connect(proposer).depositBond({ value: MIN_BOND });
      await expect(submitTree(side, validators, proposer, treeOf(await nextBlocks(manager))))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerTooManyPending")
        .withArgs(proposer.address, max, submitted[0].finalizesAt);
      await time.increaseTo(submitted[0].finalizesAt);
      expect(await manager.submissionBond(proposer.address)).to.deep.equal([max * MIN_BOND, 0n]);
      const next = await submitTree(side, validators, proposer, treeOf(await nextBlocks(manager)));
      expect(await manager.bondOf(proposer.address)).to.deep.equal([(max + 1n) * MIN_BOND, next.finalizesAt]);
    });

    it("leaves a slashed proposer unable to submit until it bonds again", async function () {
      const { manager, forged, challenger, proposer, validators, side } = await loadFixture(withForged);
      await manager.connect(challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION);
      await expect(submitTree(side, validators, proposer, treeOf(await nextBlocks(manager))))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerBondTooLow")
        .withArgs(proposer.address, 0n, MIN_BOND);
      await manager.connect(proposer).depositBond({ value: MIN_BOND });
      expect((await submitTree(side, validators, proposer, treeOf(await nextBlocks(manager)))).id).to.equal(0n);
    });

    it("cannot reach a checkpoint that is already final", async function () {
      // Finality is monotone along the chain, so reverting a pending checkpoint never drops a final one.
      const { manager, first, forged, later, challenger } = await loadFixture(withChain);
      expect(forged.finalizesAt).to.be.greaterThan(first.finalizesAt);
      expect(later.finalizesAt).to.be.greaterThan(forged.finalizesAt);
      await time.increaseTo(first.finalizesAt);
      await expect(manager.connect(challenger).challengeSignature(forged.id, forged.attestation, FORGED_POSITION))
        .to.emit(manager, "CheckpointsReverted")
        .withArgs(forged.id, 3n, challenger.address, Fraud.BadSignature);
      expect(await manager.checkpointStatus(0n)).to.deep.equal([Status.Final, first.finalizesAt]);
      await expect(manager.connect(challenger).challengeSignature(0n, first.attestation, 0))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerChallengeWindowClosed")
        .withArgs(0n, first.finalizesAt);
    });
  });
});
