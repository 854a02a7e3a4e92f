import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import type { BaseContract } from "ethers";
import solc from "solc";
import { CHALLENGE_PERIOD, CHALLENGER_REWARD_BPS, MIN_BOND, checkpoint, signCheckpoint, treeOf } from "../helpers/fixture";
import { Fraud, Status, deployManager, nextBlocks, rangeOf, submitTree, withSignature } from "../helpers/checkpoints";
import type { CheckpointManager } from "../../typechain-types";

const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
const GUARDIAN_ROLE = ethers.id("GUARDIAN_ROLE");

/** Constructor arguments of a stand-alone manager, each distinct from the shared fixture's. */
async function constructorArgs() {
  const ctx = await deployManager();
  const [, , , , , guardian] = ctx.users;
  return {
    ...ctx,
    guardianAccount: guardian,
    args: {
      admin: ctx.admin.address,
      guardian: guardian.address,
      sourceChainId: 777n,
      validatorSet: await ctx.validatorSet.getAddress(),
      firstBlock: 1_000n,
      challengePeriod: 123n,
      minBond: 42n,
      rewardBps: 2_500,
    },
  };
}

type Args = Awaited<ReturnType<typeof constructorArgs>>["args"];

async function deployWith(args: Args) {
  const factory = await ethers.getContractFactory("CheckpointManager");
  const deployment = factory.deploy(
    args.admin,
    args.guardian,
    args.sourceChainId,
    args.validatorSet,
    args.firstBlock,
    args.challengePeriod,
    args.minBond,
    args.rewardBps,
  );
  return { factory, deployment };
}

/** A pending checkpoint by the fixture's proposer. */
async function withCheckpoint() {
  const ctx = await deployManager();
  const submitted = await checkpoint(ctx, ctx.side);
  const [, , , finalizesAt] = await ctx.manager.getCheckpoint(submitted.id);
  return { ...ctx, submitted, finalizesAt };
}

/** A pending checkpoint whose last signature was made by a key outside the validator set. */
async function withForgedCheckpoint() {
  const ctx = await deployManager();
  const outsider = new ethers.Wallet(ethers.id("outsider"), ethers.provider);
  const tree = treeOf(await nextBlocks(ctx.manager));
  const forged = await submitTree(ctx.side, ctx.validators, ctx.proposer, tree, {
    edit: async (signatures) => withSignature(signatures, 3, await signCheckpoint(ctx.manager, outsider, rangeOf(tree))),
  });
  return { ...ctx, forged };
}

const REENTRANT_SOURCE = `
pragma solidity ^0.8.30;
interface IBonds {
    function depositBond() external payable;
    function withdrawBond(address payable to, uint256 amount) external;
}
/// Withdraws its bond, and withdraws again from inside the payment.
contract BondReentrancy {
    IBonds public immutable manager;
    bool private reentered;
    constructor(IBonds manager_) { manager = manager_; }
    function deposit() external payable { manager.depositBond{value: msg.value}(); }
    function withdraw(uint256 amount) external { manager.withdrawBond(payable(address(this)), amount); }
    receive() external payable {
        if (!reentered) {
            reentered = true;
            manager.withdrawBond(payable(address(this)), msg.value);
        }
    }
}`;

