import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { makeValidators, packValidator } from "../helpers/fixture";
import type { ValidatorSet } from "../../typechain-types";

const MAX_POWER = 2n ** 96n - 1n;
const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
const GUARDIAN_ROLE = ethers.id("GUARDIAN_ROLE");
const DELAY = 7n * 86_400n;

/** `count` distinct addresses in ascending order (0x…01, 0x…02, …). */
function ascendingAddresses(count: number): string[] {
  return Array.from({ length: count }, (_, i) => ethers.getAddress(ethers.toBeHex(i + 1, 20)));
}

function setHashOf(entries: string[]): string {
  // keccak256(abi.encodePacked(bytes32[])) is the hash of the concatenated words.
  return ethers.keccak256(ethers.concat(entries));
}

async function deployValidatorSet() {
  const [admin, stranger, newAdmin, guardian] = await ethers.getSigners();
  const addresses = makeValidators(4, "validator-set tests").map((w) => w.address);
  const powers = [10n, 20n, 30n, 40n];
  const threshold = 51n;
  const validatorSet = (await ethers.deployContract("ValidatorSet", [
    admin.address,
    guardian.address,
    addresses,
    powers,
    threshold,
    DELAY,
  ])) as unknown as ValidatorSet;
  return { validatorSet, admin, stranger, newAdmin, guardian, addresses, powers, threshold };
}

/** Proposes a set, waits out the delay and activates it; resolves to the activation transaction. */
async function replace(validatorSet: ValidatorSet, validators: string[], powers: bigint[], threshold: bigint) {
  await validatorSet.proposeValidators(validators, powers, threshold);
  await time.increase(DELAY);
  return validatorSet.activateValidators();
}

interface InvalidSet {
  what: string;
  validators: string[];
  powers: bigint[];
  threshold: bigint;
  error: string;
  args: unknown[];
}

const [A, B, C] = ascendingAddresses(3);

/** Every way a set can be rejected, with the exact error and arguments. */
const INVALID_SETS: InvalidSet[] = [
  { what: "the set is empty", validators: [], powers: [], threshold: 1n, error: "ValidatorSetEmpty", args: [] },
  {
    what: "the set has more than 256 validators",
    validators: ascendingAddresses(257),
    powers: Array<bigint>(257).fill(1n),
    threshold: 200n,
    error: "ValidatorSetTooLarge",
    args: [257n, 256n],
  },
  {
    what: "there are fewer powers than validators",
    validators: [A, B],
    powers: [1n],
    threshold: 1n,
    error: "ValidatorSetLengthMismatch",
    args: [2n, 1n],
  },
  {
    what: "there are more powers than validators",
    validators: [A],
    powers: [1n, 1n],
    threshold: 1n,
    error: "ValidatorSetLengthMismatch",
    args: [1n, 2n],
  },
  {
    what: "the validators are not in ascending order",
    validators: [A, C, B],
    powers: [1n, 1n, 1n],
    threshold: 2n,
    error: "ValidatorSetUnsorted",
    args: [2n, B],
  },
  {
    what: "a validator appears twice",
    validators: [A, B, B],
    powers: [1n, 1n, 1n],
    threshold: 2n,
    error: "ValidatorSetUnsorted",
    args: [2n, B],
  },
  {
    what: "the zero address is a validator",
    validators: [ethers.ZeroAddress, A],
    powers: [1n, 1n],
    threshold: 2n,
    error: "ValidatorSetUnsorted",
    args: [0n, ethers.ZeroAddress],
  },
  {
    what: "a validator has zero power",
    validators: [A, B, C],
    powers: [1n, 0n, 1n],
    threshold: 2n,
    error: "ValidatorSetZeroPower",
    args: [B],
  },
  {
    what: "a power does not fit in 96 bits",
    validators: [A, B],
    powers: [1n, MAX_POWER + 1n],
    threshold: MAX_POWER,
    error: "ValidatorSetPowerTooLarge",
    args: [B, MAX_POWER + 1n],
  },
  {
    what: "the threshold is exactly half the total power",
    validators: [A, B],
    powers: [1n, 1n],
    threshold: 1n,
    error: "ValidatorSetInvalidThreshold",
    args: [1n, 2n],
  },
  {
    what: "the threshold is below half the total power",
    validators: [A, B, C],
    powers: [10n, 10n, 10n],
    threshold: 14n,
    error: "ValidatorSetInvalidThreshold",
    args: [14n, 30n],
  },
  {
    what: "the threshold is zero",
    validators: [A],
    powers: [1n],
    threshold: 0n,
    error: "ValidatorSetInvalidThreshold",
    args: [0n, 1n],
  },
  {
    what: "the threshold exceeds the total power",
    validators: [A, B],
    powers: [1n, 1n],
    threshold: 3n,
    error: "ValidatorSetInvalidThreshold",
    args: [3n, 2n],
  },
];

