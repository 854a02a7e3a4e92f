import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { CHALLENGE_PERIOD } from "../helpers/fixture";
import {
  BPS,
  EPOCH,
  Lane,
  MIN_STAKE,
  SET_CHANGE_DELAY,
  Status,
  THRESHOLD_BPS,
  UNBONDING,
  deployStaking,
  freshKeys,
  joinNative,
  nextEpoch,
  signerProof,
  stakeConfig,
  toEpoch,
  type StakingContext,
} from "../helpers/staking";

const STAKE = ethers.parseEther("10");
const MAX_UINT64 = 2n ** 64n - 1n;

/** Owners 0..n-1 join in the current epoch with the fixture's validator keys, `stakes[i]` each. */
async function joinAll(ctx: StakingContext, stakes: bigint[]) {
  for (let i = 0; i < stakes.length; i++) await joinNative(ctx.stakeManager, ctx.owners[i], ctx.signers[i], stakes[i]);
}

function expectedThreshold(total: bigint, bps = BigInt(THRESHOLD_BPS)): bigint {
  const t = (total * bps) / BPS + 1n;
  return t > total ? total : t;
}

describe("StakeManager", () => {
  describe("deployment", () => {
    it("starts epoch 0 at deployment and records every parameter with an event", async () => {
      const { stakeManager, lanes } = await loadFixture(deployStaking);
      const deployTx = stakeManager.deploymentTransaction()!;
      const block = await ethers.provider.getBlock((await deployTx.wait())!.blockNumber);
      expect(await stakeManager.genesis()).to.equal(block!.timestamp);
      expect(await stakeManager.currentEpoch()).to.equal(0n);
      expect(await stakeManager.epochStart(3n)).to.equal(BigInt(block!.timestamp) + 3n * EPOCH);
      expect(await stakeManager.unbondingDelay()).to.equal(UNBONDING);
      expect(await stakeManager.thresholdBpsAt(0n)).to.equal(THRESHOLD_BPS);
      expect((await stakeManager.laneDomain(Lane.Child)).manager).to.equal(lanes[1].manager);
      await expect(deployTx).to.emit(stakeManager, "LaneUpdated").withArgs(Lane.Main, lanes[0].chainId, lanes[0].manager);
      await expect(deployTx).to.emit(stakeManager, "LaneUpdated").withArgs(Lane.Child, lanes[1].chainId, lanes[1].manager);
      await expect(deployTx).to.emit(stakeManager, "ThresholdUpdated").withArgs(THRESHOLD_BPS, 0n);
      await expect(deployTx).to.emit(stakeManager, "MinStakeUpdated").withArgs(MIN_STAKE);
      await expect(deployTx).to.emit(stakeManager, "MaxValidatorsUpdated").withArgs(8);
      await expect(deployTx).to.emit(stakeManager, "SlashingUpdated");
      await expect(deployTx)
        .to.emit(stakeManager, "UnbondingDelayUpdated")
        .withArgs(UNBONDING, CHALLENGE_PERIOD, SET_CHANGE_DELAY);
    });

    it("refuses an unbonding delay not longer than an epoch plus the challenge period plus the set-change delay", async () => {
      const { admin, lanes, stakeManager } = await loadFixture(deployStaking);
      const minimum = EPOCH + CHALLENGE_PERIOD + SET_CHANGE_DELAY;
      const factory = await ethers.getContractFactory("StakeManager");
      await expect(factory.deploy(admin.address, stakeConfig({ unbondingDelay: minimum }), lanes))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerUnbondingTooShort")
        .withArgs(minimum, minimum);
      await factory.deploy(admin.address, stakeConfig({ unbondingDelay: minimum + 1n }), lanes);
      await expect(factory.deploy(admin.address, stakeConfig({ challengePeriod: 0n }), lanes)).to.be.revertedWithCustomError(
        stakeManager,
        "StakeManagerZeroChallengePeriod",
      );
      await expect(factory.deploy(admin.address, stakeConfig({ unbondingDelay: 366n * 86_400n }), lanes)).to.be.revertedWithCustomError(
        stakeManager,
        "StakeManagerUnbondingTooLong",
      );
    });

    it("refuses a threshold of zero, of half the power or less, or above the whole", async () => {
      const { admin, lanes, stakeManager } = await loadFixture(deployStaking);
      const factory = await ethers.getContractFactory("StakeManager");
      for (const bps of [0, 1, 5_000, 10_001]) {
        await expect(factory.deploy(admin.address, stakeConfig({ thresholdBps: bps }), lanes))
          .to.be.revertedWithCustomError(stakeManager, "StakeManagerInvalidThreshold")
          .withArgs(bps);
      }
      await factory.deploy(admin.address, stakeConfig({ thresholdBps: 5_001 }), lanes);
      await factory.deploy(admin.address, stakeConfig({ thresholdBps: 10_000 }), lanes);
    });

    it("refuses bad bounds, slashing shares, epochs, lanes and zero addresses", async () => {
      const { admin, lanes, stakeManager } = await loadFixture(deployStaking);
      const factory = await ethers.getContractFactory("StakeManager");
      const deploy = (o: Parameters<typeof stakeConfig>[0], l = lanes, a = admin.address) => factory.deploy(a, stakeConfig(o), l);
      await expect(deploy({ minStake: 0n })).to.be.revertedWithCustomError(stakeManager, "StakeManagerZeroMinStake");
      await expect(deploy({ maxValidators: 0 })).to.be.revertedWithCustomError(stakeManager, "StakeManagerInvalidMaxValidators");
      await expect(deploy({ maxValidators: 257 }))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerInvalidMaxValidators")
        .withArgs(257, 256);
      await expect(deploy({ slashBps: 0 })).to.be.revertedWithCustomError(stakeManager, "StakeManagerInvalidSlashing");
      await expect(deploy({ slashBps: 10_001 })).to.be.revertedWithCustomError(stakeManager, "StakeManagerInvalidSlashing");
      // A reporter paid the whole slash would let a validator report itself for free.
      await expect(deploy({ reporterRewardBps: 10_000 })).to.be.revertedWithCustomError(stakeManager, "StakeManagerInvalidSlashing");
      await expect(deploy({ epochLength: 0n })).to.be.revertedWithCustomError(stakeManager, "StakeManagerInvalidEpochLength");
      await expect(deploy({ epochLength: 31n * 86_400n })).to.be.revertedWithCustomError(stakeManager, "StakeManagerInvalidEpochLength");
      await expect(deploy({ stakeToken: ethers.ZeroAddress })).to.be.revertedWithCustomError(stakeManager, "StakeManagerZeroAddress");
      await expect(deploy({}, lanes, ethers.ZeroAddress)).to.be.revertedWithCustomError(stakeManager, "StakeManagerZeroAddress");
      await expect(deploy({}, [lanes[0], { chainId: 0n, manager: lanes[1].manager }]))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerInvalidLane")
        .withArgs(Lane.Child, 0n, lanes[1].manager);
    });
  });

  describe("join", () => {
    it("binds the signer key and counts the stake from the next epoch", async () => {
      const ctx = await loadFixture(deployStaking);
      const { stakeManager, owners, signers } = ctx;
      await expect(joinNative(stakeManager, owners[0], signers[0], STAKE))
        .to.emit(stakeManager, "ValidatorJoined")
        .withArgs(owners[0].address, signers[0].address, STAKE, 1n);
      expect(await stakeManager.powerAt(owners[0].address, 0n)).to.equal(0n);
      expect(await stakeManager.powerAt(owners[0].address, 1n)).to.equal(STAKE);
      expect(await stakeManager.signerAt(owners[0].address, 1n)).to.equal(signers[0].address);
      expect(await stakeManager.signerInfo(signers[0].address)).to.deep.equal([owners[0].address, MAX_UINT64]);
      const info = await stakeManager.getValidator(owners[0].address);
      expect([info.signer, info.status, info.stake, info.unbonding]).to.deep.equal([signers[0].address, Status.Active, STAKE, 0n]);
      expect(await stakeManager.validators()).to.deep.equal([owners[0].address]);
      expect(await ethers.provider.getBalance(await stakeManager.getAddress())).to.equal(STAKE);
    });

    it("refuses a stake below the minimum, a value that differs from the amount, and a second join", async () => {
      const { stakeManager, owners, signers } = await loadFixture(deployStaking);
      await expect(joinNative(stakeManager, owners[0], signers[0], MIN_STAKE - 1n))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerBelowMinStake")
        .withArgs(owners[0].address, MIN_STAKE - 1n, MIN_STAKE);
      const proof = await signerProof(stakeManager, signers[0], owners[0].address);
      await expect(stakeManager.connect(owners[0]).join(signers[0].address, STAKE, proof, { value: STAKE - 1n }))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerValueMismatch")
        .withArgs(STAKE, STAKE - 1n);
      await joinNative(stakeManager, owners[0], signers[0], STAKE);
      await expect(joinNative(stakeManager, owners[0], signers[1], STAKE))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerAlreadyValidator")
        .withArgs(owners[0].address, Status.Active);
    });

    it("refuses a signer key that is zero, the owner, already bound, or that did not sign its binding", async () => {
      const { stakeManager, owners, signers } = await loadFixture(deployStaking);
      const proof = await signerProof(stakeManager, signers[0], owners[0].address);
      await expect(stakeManager.connect(owners[0]).join(ethers.ZeroAddress, STAKE, proof, { value: STAKE }))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerInvalidSigner")
        .withArgs(ethers.ZeroAddress);
      await expect(stakeManager.connect(owners[0]).join(owners[0].address, STAKE, proof, { value: STAKE }))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerInvalidSigner")
        .withArgs(owners[0].address);
      // Signed by another key, or for another validator: nobody claims a key it does not hold.
      const byOther = await signerProof(stakeManager, signers[1], owners[0].address, signers[0].address);
      await expect(stakeManager.connect(owners[0]).join(signers[0].address, STAKE, byOther, { value: STAKE }))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerBadSignerProof")
        .withArgs(signers[0].address, signers[1].address);
      await expect(stakeManager.connect(owners[1]).join(signers[0].address, STAKE, proof, { value: STAKE }))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerBadSignerProof");
      await joinNative(stakeManager, owners[0], signers[0], STAKE);
      const proofFor1 = await signerProof(stakeManager, signers[0], owners[1].address);
      await expect(stakeManager.connect(owners[1]).join(signers[0].address, STAKE, proofFor1, { value: STAKE }))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerSignerUsed")
        .withArgs(signers[0].address, owners[0].address);
    });

    it("refuses a validator beyond the maximum, exiting and jailed ones counted", async () => {
      const ctx = await loadFixture(deployStaking);
      const { stakeManager, admin, owners, signers } = ctx;
      await expect(stakeManager.connect(admin).setMaxValidators(2)).to.emit(stakeManager, "MaxValidatorsUpdated").withArgs(2);
      await joinAll(ctx, [STAKE, STAKE]);
      await stakeManager.connect(owners[1]).unstake(STAKE);
      await expect(joinNative(stakeManager, owners[2], signers[2], STAKE))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerTooManyValidators")
        .withArgs(2, 2);
    });
  });

  describe("epochs and snapshots", () => {
    it("freezes an epoch's set at its first second: every change during it applies from the next", async () => {
      const ctx = await loadFixture(deployStaking);
      const { stakeManager, owners, signers } = ctx;
      const stakes = [STAKE, 2n * STAKE, 3n * STAKE];
      await joinAll(ctx, stakes);
      await expect(stakeManager.validatorSetAt(0n)).to.be.revertedWithCustomError(stakeManager, "StakeManagerEmptySet").withArgs(0n);
      await expect(stakeManager.validatorSetAt(1n))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerEpochNotFrozen")
        .withArgs(1n, 0n);

      await nextEpoch(stakeManager);
      const byAddress = [0, 1, 2].sort((a, b) => (BigInt(signers[a].address) < BigInt(signers[b].address) ? -1 : 1));
      const epoch1 = await stakeManager.validatorSetAt(1n);
      expect(epoch1[0]).to.deep.equal(byAddress.map((i) => signers[i].address));
      expect(epoch1[1]).to.deep.equal(byAddress.map((i) => stakes[i]));
      expect(epoch1[2]).to.equal(expectedThreshold(6n * STAKE));

      // Everything a validator can do during epoch 1 leaves epoch 1's set as it was.
      const [newKey] = freshKeys(1, "snapshot");
      await stakeManager.connect(owners[0]).topUp(STAKE, { value: STAKE });
      await stakeManager.connect(owners[1]).unstake(STAKE);
      await stakeManager.connect(owners[2]).rotateSigner(newKey.address, await signerProof(stakeManager, newKey, owners[2].address));
      await joinNative(stakeManager, owners[3], signers[3], 4n * STAKE);
      expect(await stakeManager.validatorSetAt(1n)).to.deep.equal(epoch1);

      await nextEpoch(stakeManager);
      const [signers2, powers2, threshold2] = await stakeManager.validatorSetAt(2n);
      const expected = [
        [signers[0].address, 2n * STAKE],
        [signers[1].address, STAKE],
        [newKey.address, 3n * STAKE],
        [signers[3].address, 4n * STAKE],
      ].sort((a, b) => (BigInt(a[0] as string) < BigInt(b[0] as string) ? -1 : 1));
      expect(signers2).to.deep.equal(expected.map((e) => e[0]));
      expect(powers2).to.deep.equal(expected.map((e) => e[1]));
      expect(threshold2).to.equal(expectedThreshold(10n * STAKE));
      expect(await stakeManager.validatorSetAt(1n)).to.deep.equal(epoch1);
    });

    it("never lets stake that arrives in an epoch count toward that epoch's quorum (flash loan)", async () => {
      const ctx = await loadFixture(deployStaking);
      const { stakeManager, owners } = ctx;
      await joinAll(ctx, [STAKE, STAKE, STAKE]);
      const epoch = await nextEpoch(stakeManager);
      const before = await stakeManager.validatorSetAt(epoch);

      // The attacker borrows a hundred times the honest stake and joins within the epoch.
      const attacker = owners[5];
      const [attackerKey] = freshKeys(1, "flash");
      const loan = 300n * STAKE;
      await joinNative(stakeManager, attacker, attackerKey, loan);
      const [setSigners, setPowers, threshold] = await stakeManager.validatorSetAt(epoch);
      expect([setSigners, setPowers, threshold]).to.deep.equal(before);
      expect(await stakeManager.powerAt(attacker.address, epoch)).to.equal(0n);
      // The best quorum the attacker can sign this epoch: its own key (absent) plus one honest
      // validator it might have corrupted.
      const attackerPower = setSigners.includes(attackerKey.address) ? loan : 0n;
      expect(attackerPower + setPowers[0]).to.be.lessThan(threshold);

      // Nor can the loan be paid back within the epoch: unstaked stake waits out the unbonding delay.
      await stakeManager.connect(attacker).unstake(loan);
      const { withdrawableAt } = await stakeManager.getValidator(attacker.address);
      expect(withdrawableAt).to.equal(BigInt(await time.latest()) + UNBONDING);
      await expect(stakeManager.connect(attacker).withdraw(attacker.address))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerStillUnbonding")
        .withArgs(attacker.address, withdrawableAt);
      expect(await stakeManager.powerAt(attacker.address, epoch + 1n)).to.equal(0n);
      await nextEpoch(stakeManager);
      expect((await stakeManager.validatorSetAt(epoch + 1n))[0]).to.not.include(attackerKey.address);
    });

    it("counts a join at the last second of an epoch only from the next one", async () => {
      const ctx = await loadFixture(deployStaking);
      const { stakeManager, owners, signers } = ctx;
      await joinAll(ctx, [STAKE]);
      await toEpoch(stakeManager, 2n, -1n);
      await joinNative(stakeManager, owners[1], signers[1], STAKE);
      expect(await stakeManager.currentEpoch()).to.equal(1n);
      expect(await stakeManager.powerAt(owners[1].address, 1n)).to.equal(0n);
      expect(await stakeManager.powerAt(owners[1].address, 2n)).to.equal(STAKE);
    });

    it("applies a new threshold from the next epoch and caps it at the total power", async () => {
      const ctx = await loadFixture(deployStaking);
      const { stakeManager, admin, stranger } = ctx;
      await joinAll(ctx, [STAKE, STAKE, STAKE, STAKE]);
      await expect(stakeManager.connect(admin).setThreshold(10_000)).to.emit(stakeManager, "ThresholdUpdated").withArgs(10_000, 1n);
      await expect(stakeManager.connect(stranger).setThreshold(9_000)).to.be.revertedWithCustomError(
        stakeManager,
        "AccessControlUnauthorizedAccount",
      );
      await expect(stakeManager.connect(admin).setThreshold(5_000))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerInvalidThreshold")
        .withArgs(5_000);
      await nextEpoch(stakeManager);
      expect(await stakeManager.thresholdBpsAt(0n)).to.equal(THRESHOLD_BPS);
      expect((await stakeManager.validatorSetAt(1n))[2]).to.equal(4n * STAKE);
      await stakeManager.connect(admin).setThreshold(5_001);
      expect((await stakeManager.validatorSetAt(1n))[2]).to.equal(4n * STAKE);
      await nextEpoch(stakeManager);
      expect((await stakeManager.validatorSetAt(2n))[2]).to.equal((4n * STAKE * 5_001n) / BPS + 1n);
    });
  });

  describe("unstake and withdraw", () => {
    it("keeps unstaked stake for the unbonding delay, counting it for the rest of the epoch, then pays it", async () => {
      const ctx = await loadFixture(deployStaking);
      const { stakeManager, owners } = ctx;
      await joinAll(ctx, [STAKE, STAKE]);
      const epoch = await nextEpoch(stakeManager);
      const at = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(at);
      const tx = stakeManager.connect(owners[0]).unstake(STAKE);
      await expect(tx)
        .to.emit(stakeManager, "Unstaked")
        .withArgs(owners[0].address, STAKE, 0n, at + UNBONDING, epoch + 1n);
      expect(await stakeManager.powerAt(owners[0].address, epoch)).to.equal(STAKE);
      expect((await stakeManager.getValidator(owners[0].address)).status).to.equal(Status.Exiting);
      await expect(stakeManager.connect(owners[0]).topUp(STAKE, { value: STAKE }))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerNotActive")
        .withArgs(owners[0].address, Status.Exiting);

      await time.setNextBlockTimestamp(at + UNBONDING - 1n);
      await expect(stakeManager.connect(owners[0]).withdraw(owners[0].address)).to.be.revertedWithCustomError(
        stakeManager,
        "StakeManagerStillUnbonding",
      );
      await time.setNextBlockTimestamp(at + UNBONDING);
      const withdrawal = stakeManager.connect(owners[0]).withdraw(owners[4].address);
      await expect(withdrawal).to.emit(stakeManager, "Withdrawn").withArgs(owners[0].address, owners[4].address, STAKE);
      await expect(withdrawal).to.emit(stakeManager, "ValidatorRemoved").withArgs(owners[0].address);
      await expect(withdrawal).to.changeEtherBalances([owners[4], stakeManager], [STAKE, -STAKE]);
      expect(await stakeManager.validators()).to.deep.equal([owners[1].address]);
      expect((await stakeManager.getValidator(owners[0].address)).status).to.equal(Status.None);
      await expect(stakeManager.connect(owners[0]).withdraw(owners[0].address))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerNothingToWithdraw")
        .withArgs(owners[0].address);
    });

    it("checks partial unstakes: non-zero, within the stake, leaving zero or at least the minimum", async () => {
      const ctx = await loadFixture(deployStaking);
      const { stakeManager, owners, stranger } = ctx;
      await joinAll(ctx, [STAKE]);
      const owner = owners[0];
      await expect(stakeManager.connect(owner).unstake(0n)).to.be.revertedWithCustomError(stakeManager, "StakeManagerZeroAmount");
      await expect(stakeManager.connect(owner).unstake(STAKE + 1n))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerInsufficientStake")
        .withArgs(owner.address, STAKE, STAKE + 1n);
      await expect(stakeManager.connect(owner).unstake(STAKE - MIN_STAKE + 1n))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerBelowMinStake")
        .withArgs(owner.address, MIN_STAKE - 1n, MIN_STAKE);
      await expect(stakeManager.connect(stranger).unstake(1n))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerNotActive")
        .withArgs(stranger.address, Status.None);

      // A later unstake restarts the delay of the whole unbonding amount.
      await stakeManager.connect(owner).unstake(STAKE / 4n);
      await time.increase(EPOCH);
      await stakeManager.connect(owner).unstake(STAKE / 4n);
      const info = await stakeManager.getValidator(owner.address);
      expect([info.stake, info.unbonding, info.withdrawableAt]).to.deep.equal([
        STAKE / 2n,
        STAKE / 2n,
        BigInt(await time.latest()) + UNBONDING,
      ]);
      await time.increaseTo(info.withdrawableAt);
      await expect(stakeManager.connect(owner).withdraw(owner.address)).to.changeEtherBalance(owner, STAKE / 2n);
      // Still bonded: still a validator.
      expect(await stakeManager.validators()).to.deep.equal([owner.address]);
      expect((await stakeManager.getValidator(owner.address)).status).to.equal(Status.Active);
      await expect(stakeManager.connect(owner).withdraw(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        stakeManager,
        "StakeManagerZeroAddress",
      );
    });

    it("forgets the sets before a leaver's last power once it withdrew, but not the recent ones", async () => {
      const ctx = await loadFixture(deployStaking);
      const { stakeManager, owners, signers } = ctx;
      await joinAll(ctx, [STAKE, STAKE]);
      await nextEpoch(stakeManager); // epoch 1: both
      await stakeManager.connect(owners[0]).unstake(STAKE);
      const { withdrawableAt } = await stakeManager.getValidator(owners[0].address);
      await time.increaseTo(withdrawableAt);
      await stakeManager.connect(owners[0]).withdraw(owners[0].address);
      // Its power ended with epoch 1; epoch 2 on is still exact without it.
      expect(await stakeManager.oldestEpoch()).to.equal(2n);
      await expect(stakeManager.validatorSetAt(1n))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerEpochPruned")
        .withArgs(1n, 2n);
      expect((await stakeManager.validatorSetAt(2n))[0]).to.deep.equal([signers[1].address]);
      // Its last key is spent: a later tenure of the same owner needs a new one.
      expect((await stakeManager.signerInfo(signers[0].address))[1]).to.equal(BigInt(await time.latest()));
      await expect(joinNative(stakeManager, owners[0], signers[0], STAKE)).to.be.revertedWithCustomError(
        stakeManager,
        "StakeManagerSignerUsed",
      );
      const [key] = freshKeys(1, "rejoin");
      await joinNative(stakeManager, owners[0], key, STAKE);
    });
  });

  describe("rotateSigner", () => {
    it("switches the key from the next epoch and keeps the old one answerable for the unbonding delay", async () => {
      const ctx = await loadFixture(deployStaking);
      const { stakeManager, owners, signers } = ctx;
      await joinAll(ctx, [STAKE]);
      const epoch = await nextEpoch(stakeManager);
      const [newKey, otherKey] = freshKeys(2, "rotate");
      await expect(stakeManager.connect(owners[0]).rotateSigner(newKey.address, await signerProof(stakeManager, newKey, owners[0].address)))
        .to.emit(stakeManager, "SignerRotated")
        .withArgs(owners[0].address, signers[0].address, newKey.address, epoch + 1n);
      expect(await stakeManager.signerAt(owners[0].address, epoch)).to.equal(signers[0].address);
      expect(await stakeManager.signerAt(owners[0].address, epoch + 1n)).to.equal(newKey.address);
      const answerableUntil = (await stakeManager.epochStart(epoch + 1n)) + UNBONDING;
      expect(await stakeManager.signerInfo(signers[0].address)).to.deep.equal([owners[0].address, answerableUntil]);
      expect(await stakeManager.signerInfo(newKey.address)).to.deep.equal([owners[0].address, MAX_UINT64]);
      expect((await stakeManager.validatorSetAt(epoch))[0]).to.deep.equal([signers[0].address]);
      await nextEpoch(stakeManager);
      expect((await stakeManager.validatorSetAt(epoch + 1n))[0]).to.deep.equal([newKey.address]);

      // Keys are single-use: not the old key back, not a key of another validator, not an unproven one.
      await expect(
        stakeManager.connect(owners[0]).rotateSigner(signers[0].address, await signerProof(stakeManager, signers[0], owners[0].address)),
      ).to.be.revertedWithCustomError(stakeManager, "StakeManagerSignerUsed");
      await expect(
        stakeManager.connect(owners[0]).rotateSigner(otherKey.address, await signerProof(stakeManager, newKey, owners[0].address, otherKey.address)),
      )
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerBadSignerProof")
        .withArgs(otherKey.address, newKey.address);
      await expect(
        stakeManager.connect(owners[1]).rotateSigner(otherKey.address, await signerProof(stakeManager, otherKey, owners[1].address)),
      ).to.be.revertedWithCustomError(stakeManager, "StakeManagerNotActive");
    });
  });

  describe("ERC20 stake", () => {
    async function deployWithToken(feeBps: number) {
      const ctx = await deployStaking();
      const token = feeBps === 0
        ? await ethers.deployContract("TestERC20", ["Stake", "STK", 18])
        : await ethers.deployContract("FeeOnTransferToken", [feeBps]);
      const stakeManager = await ethers.deployContract("StakeManager", [
        ctx.admin.address,
        stakeConfig({ stakeToken: await token.getAddress() }),
        ctx.lanes,
      ]);
      return { ...ctx, token, stakeManager: stakeManager as unknown as typeof ctx.stakeManager };
    }

    it("credits what arrives of a fee-on-transfer token and keeps the balance equal to the accounts", async () => {
      const { token, stakeManager, owners, signers } = await deployWithToken(100);
      const owner = owners[0];
      await token.mint(owner.address, 100n * STAKE);
      await token.connect(owner).approve(await stakeManager.getAddress(), ethers.MaxUint256);
      const received = STAKE - STAKE / 100n;
      const proof = await signerProof(stakeManager, signers[0], owner.address);
      await expect(stakeManager.connect(owner).join(signers[0].address, STAKE, proof))
        .to.emit(stakeManager, "ValidatorJoined")
        .withArgs(owner.address, signers[0].address, received, 1n);
      await expect(stakeManager.connect(owner).topUp(STAKE)).to.emit(stakeManager, "StakeAdded").withArgs(owner.address, received, 2n * received, 1n);
      expect(await token.balanceOf(await stakeManager.getAddress())).to.equal(2n * received);
      expect(await stakeManager.powerAt(owner.address, 1n)).to.equal(2n * received);
      await expect(stakeManager.connect(owner).topUp(STAKE, { value: 1n }))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerValueMismatch")
        .withArgs(0n, 1n);

      await stakeManager.connect(owner).unstake(2n * received);
      await time.increase(UNBONDING);
      await expect(stakeManager.connect(owner).withdraw(owner.address)).to.emit(stakeManager, "Withdrawn").withArgs(owner.address, owner.address, 2n * received);
      expect(await token.balanceOf(await stakeManager.getAddress())).to.equal(0n);
    });

    it("refuses a stake above what a ValidatorSet power can hold (2^96 - 1)", async () => {
      const { token, stakeManager, owners, signers } = await deployWithToken(0);
      const owner = owners[0];
      const max = 2n ** 96n - 1n;
      await token.mint(owner.address, max + 1n);
      await token.connect(owner).approve(await stakeManager.getAddress(), ethers.MaxUint256);
      const proof = await signerProof(stakeManager, signers[0], owner.address);
      await expect(stakeManager.connect(owner).join(signers[0].address, max + 1n, proof))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerStakeTooLarge")
        .withArgs(owner.address, max + 1n, max);
      await stakeManager.connect(owner).join(signers[0].address, max, proof);
      await expect(stakeManager.connect(owner).topUp(1n)).to.be.revertedWithCustomError(stakeManager, "StakeManagerStakeTooLarge");
    });
  });

  describe("reentrancy", () => {
    it("pays a withdrawal once to a receiver that re-enters withdraw", async () => {
      const { stakeManager, owners, signers } = await loadFixture(deployStaking);
      const staker = await ethers.deployContract("ReentrantStaker", [await stakeManager.getAddress()]);
      const proof = await signerProof(stakeManager, signers[0], await staker.getAddress());
      await staker.connect(owners[0]).join(signers[0].address, proof, { value: STAKE });
      await joinNative(stakeManager, owners[1], signers[1], STAKE);
      await staker.unstake(STAKE / 2n);
      await time.increase(UNBONDING);

      await expect(staker.withdraw(true)).to.changeEtherBalances([staker, stakeManager], [STAKE / 2n, -(STAKE / 2n)]);
      expect(await staker.payments()).to.equal(1n);
      expect(await staker.reentrySucceeded()).to.equal(false);
      const guard = stakeManager.interface.getError("ReentrancyGuardReentrantCall")!.selector;
      expect(await staker.reentryResult()).to.equal(guard);
      expect(await ethers.provider.getBalance(await stakeManager.getAddress())).to.equal(STAKE + STAKE / 2n);
      expect((await stakeManager.getValidator(await staker.getAddress())).stake).to.equal(STAKE / 2n);
    });

    it("blocks a stake token that calls back during join and withdraw", async () => {
      const ctx = await deployStaking();
      const token = await ethers.deployContract("ReentrantStakeToken");
      const stakeManager = (await ethers.deployContract("StakeManager", [
        ctx.admin.address,
        stakeConfig({ stakeToken: await token.getAddress() }),
        ctx.lanes,
      ])) as unknown as StakingContext["stakeManager"];
      const owner = ctx.owners[0];
      const managerAddress = await stakeManager.getAddress();
      await token.mint(owner.address, 10n * STAKE);
      await token.connect(owner).approve(managerAddress, ethers.MaxUint256);
      const guard = stakeManager.interface.getError("ReentrancyGuardReentrantCall")!.selector;

      await token.arm(managerAddress, stakeManager.interface.encodeFunctionData("topUp", [STAKE]));
      const proof = await signerProof(stakeManager, ctx.signers[0], owner.address);
      await stakeManager.connect(owner).join(ctx.signers[0].address, STAKE, proof);
      expect([await token.hookCalled(), await token.hookSucceeded(), await token.hookResult()]).to.deep.equal([true, false, guard]);
      expect(await stakeManager.powerAt(owner.address, 1n)).to.equal(STAKE);

      await stakeManager.connect(owner).unstake(STAKE);
      await time.increase(UNBONDING);
      await token.arm(managerAddress, stakeManager.interface.encodeFunctionData("withdraw", [owner.address]));
      await expect(stakeManager.connect(owner).withdraw(owner.address)).to.emit(stakeManager, "Withdrawn");
      expect([await token.hookCalled(), await token.hookSucceeded(), await token.hookResult()]).to.deep.equal([true, false, guard]);
      expect(await token.balanceOf(managerAddress)).to.equal(0n);
      expect(await token.balanceOf(owner.address)).to.equal(10n * STAKE);
    });
  });

  describe("governance", () => {
    it("sets bounds, slashing, lanes and the unbonding delay, admin only, each with its event", async () => {
      const { stakeManager, admin, stranger, lanes } = await loadFixture(deployStaking);
      const asStranger = stakeManager.connect(stranger);
      for (const call of [
        () => asStranger.setMinStake(1n),
        () => asStranger.setMaxValidators(3),
        () => asStranger.setSlashing(1, 0),
        () => asStranger.setLane(Lane.Main, 1n, stranger.address),
        () => asStranger.setUnbondingDelay(UNBONDING, CHALLENGE_PERIOD, SET_CHANGE_DELAY),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(stakeManager, "AccessControlUnauthorizedAccount");
      }
      const asAdmin = stakeManager.connect(admin);
      await expect(asAdmin.setMinStake(5n)).to.emit(stakeManager, "MinStakeUpdated").withArgs(5n);
      await expect(asAdmin.setSlashing(10_000, 9_999)).to.emit(stakeManager, "SlashingUpdated").withArgs(10_000, 9_999);
      await expect(asAdmin.setLane(Lane.Child, 77n, stranger.address)).to.emit(stakeManager, "LaneUpdated").withArgs(Lane.Child, 77n, stranger.address);
      expect(await stakeManager.laneDomain(Lane.Child)).to.deep.equal([77n, stranger.address]);
      await expect(asAdmin.setLane(Lane.Main, lanes[0].chainId, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        stakeManager,
        "StakeManagerInvalidLane",
      );
      await expect(asAdmin.setUnbondingDelay(10n * 86_400n, 2n * 86_400n, 7n * 86_400n))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerUnbondingTooShort")
        .withArgs(10n * 86_400n, EPOCH + 9n * 86_400n);
      await expect(asAdmin.setUnbondingDelay(11n * 86_400n, 2n * 86_400n, 7n * 86_400n))
        .to.emit(stakeManager, "UnbondingDelayUpdated")
        .withArgs(11n * 86_400n, 2n * 86_400n, 7n * 86_400n);
      await expect(asAdmin.setMinStake(0n)).to.be.revertedWithCustomError(stakeManager, "StakeManagerZeroMinStake");
    });

    it("does not remove a validator that still holds stake", async () => {
      const ctx = await loadFixture(deployStaking);
      await joinAll(ctx, [STAKE]);
      await expect(ctx.stakeManager.connect(ctx.stranger).removeValidator(ctx.owners[0].address))
        .to.be.revertedWithCustomError(ctx.stakeManager, "StakeManagerNotRemovable")
        .withArgs(ctx.owners[0].address);
      await expect(ctx.stakeManager.removeValidator(ctx.stranger.address)).to.be.revertedWithCustomError(
        ctx.stakeManager,
        "StakeManagerNotRemovable",
      );
    });
  });
});
