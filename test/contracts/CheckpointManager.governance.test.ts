/**
 * M-1 of the outside review (issue 9): governance could replace the validator set at once, sign a
 * checkpoint over a made-up block with its own key (no header challenge can touch it) and drain the
 * lockbox with a forged withdrawal. Written first against the unfixed contracts, where the admin's
 * checkpoint landed in the block after the swap and became final one challenge period later.
 * Now a new set waits `changeDelay` (longer than the challenge period) in public, and the guardian
 * can cancel it.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { buildCheckpointTree } from "../../relayer/src";
import { CHALLENGE_PERIOD, VALIDATOR_CHANGE_DELAY, packValidator, signCheckpoint } from "../helpers/fixture";
import { Status, deployManager, leavesOf, nextBlocks, rangeOf, submitTree, type ManagerContext } from "../helpers/checkpoints";

const adminKey = () => new ethers.Wallet(ethers.id("the admin's own key"), ethers.provider);

/**
 * A checkpoint of the next blocks whose first leaf is a made-up block, signed by the admin's key and
 * submitted with the admin's one-validator set as its attestation.
 */
async function madeUpCheckpoint(ctx: ManagerContext) {
  const key = adminKey();
  const leaves = leavesOf(await nextBlocks(ctx.manager));
  leaves[0] = { ...leaves[0], hash: ethers.id("a block that never was"), receiptsRoot: ethers.id("forged receipts") };
  const range = rangeOf(buildCheckpointTree(leaves));
  const [id, , previous] = await ctx.manager.head();
  const signature = await signCheckpoint(ctx.manager, key, range);
  await ctx.manager.connect(ctx.proposer).submitCheckpoint(range, previous, [packValidator(key.address, 1n)], "0x00", signature);
  return { id };
}

describe("CheckpointManager under a governance key (M-1)", function () {
  it("refuses the admin's own signer until its set is activated, a full change delay after it was announced", async function () {
    const ctx = await loadFixture(deployManager);
    const { validatorSet, admin } = ctx;
    const key = adminKey();
    const proposal = validatorSet.connect(admin).proposeValidators([key.address], [1n], 1n);
    await expect(proposal).to.emit(validatorSet, "ValidatorSetChangeScheduled");
    const [activatesAt] = await validatorSet.pendingChange();

    // Until then only the current set's attestations count: the admin's checkpoint cannot land.
    const [currentHash] = await validatorSet.quorum();
    await expect(madeUpCheckpoint(ctx))
      .to.be.revertedWithCustomError(ctx.manager, "CheckpointManagerValidatorSetMismatch")
      .withArgs(currentHash, ethers.keccak256(packValidator(key.address, 1n)));
    await time.setNextBlockTimestamp(activatesAt - 1n);
    await expect(validatorSet.activateValidators()).to.be.revertedWithCustomError(validatorSet, "ValidatorSetChangeNotDue");

    // Everyone had the whole delay, longer than a challenge period, to see it coming and withdraw.
    expect(VALIDATOR_CHANGE_DELAY).to.be.greaterThan(CHALLENGE_PERIOD);
    await time.setNextBlockTimestamp(activatesAt);
    await validatorSet.activateValidators();
    const forged = await madeUpCheckpoint(ctx);
    expect((await ctx.manager.checkpointStatus(forged.id))[0]).to.equal(Status.Pending);
  });

  it("lets the guardian cancel the admin's set, after which the old validators still sign", async function () {
    const ctx = await loadFixture(deployManager);
    const { validatorSet, admin, validators } = ctx;
    await validatorSet.connect(admin).proposeValidators([adminKey().address], [1n], 1n);
    await validatorSet.connect(admin).grantRole(await validatorSet.GUARDIAN_ROLE(), ctx.guardian.address);
    await validatorSet.connect(ctx.guardian).cancelValidatorChange();
    await time.increase(VALIDATOR_CHANGE_DELAY);
    await expect(validatorSet.activateValidators()).to.be.revertedWithCustomError(validatorSet, "ValidatorSetNoPendingChange");
    await expect(madeUpCheckpoint(ctx)).to.be.revertedWithCustomError(ctx.manager, "CheckpointManagerValidatorSetMismatch");
    const honest = await submitTree(ctx.side, validators, ctx.proposer, buildCheckpointTree(leavesOf(await nextBlocks(ctx.manager))));
    expect(honest.id).to.equal(0n);
  });

  it("keeps the challenge period below the change delay, at deployment and in setChallengePeriod", async function () {
    await loadFixture(deployManager);
    const [admin] = await ethers.getSigners();
    const shortDelay = await ethers.deployContract("ValidatorSet", [admin.address, admin.address, [admin.address], [1n], 1n, 600n]);
    const factory = await ethers.getContractFactory("CheckpointManager");
    await expect(factory.deploy(admin.address, admin.address, 1n, await shortDelay.getAddress(), 1n, 600n, 1n, 0))
      .to.be.revertedWithCustomError(factory, "CheckpointManagerChallengePeriodNotBelowChangeDelay")
      .withArgs(600n, 600n);
    const manager = await factory.deploy(admin.address, admin.address, 1n, await shortDelay.getAddress(), 1n, 599n, 1n, 0);
    await expect(manager.setChallengePeriod(600n))
      .to.be.revertedWithCustomError(manager, "CheckpointManagerChallengePeriodNotBelowChangeDelay")
      .withArgs(600n, 600n);
    await manager.setChallengePeriod(1n);
  });
});