describe("ValidatorSet", function () {
  describe("constructor", function () {
    it("installs the initial set as epoch 1 and announces it", async function () {
      const { validatorSet, addresses, powers, threshold } = await loadFixture(deployValidatorSet);
      const entries = addresses.map((a, i) => packValidator(a, powers[i]));
      expect(await validatorSet.epoch()).to.equal(1n);
      expect(await validatorSet.quorum()).to.deep.equal([setHashOf(entries), threshold]);
      await expect(validatorSet.deploymentTransaction())
        .to.emit(validatorSet, "ValidatorSetUpdated")
        .withArgs(1n, setHashOf(entries), addresses, powers, threshold);
    });

    it("gives the admin role to the admin only", async function () {
      const { validatorSet, admin, stranger } = await loadFixture(deployValidatorSet);
      expect(await validatorSet.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await validatorSet.hasRole(DEFAULT_ADMIN_ROLE, stranger.address)).to.equal(false);
    });

    it("rejects the zero address as admin: the set could never be replaced", async function () {
      const factory = await ethers.getContractFactory("ValidatorSet");
      const addresses = makeValidators(4, "validator-set tests").map((w) => w.address);
      await expect(
        factory.deploy(ethers.ZeroAddress, ethers.ZeroAddress, addresses, [10n, 20n, 30n, 40n], 51n, DELAY),
      ).to.be.revertedWithCustomError(factory, "ValidatorSetZeroAdmin");
    });

    it("gives the guardian role to the guardian, and to nobody for the zero address", async function () {
      const { validatorSet, guardian, addresses, powers, threshold } = await loadFixture(deployValidatorSet);
      expect(await validatorSet.hasRole(GUARDIAN_ROLE, guardian.address)).to.equal(true);
      const [admin] = await ethers.getSigners();
      const without = await ethers.deployContract("ValidatorSet", [admin.address, ethers.ZeroAddress, addresses, powers, threshold, DELAY]);
      expect(await without.hasRole(GUARDIAN_ROLE, ethers.ZeroAddress)).to.equal(false);
    });

    it("rejects a change delay of zero or above MAX_CHANGE_DELAY (90 days)", async function () {
      const [admin] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("ValidatorSet");
      const max = 90n * 86_400n;
      for (const delay of [0n, max + 1n]) {
        await expect(factory.deploy(admin.address, admin.address, [A], [1n], 1n, delay))
          .to.be.revertedWithCustomError(factory, "ValidatorSetInvalidChangeDelay")
          .withArgs(delay, max);
      }
      const longest = await ethers.deployContract("ValidatorSet", [admin.address, admin.address, [A], [1n], 1n, max]);
      expect(await longest.changeDelay()).to.equal(max);
      expect(await longest.MAX_CHANGE_DELAY()).to.equal(max);
    });

    for (const invalid of INVALID_SETS) {
      it(`rejects an initial set when ${invalid.what}`, async function () {
        const [admin] = await ethers.getSigners();
        const factory = await ethers.getContractFactory("ValidatorSet");
        await expect(factory.deploy(admin.address, admin.address, invalid.validators, invalid.powers, invalid.threshold, DELAY))
          .to.be.revertedWithCustomError(factory, invalid.error)
          .withArgs(...invalid.args);
      });
    }
  });

  describe("proposeValidators, then activateValidators after the delay (M-1)", function () {
    it("schedules the set in public with its activation time, leaving the current one in force", async function () {
      const { validatorSet, addresses, powers, threshold } = await loadFixture(deployValidatorSet);
      const validators = [A, B, C];
      const newPowers = [5n, 6n, 7n];
      const entries = validators.map((v, i) => packValidator(v, newPowers[i]));
      const at = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(at);
      await expect(validatorSet.proposeValidators(validators, newPowers, 13n))
        .to.emit(validatorSet, "ValidatorSetChangeScheduled")
        .withArgs(2n, setHashOf(entries), validators, newPowers, 13n, at + DELAY);
      expect(await validatorSet.pendingChange()).to.deep.equal([at + DELAY, setHashOf(entries), validators, newPowers, 13n]);
      expect(await validatorSet.epoch()).to.equal(1n);
      expect(await validatorSet.validators()).to.deep.equal([addresses, powers]);
      expect(await validatorSet.threshold()).to.equal(threshold);
    });

    it("refuses activation before the delay, then lets anyone activate it, emitting ValidatorSetUpdated", async function () {
      const { validatorSet, stranger } = await loadFixture(deployValidatorSet);
      const validators = [A, B, C];
      const powers = [5n, 6n, 7n];
      const entries = validators.map((v, i) => packValidator(v, powers[i]));
      await validatorSet.proposeValidators(validators, powers, 13n);
      const [activatesAt] = await validatorSet.pendingChange();
      await time.setNextBlockTimestamp(activatesAt - 1n);
      await expect(validatorSet.connect(stranger).activateValidators())
        .to.be.revertedWithCustomError(validatorSet, "ValidatorSetChangeNotDue")
        .withArgs(activatesAt);
      await time.setNextBlockTimestamp(activatesAt);
      await expect(validatorSet.connect(stranger).activateValidators())
        .to.emit(validatorSet, "ValidatorSetUpdated")
        .withArgs(2n, setHashOf(entries), validators, powers, 13n);

      expect(await validatorSet.epoch()).to.equal(2n);
      expect(await validatorSet.validators()).to.deep.equal([validators, powers]);
      expect(await validatorSet.packedValidators()).to.deep.equal(entries);
      expect(await validatorSet.quorum()).to.deep.equal([setHashOf(entries), 13n]);
      expect(await validatorSet.totalPower()).to.equal(18n);
      expect(await validatorSet.threshold()).to.equal(13n);
      expect(await validatorSet.pendingChange()).to.deep.equal([0n, ethers.ZeroHash, [], [], 0n]);
      await expect(validatorSet.activateValidators()).to.be.revertedWithCustomError(validatorSet, "ValidatorSetNoPendingChange");
    });

    it("lets the guardian cancel a pending change, which can then never be activated", async function () {
      const { validatorSet, guardian, addresses, powers } = await loadFixture(deployValidatorSet);
      await validatorSet.proposeValidators([A], [1n], 1n);
      await expect(validatorSet.connect(guardian).cancelValidatorChange())
        .to.emit(validatorSet, "ValidatorSetChangeCancelled")
        .withArgs(2n, setHashOf([packValidator(A, 1n)]));
      await time.increase(DELAY);
      await expect(validatorSet.activateValidators()).to.be.revertedWithCustomError(validatorSet, "ValidatorSetNoPendingChange");
      expect(await validatorSet.validators()).to.deep.equal([addresses, powers]);
      await expect(validatorSet.connect(guardian).cancelValidatorChange()).to.be.revertedWithCustomError(
        validatorSet,
        "ValidatorSetNoPendingChange",
      );
    });

    it("lets only the guardian cancel, not the admin nor a stranger", async function () {
      const { validatorSet, admin, stranger } = await loadFixture(deployValidatorSet);
      await validatorSet.proposeValidators([A], [1n], 1n);
      for (const caller of [admin, stranger]) {
        await expect(validatorSet.connect(caller).cancelValidatorChange())
          .to.be.revertedWithCustomError(validatorSet, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, GUARDIAN_ROLE);
      }
    });

    it("replaces a pending proposal by a newer one, whose delay starts again", async function () {
      const { validatorSet } = await loadFixture(deployValidatorSet);
      await validatorSet.proposeValidators([A], [1n], 1n);
      await time.increase(DELAY - 10n);
      const second = validatorSet.proposeValidators([B], [2n], 2n);
      await expect(second).to.emit(validatorSet, "ValidatorSetChangeCancelled").withArgs(2n, setHashOf([packValidator(A, 1n)]));
      await expect(second).to.emit(validatorSet, "ValidatorSetChangeScheduled");
      await time.increase(10n);
      await expect(validatorSet.activateValidators()).to.be.revertedWithCustomError(validatorSet, "ValidatorSetChangeNotDue");
      await time.increase(DELAY);
      await validatorSet.activateValidators();
      expect(await validatorSet.validators()).to.deep.equal([[B], [2n]]);
    });

    it("counts every installed set in the epoch", async function () {
      const { validatorSet } = await loadFixture(deployValidatorSet);
      for (let epoch = 2n; epoch <= 4n; epoch++) {
        await expect(replace(validatorSet, [A], [epoch], epoch))
          .to.emit(validatorSet, "ValidatorSetUpdated")
          .withArgs(epoch, setHashOf([packValidator(A, epoch)]), [A], [epoch], epoch);
      }
      expect(await validatorSet.epoch()).to.equal(4n);
    });

    it("changes the set hash when only a power changes", async function () {
      const { validatorSet, addresses, powers, threshold } = await loadFixture(deployValidatorSet);
      const [before] = await validatorSet.quorum();
      await replace(validatorSet, addresses, [powers[0] + 1n, ...powers.slice(1)], threshold);
      const [after] = await validatorSet.quorum();
      expect(after).to.not.equal(before);
    });

    it("reverts for anyone but the admin, the guardian included", async function () {
      const { validatorSet, stranger, guardian } = await loadFixture(deployValidatorSet);
      for (const caller of [stranger, guardian]) {
        await expect(validatorSet.connect(caller).proposeValidators([A], [1n], 1n))
          .to.be.revertedWithCustomError(validatorSet, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DEFAULT_ADMIN_ROLE);
      }
    });

    it("lets an account granted the admin role propose a set", async function () {
      const { validatorSet, newAdmin } = await loadFixture(deployValidatorSet);
      await validatorSet.grantRole(DEFAULT_ADMIN_ROLE, newAdmin.address);
      await expect(validatorSet.connect(newAdmin).proposeValidators([A], [1n], 1n)).to.emit(
        validatorSet,
        "ValidatorSetChangeScheduled",
      );
      await time.increase(DELAY);
      await validatorSet.activateValidators();
      expect(await validatorSet.validators()).to.deep.equal([[A], [1n]]);
    });

    for (const invalid of INVALID_SETS) {
      it(`reverts when ${invalid.what}, scheduling nothing`, async function () {
        const { validatorSet, addresses, powers, threshold } = await loadFixture(deployValidatorSet);
        const quorumBefore = await validatorSet.quorum();
        await expect(validatorSet.proposeValidators(invalid.validators, invalid.powers, invalid.threshold))
          .to.be.revertedWithCustomError(validatorSet, invalid.error)
          .withArgs(...invalid.args);
        expect(await validatorSet.epoch()).to.equal(1n);
        expect((await validatorSet.pendingChange())[0]).to.equal(0n);
        expect(await validatorSet.quorum()).to.deep.equal(quorumBefore);
        expect(await validatorSet.validators()).to.deep.equal([addresses, powers]);
        expect(await validatorSet.threshold()).to.equal(threshold);
      });
    }

    it("reports a threshold too large to double as an invalid threshold", async function () {
      // threshold * 2 overflows for thresholds >= 2^255: the check must still name the threshold.
      const { validatorSet } = await loadFixture(deployValidatorSet);
      const threshold = 2n ** 255n;
      await expect(validatorSet.proposeValidators([A, B], [1n, 1n], threshold))
        .to.be.revertedWithCustomError(validatorSet, "ValidatorSetInvalidThreshold")
        .withArgs(threshold, 2n);
    });

    it("accepts exactly 256 validators", async function () {
      const { validatorSet } = await loadFixture(deployValidatorSet);
      const validators = ascendingAddresses(256);
      const powers = Array<bigint>(256).fill(1n);
      await replace(validatorSet, validators, powers, 171n);
      expect(await validatorSet.MAX_VALIDATORS()).to.equal(256n);
      expect(await validatorSet.totalPower()).to.equal(256n);
      expect(await validatorSet.packedValidators()).to.have.length(256);
    });

    it("accepts the largest power, 2^96 - 1, without touching the address bits", async function () {
      const { validatorSet } = await loadFixture(deployValidatorSet);
      const addressBits = ethers.getAddress("0xffffffffffffffffffffffffffffffffffffffff");
      await replace(validatorSet, [A, addressBits], [MAX_POWER, MAX_POWER], 2n * MAX_POWER);
      const entries = await validatorSet.packedValidators();
      expect(entries).to.deep.equal([packValidator(A, MAX_POWER), ethers.toBeHex(ethers.MaxUint256, 32)]);
      expect(BigInt(entries[1]) >> 96n).to.equal(BigInt(addressBits));
      expect(BigInt(entries[1]) & MAX_POWER).to.equal(MAX_POWER);
      expect(await validatorSet.totalPower()).to.equal(2n * MAX_POWER);
    });

    it("accepts the smallest threshold above half and the total power itself", async function () {
      const { validatorSet } = await loadFixture(deployValidatorSet);
      await replace(validatorSet, [A, B, C], [1n, 1n, 2n], 3n);
      expect(await validatorSet.threshold()).to.equal(3n);
      await replace(validatorSet, [A, B, C], [1n, 1n, 2n], 4n);
      expect(await validatorSet.threshold()).to.equal(4n);
      await replace(validatorSet, [A, B, C], [1n, 1n, 1n], 2n);
      expect(await validatorSet.threshold()).to.equal(2n);
    });

    it("accepts a single validator", async function () {
      const { validatorSet } = await loadFixture(deployValidatorSet);
      await replace(validatorSet, [A], [1n], 1n);
      expect(await validatorSet.totalPower()).to.equal(1n);
      expect(await validatorSet.quorum()).to.deep.equal([setHashOf([packValidator(A, 1n)]), 1n]);
    });
  });

  describe("views", function () {
    it("returns the set as addresses and powers, in order", async function () {
      const { validatorSet, addresses, powers } = await loadFixture(deployValidatorSet);
      const [validators, returnedPowers] = await validatorSet.validators();
      expect(validators).to.deep.equal(addresses);
      expect(returnedPowers).to.deep.equal(powers);
    });

    it("packs each entry as address << 96 | power, in set order", async function () {
      const { validatorSet, addresses, powers } = await loadFixture(deployValidatorSet);
      const entries = await validatorSet.packedValidators();
      expect(entries).to.deep.equal(addresses.map((a, i) => packValidator(a, powers[i])));
      for (let i = 0; i < addresses.length; i++) {
        expect(await validatorSet.packValidator(addresses[i], powers[i])).to.equal(entries[i]);
      }
    });

    it("commits to the packed entries: quorum() is keccak256(abi.encodePacked(entries)) and the threshold", async function () {
      const { validatorSet, threshold } = await loadFixture(deployValidatorSet);
      const entries = [...(await validatorSet.packedValidators())];
      const [setHash, quorumThreshold] = await validatorSet.quorum();
      expect(setHash).to.equal(setHashOf(entries));
      expect(setHash).to.equal(ethers.solidityPackedKeccak256(["bytes32[]"], [entries]));
      expect(quorumThreshold).to.equal(threshold);
      expect(await validatorSet.threshold()).to.equal(threshold);
    });

    it("sums the powers in totalPower()", async function () {
      const { validatorSet, powers } = await loadFixture(deployValidatorSet);
      expect(await validatorSet.totalPower()).to.equal(powers.reduce((a, b) => a + b, 0n));
    });

    it("packValidator matches the off-chain packing for any power below 2^96", async function () {
      const { validatorSet } = await loadFixture(deployValidatorSet);
      for (const power of [1n, 2n ** 64n, MAX_POWER]) {
        expect(await validatorSet.packValidator(C, power)).to.equal(packValidator(C, power));
      }
    });

    it("has version 0.2.0", async function () {
      const { validatorSet } = await loadFixture(deployValidatorSet);
      expect(await validatorSet.version()).to.equal("0.2.0");
    });
  });
});
