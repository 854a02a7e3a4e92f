import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { attest, checkpoint, fetchBlocks, makeValidators, packValidator, signCheckpoint, treeOf } from "../helpers/fixture";
import { Lane as MessageLane, MessageStatus, mined, sentMessages } from "../helpers/bridges";
import { rangeOf, withSignature } from "../helpers/checkpoints";
import { joinNative, nextEpoch, stakeConfig, toEpoch, UNBONDING } from "../helpers/staking";
import { SET_DELAY, STAKE, activateWhenDue, asChainSide, deployRotation, joinValidators, type RotationContext } from "../helpers/rotation";

/** Four validators staked in epoch 0, and the clock at the start of epoch 1. */
async function stakedFixture() {
  const ctx = await deployRotation();
  const keys = await joinValidators(ctx, 4, "set", [STAKE, 2n * STAKE, 3n * STAKE, 4n * STAKE]);
  await nextEpoch(ctx.stakeManager);
  return { ...ctx, keys };
}

/** A set as mutable arrays: ethers freezes results, and encoding them again needs copies. */
function plainSet([signers, powers, threshold]: [string[], bigint[], bigint]): [string[], bigint[], bigint] {
  return [[...signers], [...powers], threshold];
}

/** Rotates the current epoch and returns the mined receipt. */
async function rotate(ctx: RotationContext) {
  return mined(ctx.stakeManager.rotateValidatorSet(await ctx.stakeManager.currentEpoch()));
}

/** Signs and submits a checkpoint of the latest blocks on `side`, naming `packed` as the set. */
async function submitWith(ctx: RotationContext, side: RotationContext["main"], packed: string[], signers: typeof ctx.bootstrap, indices: number[]) {
  const blocks = await fetchBlocks(await side.checkpointManager.nextStartBlock(), BigInt(await ethers.provider.getBlockNumber()));
  const range = rangeOf(treeOf(blocks));
  const signatures = await Promise.all(indices.map((i) => signCheckpoint(side.checkpointManager, signers[i], range)));
  const [, , previous] = await side.checkpointManager.head();
  return side.checkpointManager
    .connect(ctx.proposer)
    .submitCheckpoint(range, previous, packed, ethers.hexlify(Uint8Array.from(indices)), ethers.concat(signatures));
}