/** A bonded contract that re-enters withdrawBond, compiled here with the npm solc the build uses. */
async function withReentrantProposer() {
  const ctx = await deployManager();
  const input = {
    language: "Solidity",
    sources: { "BondReentrancy.sol": { content: REENTRANT_SOURCE } },
    settings: { evmVersion: "cancun", outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const compiled = output.contracts["BondReentrancy.sol"].BondReentrancy;
  const factory = new ethers.ContractFactory(compiled.abi as never[], compiled.evm.bytecode.object, ctx.admin);
  const attacker: BaseContract = await factory.deploy(await ctx.manager.getAddress());
  await attacker.waitForDeployment();
  await attacker.getFunction("deposit")({ value: MIN_BOND });
  return { ...ctx, attacker };
}

async function bondOf(manager: CheckpointManager, account: string) {
  const [amount, lockedUntil] = await manager.bondOf(account);
  return { amount, lockedUntil };
}

describe("CheckpointManager", function () {
  describe("constructor", function () {
    it("stores its parameters and announces each setting", async function () {
      const { args } = await loadFixture(constructorArgs);
      const manager = (await (await deployWith(args)).deployment) as unknown as CheckpointManager;
      await expect(manager.deploymentTransaction())
        .to.emit(manager, "ChallengePeriodUpdated")
        .withArgs(args.challengePeriod)
        .and.to.emit(manager, "MinBondUpdated")
        .withArgs(args.minBond)
        .and.to.emit(manager, "ChallengerRewardUpdated")
        .withArgs(args.rewardBps);
      expect(await manager.sourceChainId()).to.equal(args.sourceChainId);
      expect(await manager.validatorSet()).to.equal(args.validatorSet);
      expect(await manager.nextStartBlock()).to.equal(args.firstBlock);
      expect(await manager.checkpointCount()).to.equal(0n);
      expect(await manager.challengePeriod()).to.equal(args.challengePeriod);
      expect(await manager.minBond()).to.equal(args.minBond);
      expect(await manager.challengerRewardBps()).to.equal(args.rewardBps);
      expect(await manager.slashedFunds()).to.equal(0n);
      expect(await manager.paused()).to.equal(false);
    });

    it("grants the admin and guardian roles", async function () {
      const { args, guardianAccount, stranger } = await loadFixture(constructorArgs);
      const manager = (await (await deployWith(args)).deployment) as unknown as CheckpointManager;
      expect(await manager.hasRole(DEFAULT_ADMIN_ROLE, args.admin)).to.equal(true);
      expect(await manager.hasRole(GUARDIAN_ROLE, guardianAccount.address)).to.equal(true);
      expect(await manager.hasRole(GUARDIAN_ROLE, args.admin)).to.equal(false);
      expect(await manager.hasRole(DEFAULT_ADMIN_ROLE, stranger.address)).to.equal(false);
    });

    it("grants no guardian role when the guardian is the zero address", async function () {
      const { args } = await loadFixture(constructorArgs);
      const manager = (await (await deployWith({ ...args, guardian: ethers.ZeroAddress }))
        .deployment) as unknown as CheckpointManager;
      expect(await manager.hasRole(GUARDIAN_ROLE, ethers.ZeroAddress)).to.equal(false);
      await expect(manager.pause())
        .to.be.revertedWithCustomError(manager, "AccessControlUnauthorizedAccount")
        .withArgs(args.admin, GUARDIAN_ROLE);
    });

    it("reverts when the admin is the zero address", async function () {
      const { args } = await loadFixture(constructorArgs);
      const { factory, deployment } = await deployWith({ ...args, admin: ethers.ZeroAddress });
      await expect(deployment).to.be.revertedWithCustomError(factory, "CheckpointManagerZeroAddress");
    });

    it("reverts when the validator set is the zero address", async function () {
      const { args } = await loadFixture(constructorArgs);
      const { factory, deployment } = await deployWith({ ...args, validatorSet: ethers.ZeroAddress });
      await expect(deployment).to.be.revertedWithCustomError(factory, "CheckpointManagerZeroAddress");
    });

    it("reverts when the challenge period is zero", async function () {
      const { args } = await loadFixture(constructorArgs);
      const { factory, deployment } = await deployWith({ ...args, challengePeriod: 0n });
      await expect(deployment).to.be.revertedWithCustomError(factory, "CheckpointManagerZeroChallengePeriod");
    });

    it("reverts when the minimum bond is zero: a bondless proposer's forgery would pay no challenger (L-3)", async function () {
      const { args } = await loadFixture(constructorArgs);
      const { factory, deployment } = await deployWith({ ...args, minBond: 0n });
      await expect(deployment).to.be.revertedWithCustomError(factory, "CheckpointManagerZeroMinBond");
    });

    it("reverts when the challenge period is above 30 days (L-1)", async function () {
      const { args } = await loadFixture(constructorArgs);
      const { factory, deployment } = await deployWith({ ...args, challengePeriod: 2n ** 40n });
      await expect(deployment)
        .to.be.revertedWithCustomError(factory, "CheckpointManagerChallengePeriodTooLong")
        .withArgs(2n ** 40n, 30n * 24n * 3_600n);
    });

    it("reverts when the challenger reward exceeds 10,000 bps", async function () {
      const { args } = await loadFixture(constructorArgs);
      const { factory, deployment } = await deployWith({ ...args, rewardBps: 10_001 });
      await expect(deployment)
        .to.be.revertedWithCustomError(factory, "CheckpointManagerInvalidRewardBps")
        .withArgs(10_001);
    });

    it("exposes its version and constants", async function () {
      const { manager } = await loadFixture(deployManager);
      expect(await manager.version()).to.equal("0.1.0");
      expect(await manager.GUARDIAN_ROLE()).to.equal(GUARDIAN_ROLE);
      expect(await manager.CHECKPOINT_TYPEHASH()).to.equal(
        ethers.id("Checkpoint(uint256 sourceChainId,uint64 startBlock,uint64 endBlock,bytes32 blockRoot)"),
      );
    });
  });

  describe("setChallengePeriod", function () {
    it("lengthens the period at once and emits ChallengePeriodUpdated", async function () {
      const { manager } = await loadFixture(deployManager);
      await expect(manager.setChallengePeriod(7_200n)).to.emit(manager, "ChallengePeriodUpdated").withArgs(7_200n);
      expect(await manager.challengePeriod()).to.equal(7_200n);
      expect(await manager.pendingChallengePeriod()).to.deep.equal([0n, 0n]);
    });

    it("only schedules a shorter period, which anyone applies after the change delay: a forgery submitted meanwhile keeps the whole window (M-1)", async function () {
      // Before, governance could set 1 s and have a checkpoint with forged signatures final at once.
      const { manager, validatorSet, validators, proposer, side, stranger } = await loadFixture(deployManager);
      const at = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(at);
      const activatesAt = at + (await validatorSet.changeDelay());
      await expect(manager.setChallengePeriod(1n)).to.emit(manager, "ChallengePeriodChangeScheduled").withArgs(1n, activatesAt);
      expect(await manager.challengePeriod()).to.equal(CHALLENGE_PERIOD);
      expect(await manager.pendingChallengePeriod()).to.deep.equal([1n, activatesAt]);

      const tree = treeOf(await nextBlocks(manager));
      const forged = await submitTree(side, validators, proposer, tree, {
        edit: async (signatures) => withSignature(signatures, 0, await signCheckpoint(manager, new ethers.Wallet(ethers.id("no validator")), rangeOf(tree))),
      });
      expect(forged.finalizesAt - BigInt(await time.latest())).to.equal(CHALLENGE_PERIOD);

      await time.setNextBlockTimestamp(activatesAt - 1n);
      await expect(manager.connect(stranger).activateChallengePeriod())
        .to.be.revertedWithCustomError(manager, "CheckpointManagerChallengePeriodNotDue")
        .withArgs(activatesAt);
      await time.setNextBlockTimestamp(activatesAt);
      await expect(manager.connect(stranger).activateChallengePeriod()).to.emit(manager, "ChallengePeriodUpdated").withArgs(1n);
      expect(await manager.challengePeriod()).to.equal(1n);
      expect(await manager.pendingChallengePeriod()).to.deep.equal([0n, 0n]);
      await expect(manager.activateChallengePeriod()).to.be.revertedWithCustomError(manager, "CheckpointManagerNoPendingChallengePeriod");
    });

    it("lets the guardian cancel a scheduled shorter period, and a new call replace it", async function () {
      const { manager, guardian, stranger } = await loadFixture(deployManager);
      await manager.setChallengePeriod(60n);
      await expect(manager.setChallengePeriod(120n)).to.emit(manager, "ChallengePeriodChangeCancelled").withArgs(60n);
      expect((await manager.pendingChallengePeriod())[0]).to.equal(120n);
      await expect(manager.connect(stranger).cancelChallengePeriodChange())
        .to.be.revertedWithCustomError(manager, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, GUARDIAN_ROLE);
      await expect(manager.connect(guardian).cancelChallengePeriodChange()).to.emit(manager, "ChallengePeriodChangeCancelled").withArgs(120n);
      expect(await manager.pendingChallengePeriod()).to.deep.equal([0n, 0n]);
      await expect(manager.connect(guardian).cancelChallengePeriodChange()).to.be.revertedWithCustomError(
        manager,
        "CheckpointManagerNoPendingChallengePeriod",
      );
      await time.increase(await (await ethers.getContractAt("ValidatorSet", await manager.validatorSet())).changeDelay());
      await expect(manager.activateChallengePeriod()).to.be.revertedWithCustomError(manager, "CheckpointManagerNoPendingChallengePeriod");
      expect(await manager.challengePeriod()).to.equal(CHALLENGE_PERIOD);
    });

    it("rejects a zero period", async function () {
      const { manager } = await loadFixture(deployManager);
      await expect(manager.setChallengePeriod(0n)).to.be.revertedWithCustomError(
        manager,
        "CheckpointManagerZeroChallengePeriod",
      );
      expect(await manager.challengePeriod()).to.equal(CHALLENGE_PERIOD);
    });

    it("refuses a period above 30 days, such as 2^40 s that would make checkpoints final at once (L-1)", async function () {
      const { manager, validators, proposer, side } = await loadFixture(deployManager);
      const MAX = 30n * 24n * 3_600n;
      expect(await manager.MAX_CHALLENGE_PERIOD()).to.equal(MAX);
      for (const period of [MAX + 1n, 2n ** 40n, 2n ** 64n - 1n]) {
        await expect(manager.setChallengePeriod(period))
          .to.be.revertedWithCustomError(manager, "CheckpointManagerChallengePeriodTooLong")
          .withArgs(period, MAX);
      }
      await manager.setChallengePeriod(MAX);
      const at = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(at);
      const submitted = await submitTree(side, validators, proposer, treeOf(await nextBlocks(manager)));
      expect(await manager.checkpointStatus(submitted.id)).to.deep.equal([Status.Pending, at + MAX]);
    });

    it("reverts for anyone but the admin, the guardian included", async function () {
      const { manager, guardian } = await loadFixture(deployManager);
      await expect(manager.connect(guardian).setChallengePeriod(60n))
        .to.be.revertedWithCustomError(manager, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, DEFAULT_ADMIN_ROLE);
    });

    it("leaves the finality of pending checkpoints unchanged when a shorter period applies", async function () {
      const ctx = await loadFixture(deployManager);
      const { manager } = ctx;
      await manager.setChallengePeriod(1n);
      const [, activatesAt] = await manager.pendingChallengePeriod();
      await time.increaseTo(activatesAt - 100n);
      const submitted = await checkpoint(ctx, ctx.side);
      const [, finalizesAt] = await manager.checkpointStatus(submitted.id);
      await time.increaseTo(activatesAt);
      await manager.activateChallengePeriod();
      expect(await manager.checkpointStatus(submitted.id)).to.deep.equal([Status.Pending, finalizesAt]);
    });
  });

  describe("setMinBond", function () {
    it("sets the minimum bond and emits MinBondUpdated", async function () {
      const { manager } = await loadFixture(deployManager);
      await expect(manager.setMinBond(MIN_BOND * 3n)).to.emit(manager, "MinBondUpdated").withArgs(MIN_BOND * 3n);
      expect(await manager.minBond()).to.equal(MIN_BOND * 3n);
    });

    it("applies to the next submission", async function () {
      const { manager, proposer, validators, side } = await loadFixture(deployManager);
      await manager.setMinBond(MIN_BOND + 1n);
      const tree = treeOf(await nextBlocks(manager));
      await expect(submitTree(side, validators, proposer, tree))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerBondTooLow")
        .withArgs(proposer.address, MIN_BOND, MIN_BOND + 1n);
    });

    it("refuses zero, which would let anyone submit without a bond and leave challenges unpaid (L-3)", async function () {
      const { manager, stranger, validators, side } = await loadFixture(deployManager);
      await expect(manager.setMinBond(0n)).to.be.revertedWithCustomError(manager, "CheckpointManagerZeroMinBond");
      expect(await manager.minBond()).to.equal(MIN_BOND);
      await expect(submitTree(side, validators, stranger, treeOf(await nextBlocks(manager))))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerBondTooLow")
        .withArgs(stranger.address, 0n, MIN_BOND);
    });

    it("reverts for anyone but the admin", async function () {
      const { manager, stranger } = await loadFixture(deployManager);
      await expect(manager.connect(stranger).setMinBond(1n))
        .to.be.revertedWithCustomError(manager, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, DEFAULT_ADMIN_ROLE);
    });
  });

  describe("setChallengerReward", function () {
    it("sets the reward and emits ChallengerRewardUpdated", async function () {
      const { manager } = await loadFixture(deployManager);
      await expect(manager.setChallengerReward(1_234)).to.emit(manager, "ChallengerRewardUpdated").withArgs(1_234);
      expect(await manager.challengerRewardBps()).to.equal(1_234n);
    });

    it("accepts 0 and 10,000 bps", async function () {
      const { manager } = await loadFixture(deployManager);
      await manager.setChallengerReward(0);
      expect(await manager.challengerRewardBps()).to.equal(0n);
      await manager.setChallengerReward(10_000);
      expect(await manager.challengerRewardBps()).to.equal(10_000n);
    });

    it("rejects more than 10,000 bps", async function () {
      const { manager } = await loadFixture(deployManager);
      await expect(manager.setChallengerReward(10_001))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerInvalidRewardBps")
        .withArgs(10_001);
      expect(await manager.challengerRewardBps()).to.equal(BigInt(CHALLENGER_REWARD_BPS));
    });

    it("reverts for anyone but the admin", async function () {
      const { manager, stranger } = await loadFixture(deployManager);
      await expect(manager.connect(stranger).setChallengerReward(1))
        .to.be.revertedWithCustomError(manager, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, DEFAULT_ADMIN_ROLE);
    });
  });

  describe("pause and unpause", function () {
    it("lets the guardian pause submissions", async function () {
      const { manager, guardian, validators, proposer, side } = await loadFixture(deployManager);
      await expect(manager.connect(guardian).pause()).to.emit(manager, "Paused").withArgs(guardian.address);
      expect(await manager.paused()).to.equal(true);
      const tree = treeOf(await nextBlocks(manager));
      await expect(submitTree(side, validators, proposer, tree)).to.be.revertedWithCustomError(
        manager,
        "EnforcedPause",
      );
    });

    it("does not let anyone without the guardian role pause, the admin included", async function () {
      const { manager, stranger, admin } = await loadFixture(deployManager);
      await manager.revokeRole(GUARDIAN_ROLE, admin.address);
      for (const account of [stranger, admin]) {
        await expect(manager.connect(account).pause())
          .to.be.revertedWithCustomError(manager, "AccessControlUnauthorizedAccount")
          .withArgs(account.address, GUARDIAN_ROLE);
      }
    });

    it("lets only the admin unpause", async function () {
      const { manager, guardian, admin, validators, proposer, side } = await loadFixture(deployManager);
      await manager.connect(guardian).pause();
      await expect(manager.connect(guardian).unpause())
        .to.be.revertedWithCustomError(manager, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, DEFAULT_ADMIN_ROLE);
      await expect(manager.connect(admin).unpause()).to.emit(manager, "Unpaused").withArgs(admin.address);
      const tree = treeOf(await nextBlocks(manager));
      const submitted = await submitTree(side, validators, proposer, tree);
      expect(submitted.id).to.equal(0n);
      expect(await manager.checkpointCount()).to.equal(1n);
    });

    it("still lets a forged checkpoint be challenged while paused", async function () {
      const { manager, guardian, challenger, forged } = await loadFixture(withForgedCheckpoint);
      await manager.connect(guardian).pause();
      await expect(manager.connect(challenger).challengeSignature(forged.id, forged.attestation, 3))
        .to.emit(manager, "CheckpointsReverted")
        .withArgs(forged.id, 1n, challenger.address, Fraud.BadSignature);
      expect(await manager.checkpointCount()).to.equal(0n);
    });

    it("lets checkpoints become final and bonds be withdrawn while paused", async function () {
      const { manager, guardian, proposer, submitted, finalizesAt } = await loadFixture(withCheckpoint);
      await manager.connect(guardian).pause();
      await time.increaseTo(finalizesAt);
      expect(await manager.checkpointStatus(submitted.id)).to.deep.equal([Status.Final, finalizesAt]);
      const leaf = submitted.tree.leafFor(submitted.startBlock);
      await manager.checkFinalBlock(submitted.id, leaf, submitted.tree.proofFor(submitted.startBlock));
      await expect(manager.connect(proposer).withdrawBond(proposer.address, MIN_BOND)).to.changeEtherBalances(
        [proposer, manager],
        [MIN_BOND, -MIN_BOND],
      );
    });
  });

  describe("depositBond", function () {
    it("adds the value to the caller's bond and emits BondDeposited with the new balance", async function () {
      const { manager, stranger } = await loadFixture(deployManager);
      await expect(manager.connect(stranger).depositBond({ value: 5n }))
        .to.emit(manager, "BondDeposited")
        .withArgs(stranger.address, 5n, 5n);
      await expect(manager.connect(stranger).depositBond({ value: 7n }))
        .to.emit(manager, "BondDeposited")
        .withArgs(stranger.address, 7n, 12n);
      expect(await bondOf(manager, stranger.address)).to.deep.equal({ amount: 12n, lockedUntil: 0n });
    });

    it("holds the deposited value", async function () {
      const { manager, stranger } = await loadFixture(deployManager);
      await expect(manager.connect(stranger).depositBond({ value: MIN_BOND })).to.changeEtherBalances(
        [stranger, manager],
        [-MIN_BOND, MIN_BOND],
      );
    });

    it("adds to a locked bond without unlocking it", async function () {
      const { manager, proposer, finalizesAt } = await loadFixture(withCheckpoint);
      await manager.connect(proposer).depositBond({ value: 1n });
      expect(await bondOf(manager, proposer.address)).to.deep.equal({ amount: MIN_BOND + 1n, lockedUntil: finalizesAt });
    });

    it("never records less bond than it received", async function () {
      // Bonds are stored as uint128: a deposit past 2^128 must revert, not be truncated and lost.
      const { manager, stranger } = await loadFixture(deployManager);
      const value = 2n ** 128n;
      await setBalance(stranger.address, value * 2n);
      const accepted = await manager
        .connect(stranger)
        .depositBond({ value })
        .then(
          () => true,
          () => false,
        );
      const { amount } = await bondOf(manager, stranger.address);
      expect(amount).to.equal(accepted ? value : 0n);
      expect(await ethers.provider.getBalance(manager)).to.equal(accepted ? value + 2n * MIN_BOND : 2n * MIN_BOND);
    });
  });

  describe("withdrawBond", function () {
    it("pays an unlocked bond to the receiver and emits BondWithdrawn", async function () {
      const { manager, honest, stranger } = await loadFixture(deployManager);
      const amount = MIN_BOND / 4n;
      const withdrawal = manager.connect(honest).withdrawBond(stranger.address, amount);
      await expect(withdrawal).to.emit(manager, "BondWithdrawn").withArgs(honest.address, stranger.address, amount);
      await expect(withdrawal).to.changeEtherBalances([stranger, manager], [amount, -amount]);
      expect(await bondOf(manager, honest.address)).to.deep.equal({ amount: MIN_BOND - amount, lockedUntil: 0n });
    });

    it("pays the whole bond", async function () {
      const { manager, honest } = await loadFixture(deployManager);
      await expect(manager.connect(honest).withdrawBond(honest.address, MIN_BOND)).to.changeEtherBalance(
        honest,
        MIN_BOND,
      );
      expect((await bondOf(manager, honest.address)).amount).to.equal(0n);
    });

    it("reverts when the receiver is the zero address", async function () {
      const { manager, honest } = await loadFixture(deployManager);
      await expect(
        manager.connect(honest).withdrawBond(ethers.ZeroAddress, 1n),
      ).to.be.revertedWithCustomError(manager, "CheckpointManagerZeroAddress");
    });

    it("reverts when the amount exceeds the bond", async function () {
      const { manager, honest, stranger } = await loadFixture(deployManager);
      await expect(manager.connect(honest).withdrawBond(honest.address, MIN_BOND + 1n))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerBondInsufficient")
        .withArgs(honest.address, MIN_BOND, MIN_BOND + 1n);
      await expect(manager.connect(stranger).withdrawBond(stranger.address, 1n))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerBondInsufficient")
        .withArgs(stranger.address, 0n, 1n);
    });

    it("locks the bond until its checkpoint is final, to the second", async function () {
      const { manager, proposer, finalizesAt } = await loadFixture(withCheckpoint);
      expect(await bondOf(manager, proposer.address)).to.deep.equal({ amount: MIN_BOND, lockedUntil: finalizesAt });
      await time.setNextBlockTimestamp(finalizesAt - 1n);
      await expect(manager.connect(proposer).withdrawBond(proposer.address, 1n))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerBondLocked")
        .withArgs(proposer.address, finalizesAt);
      await time.setNextBlockTimestamp(finalizesAt);
      await expect(manager.connect(proposer).withdrawBond(proposer.address, MIN_BOND))
        .to.emit(manager, "BondWithdrawn")
        .withArgs(proposer.address, proposer.address, MIN_BOND);
    });

    it("keeps the bond locked until the proposer's last checkpoint is final", async function () {
      const { manager, proposer, validators, side, finalizesAt } = await loadFixture(withCheckpoint);
      await time.increase(600);
      await mine();
      const second = await checkpoint({ validators, proposer }, side);
      const [, , , secondFinalizesAt] = await manager.getCheckpoint(second.id);
      expect(secondFinalizesAt).to.be.greaterThan(finalizesAt);
      await time.increaseTo(finalizesAt);
      await expect(manager.connect(proposer).withdrawBond(proposer.address, 1n))
        .to.be.revertedWithCustomError(manager, "CheckpointManagerBondLocked")
        .withArgs(proposer.address, secondFinalizesAt);
      await time.increaseTo(secondFinalizesAt);
      await expect(manager.connect(proposer).withdrawBond(proposer.address, MIN_BOND)).to.changeEtherBalance(
        manager,
        -MIN_BOND,
      );
    });

    it("does not lock the bonds of other proposers", async function () {
      const { manager, honest } = await loadFixture(withCheckpoint);
      await expect(manager.connect(honest).withdrawBond(honest.address, MIN_BOND)).to.changeEtherBalance(
        honest,
        MIN_BOND,
      );
    });

    it("reverts, keeping the bond, when the receiver refuses the payment", async function () {
      const { manager, honest } = await loadFixture(deployManager);
      const rejecter = await ethers.deployContract("EtherRejecter");
      await expect(manager.connect(honest).withdrawBond(await rejecter.getAddress(), 1n)).to.be.revertedWithCustomError(
        rejecter,
        "EtherRejecterRefused",
      );
      expect((await bondOf(manager, honest.address)).amount).to.equal(MIN_BOND);
    });

    it("cannot be re-entered from the payment", async function () {
      const { manager, attacker } = await loadFixture(withReentrantProposer);
      const attackerAddress = await attacker.getAddress();
      await expect(attacker.getFunction("withdraw")(MIN_BOND / 2n)).to.be.revertedWithCustomError(
        manager,
        "ReentrancyGuardReentrantCall",
      );
      expect((await bondOf(manager, attackerAddress)).amount).to.equal(MIN_BOND);
      expect(await ethers.provider.getBalance(attackerAddress)).to.equal(0n);
    });
  });
});