describe("Validator set rotation", () => {
  describe("StakeManager.rotateValidatorSet", () => {
    it("schedules the epoch's snapshot of signer keys on the main chain and sends the same set to the child set", async () => {
      const ctx = await loadFixture(stakedFixture);
      const { stakeManager, main, child } = ctx;
      const [signers, powers, threshold] = await stakeManager.validatorSetAt(1n);
      const receipt = await rotate(ctx);

      expect(signers).to.deep.equal(ctx.keys.map((k) => k.address));
      const [activatesAt, setHash, pendingSigners, pendingPowers, pendingThreshold] = await main.validatorSet.pendingChange();
      expect(activatesAt).to.equal(BigInt((await ethers.provider.getBlock(receipt.blockNumber))!.timestamp) + SET_DELAY);
      expect(pendingSigners).to.deep.equal(signers);
      expect(pendingPowers).to.deep.equal(powers);
      expect(pendingThreshold).to.equal(threshold);
      expect(setHash).to.equal(ethers.keccak256(ethers.concat(signers.map((s, i) => packValidator(s, powers[i])))));
      expect(await main.validatorSet.stakeEpoch()).to.equal(1n);

      const [message] = await sentMessages(main.messenger, receipt);
      const gasLimit = (await stakeManager.ROTATION_GAS_BASE()) + 4n * (await stakeManager.ROTATION_GAS_PER_VALIDATOR());
      expect(message.sender).to.equal(await stakeManager.getAddress());
      expect(message.target).to.equal(await child.validatorSet.getAddress());
      expect(message.gasLimit).to.equal(gasLimit);
      expect(message.data).to.equal(child.validatorSet.interface.encodeFunctionData("applyValidatorSet", [1n, signers, powers, threshold]));
      await expect(receipt).to.emit(stakeManager, "ValidatorSetRotated").withArgs(1n, await child.messenger.incomingMessageId(message), 4n, gasLimit);
      await expect(receipt).to.emit(main.validatorSet, "StakeEpochScheduled").withArgs(1n, setHash);
    });

    it("rotates each epoch once, only the epoch under way, and never to an empty set", async () => {
      const ctx = await loadFixture(stakedFixture);
      const { stakeManager, main } = ctx;
      await rotate(ctx);
      await expect(stakeManager.rotateValidatorSet(1n)).to.be.revertedWithCustomError(main.validatorSet, "EpochValidatorSetEpochNotNewer").withArgs(1n, 1n);
      await expect(stakeManager.rotateValidatorSet(2n)).to.be.revertedWithCustomError(stakeManager, "StakeManagerEpochNotCurrent").withArgs(2n, 1n);
      await nextEpoch(stakeManager);
      // A stale epoch's validators may have left with their stake: only the current one rotates.
      await expect(stakeManager.rotateValidatorSet(1n)).to.be.revertedWithCustomError(stakeManager, "StakeManagerEpochNotCurrent").withArgs(1n, 2n);

      const empty = await deployRotation();
      await nextEpoch(empty.stakeManager);
      await expect(empty.stakeManager.rotateValidatorSet(1n)).to.be.revertedWithCustomError(empty.stakeManager, "StakeManagerEmptySet").withArgs(1n);
    });

    it("accepts snapshots only from the StakeManager, and a change delay that fits its epochs", async () => {
      const ctx = await loadFixture(stakedFixture);
      const { stakeManager, main, stranger } = ctx;
      const [signers, powers, threshold] = plainSet(await stakeManager.validatorSetAt(1n));
      await expect(main.validatorSet.connect(stranger).applyValidatorSet(9n, signers, powers, threshold))
        .to.be.revertedWithCustomError(main.validatorSet, "StakedValidatorSetNotStakeManager")
        .withArgs(stranger.address, await stakeManager.getAddress());
      await expect(stakeManager.connect(stranger).setRotation(stranger.address, stranger.address, stranger.address)).to.be.revertedWithCustomError(
        stakeManager,
        "AccessControlUnauthorizedAccount",
      );
      const unwired = await ethers.deployContract("StakeManager", [ctx.admin.address, stakeConfig(), [0, 1].map(() => ({ chainId: ctx.chainId, manager: ethers.ZeroAddress }))]);
      await expect(unwired.rotateValidatorSet(0n)).to.be.revertedWithCustomError(unwired, "StakeManagerRotationNotWired");

      // A delay of an epoch or more: each rotation would replace the last before it could take effect.
      const epoch = await stakeManager.epochLength();
      await expect(
        ethers.deployContract("StakedValidatorSet", [ctx.admin.address, ctx.admin.address, await stakeManager.getAddress(), signers, powers, threshold, epoch]),
      )
        .to.be.revertedWithCustomError(main.validatorSet, "StakedValidatorSetInvalidChangeDelay")
        .withArgs(epoch, epoch, await stakeManager.setChangeDelay());
    });
  });

  describe("wiring", () => {
    it("refuses zero addresses, and a second Messenger for the child set", async () => {
      const ctx = await loadFixture(stakedFixture);
      const { stakeManager, child, admin, stranger } = ctx;
      const zero = ethers.ZeroAddress;
      await expect(stakeManager.setRotation(zero, stranger.address, stranger.address)).to.be.revertedWithCustomError(stakeManager, "StakeManagerZeroAddress");
      await expect(stakeManager.setRotation(stranger.address, stranger.address, zero)).to.be.revertedWithCustomError(stakeManager, "StakeManagerZeroAddress");
      const bootstrap = [ctx.bootstrap.map((v) => v.address), ctx.bootstrap.map(() => 1n), 3n];
      for (const [name, args, error] of [
        ["ChildValidatorSet", [admin.address, zero, zero, ...bootstrap, 7_200n], "EpochValidatorSetZeroStakeManager"],
        ["ChildValidatorSet", [zero, zero, stranger.address, ...bootstrap, 7_200n], "ValidatorSetZeroAdmin"],
      ] as const) {
        await expect(ethers.deployContract(name, [...args])).to.be.revertedWithCustomError(child.validatorSet, error);
      }
      await expect(child.validatorSet.setMessenger(zero)).to.be.revertedWithCustomError(child.validatorSet, "ChildValidatorSetZeroMessenger");
      await expect(child.validatorSet.setMessenger(stranger.address))
        .to.be.revertedWithCustomError(child.validatorSet, "ChildValidatorSetMessengerAlreadySet")
        .withArgs(await child.messenger.getAddress());
      await expect(child.validatorSet.connect(stranger).setMessenger(stranger.address)).to.be.revertedWithCustomError(child.validatorSet, "AccessControlUnauthorizedAccount");
    });
  });

  describe("activation delay (flash-loan style)", () => {
    it("stake that arrives in the current epoch cannot sign a quorum, through a real submission", async () => {
      const ctx = await loadFixture(stakedFixture);
      const { stakeManager, main, keys } = ctx;
      await rotate(ctx);
      await activateWhenDue(main.validatorSet);
      // The rotated set signs with the snapshot's powers: 2 + 4 of 10 is not enough, all of it is.
      const rotated = [...(await main.validatorSet.packedValidators())];
      await expect(submitWith(ctx, main, rotated, keys, [1, 3])).to.be.revertedWithCustomError(main.checkpointManager, "CheckpointManagerQuorumNotReached");
      await checkpoint({ validators: keys, proposer: ctx.proposer }, asChainSide(main), undefined, 4);

      // The attacker borrows ten times the whole set's stake and joins in epoch 1.
      const [attackerKey] = makeValidators(1, "rotation/attacker");
      const attacker = ctx.owners[10];
      await joinNative(stakeManager, attacker, attackerKey, 100n * STAKE);
      expect(await stakeManager.powerAt(attacker.address, 1n)).to.equal(0n);
      // Epoch 1 was rotated already and cannot be rotated again with the new stake in it.
      await expect(stakeManager.rotateValidatorSet(1n)).to.be.revertedWithCustomError(main.validatorSet, "EpochValidatorSetEpochNotNewer");
      // A set that names the attacker's key with its stake is not the set: refused before any signature counts.
      const forgedSet = [...rotated, packValidator(attackerKey.address, 100n * STAKE)].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      const position = forgedSet.indexOf(packValidator(attackerKey.address, 100n * STAKE));
      const signers = forgedSet.map((e) => (e === forgedSet[position] ? attackerKey : keys.find((k) => BigInt(e) >> 96n === BigInt(k.address))!));
      await expect(submitWith(ctx, main, forgedSet, signers, [position])).to.be.revertedWithCustomError(main.checkpointManager, "CheckpointManagerValidatorSetMismatch");
      // Nor can the loan be repaid: unstaked stake waits the unbonding delay.
      await stakeManager.connect(attacker).unstake(100n * STAKE);
      await expect(stakeManager.connect(attacker).withdraw(attacker.address)).to.be.revertedWithCustomError(stakeManager, "StakeManagerStillUnbonding");
    });
  });

  describe("rotation to the child chain", () => {
    it("reaches the child set only as a proven message from the StakeManager, in epoch order, then waits the delay", async () => {
      const ctx = await loadFixture(stakedFixture);
      const { stakeManager, main, child, stranger, bootstrap } = ctx;
      const first = await rotate(ctx);
      await nextEpoch(stakeManager);
      const second = await rotate(ctx);
      const [signers, powers, threshold] = plainSet(await stakeManager.validatorSetAt(2n));
      // Anyone can send a message to the child set; only the StakeManager's count.
      const call = child.validatorSet.interface.encodeFunctionData("applyValidatorSet", [3n, signers, powers, threshold]);
      const spoofed = await mined(main.messenger.connect(stranger).sendMessage(await child.validatorSet.getAddress(), call, 1_000_000n));
      await expect(child.validatorSet.connect(stranger).applyValidatorSet(3n, signers, powers, threshold))
        .to.be.revertedWithCustomError(child.validatorSet, "ChildValidatorSetNotMessenger")
        .withArgs(stranger.address, await child.messenger.getAddress());

      // The child's checkpoints of the main chain are still signed by the bootstrap set.
      const lane = new MessageLane({ validators: bootstrap, proposer: ctx.proposer }, asChainSide(main), asChainSide(child));
      // With the least gas the Messenger lets a relay have: the message's gas limit is enough for the call.
      await lane.relay(second, 0, "least");
      const [secondMessage] = await sentMessages(main.messenger, second);
      expect(await lane.statusOf(secondMessage)).to.equal(MessageStatus.Relayed);
      expect(await child.validatorSet.stakeEpoch()).to.equal(2n);
      for (const [receipt, error] of [
        [first, "EpochValidatorSetEpochNotNewer"],
        [spoofed, "ChildValidatorSetWrongRemoteSender"],
      ] as const) {
        const tx = await lane.relay(receipt);
        const [message] = await sentMessages(main.messenger, receipt);
        expect(await lane.statusOf(message)).to.equal(MessageStatus.Failed);
        await expect(tx).to.emit(child.messenger, "MessageFailed").withArgs(
          await lane.idOf(message),
          message.nonce,
          message.target,
          child.validatorSet.interface.encodeErrorResult(error, error === "EpochValidatorSetEpochNotNewer" ? [1n, 2n] : [stranger.address, await stakeManager.getAddress()]),
        );
      }

      const [activatesAt, setHash] = await child.validatorSet.pendingChange();
      await expect(child.validatorSet.activateValidators()).to.be.revertedWithCustomError(child.validatorSet, "ValidatorSetChangeNotDue").withArgs(activatesAt);
      await activateWhenDue(child.validatorSet);
      await activateWhenDue(main.validatorSet);
      const [childHash] = await child.validatorSet.quorum();
      expect(childHash).to.equal(setHash);
      expect((await main.validatorSet.quorum())[0]).to.equal(childHash);
    });
  });

  describe("checkpoints across a rotation", () => {
    it("checks a checkpoint signed by the old set during the delay against the old set, after the new one is active", async () => {
      const ctx = await loadFixture(stakedFixture);
      const { main, bootstrap, stranger } = ctx;
      await rotate(ctx);
      const [activatesAt] = await main.validatorSet.pendingChange();
      const oldSet = [...(await main.validatorSet.packedValidators())];

      // During the delay the old set is the set: one honest checkpoint, then one with a forged signature.
      await time.setNextBlockTimestamp(activatesAt - 100n);
      const honest = await checkpoint({ validators: bootstrap, proposer: ctx.proposer }, asChainSide(main), undefined, 3);
      const blocks = await fetchBlocks(honest.endBlock + 1n, BigInt(await ethers.provider.getBlockNumber()));
      const range = rangeOf(treeOf(blocks));
      const signed = await attest(asChainSide(main), bootstrap, [0, 1, 2], range);
      const forged = withSignature(signed.signatures, 1, await signCheckpoint(main.checkpointManager, makeValidators(1, "rotation/outsider")[0], range));
      await main.checkpointManager.connect(ctx.proposer).submitCheckpoint(range, honest.blockRoot, oldSet, signed.signers, forged);
      const id = honest.id + 1n;

      await activateWhenDue(main.validatorSet);
      expect((await main.validatorSet.packedValidators())[0]).to.not.equal(oldSet[0]);
      expect((await main.checkpointManager.checkpointStatus(id))[0]).to.equal(1n);
      // The attestation commits to the hash of the set that signed: the new set does not match it.
      const newSet = [...(await main.validatorSet.packedValidators())];
      const withNewSet = { proposer: ctx.proposer.address, validators: newSet, signers: signed.signers, signatures: forged };
      await expect(main.checkpointManager.connect(stranger).challengeSignature(id, withNewSet, 1))
        .to.be.revertedWithCustomError(main.checkpointManager, "CheckpointManagerAttestationMismatch")
        .withArgs(id);
      const withOldSet = { ...withNewSet, validators: oldSet };
      await expect(main.checkpointManager.connect(stranger).challengeSignature(id, withOldSet, 0))
        .to.be.revertedWithCustomError(main.checkpointManager, "CheckpointManagerSignatureValid")
        .withArgs(id, 0);
      await expect(main.checkpointManager.connect(stranger).challengeSignature(id, withOldSet, 1))
        .to.emit(main.checkpointManager, "CheckpointsReverted")
        .withArgs(id, id + 1n, stranger.address, 0);
      // The honest one, signed by the same old set, becomes final untouched.
      await time.increaseTo((await main.checkpointManager.getCheckpoint(honest.id))[3]);
      expect((await main.checkpointManager.checkpointStatus(honest.id))[0]).to.equal(2n);
    });
  });

  describe("unbonding", () => {
    it("cannot finish before the last checkpoint the validator could sign is final", async () => {
      const ctx = await deployRotation();
      const { stakeManager, main } = ctx;
      const keys = await joinValidators(ctx, 4, "unbonding");
      const leaver = ctx.owners[0];
      // The tightest case: it unstakes at the first second of epoch 1, whose set still holds its power.
      await toEpoch(stakeManager, 1n);
      await stakeManager.connect(leaver).unstake(STAKE);
      await rotate(ctx);
      await activateWhenDue(main.validatorSet);
      await nextEpoch(stakeManager);
      await rotate(ctx);
      const [signersOfEpoch2] = await stakeManager.validatorSetAt(2n);
      expect(signersOfEpoch2).to.not.include(keys[0].address);

      // The last moment epoch 1's set is in force on the main chain: the leaver still signs.
      const [activatesAt] = await main.validatorSet.pendingChange();
      await time.setNextBlockTimestamp(activatesAt - 1n);
      const last = await checkpoint({ validators: keys, proposer: ctx.proposer }, asChainSide(main), undefined, 4);
      await activateWhenDue(main.validatorSet);
      const [, , , finalizesAt] = await main.checkpointManager.getCheckpoint(last.id);
      const { withdrawableAt } = await stakeManager.getValidator(leaver.address);
      expect(withdrawableAt).to.equal((await stakeManager.epochStart(1n)) + UNBONDING);
      expect(withdrawableAt).to.be.greaterThan(finalizesAt);

      await time.setNextBlockTimestamp(finalizesAt - 1n);
      await expect(stakeManager.connect(leaver).withdraw(leaver.address))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerStillUnbonding")
        .withArgs(leaver.address, withdrawableAt);
      expect((await main.checkpointManager.checkpointStatus(last.id))[0]).to.equal(1n);
      await time.setNextBlockTimestamp(withdrawableAt);
      await expect(stakeManager.connect(leaver).withdraw(leaver.address)).to.emit(stakeManager, "Withdrawn").withArgs(leaver.address, leaver.address, STAKE);
      expect((await main.checkpointManager.checkpointStatus(last.id))[0]).to.equal(2n);
    });
  });
});
