import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { makeValidators, packValidator } from "../helpers/fixture";
import type { ValidatorSet } from "../../typechain-types";

const MAX_POWER = 2n ** 96n - 1n;
const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;

/** `count` distinct addresses in ascending order (0x…01, 0x…02, …). */
function ascendingAddresses(count: number): string[] {
  return Array.from({ length: count }, (_, i) => ethers.getAddress(ethers.toBeHex(i + 1, 20)));
}

function setHashOf(entries: string[]): string {
  // keccak256(abi.encodePacked(bytes32[])) is the hash of the concatenated words.
  return ethers.keccak256(ethers.concat(entries));
}

async function deployValidatorSet() {
  const [admin, stranger, newAdmin] = await ethers.getSigners();
  const addresses = makeValidators(4, "validator-set tests").map((w) => w.address);
  const powers = [10n, 20n, 30n, 40n];
  const threshold = 51n;
  const validatorSet = (await ethers.deployContract("ValidatorSet", [
    admin.address,
    addresses,
    powers,
    threshold,
  ])) as unknown as ValidatorSet;
  return { validatorSet, admin, stranger, newAdmin, addresses, powers, threshold };
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
        factory.deploy(ethers.ZeroAddress, addresses, [10n, 20n, 30n, 40n], 51n),
      ).to.be.revertedWithCustomError(factory, "ValidatorSetZeroAdmin");
    });

    for (const invalid of INVALID_SETS) {
      it(`rejects an initial set when ${invalid.what}`, async function () {
        const [admin] = await ethers.getSigners();
        const factory = await ethers.getContractFactory("ValidatorSet");
        await expect(factory.deploy(admin.address, invalid.validators, invalid.powers, invalid.threshold))
          .to.be.revertedWithCustomError(factory, invalid.error)
          .withArgs(...invalid.args);
      });
    }
  });

  describe("updateValidators", function () {
    it("replaces the set, increments the epoch and emits ValidatorSetUpdated", async function () {
      const { validatorSet } = await loadFixture(deployValidatorSet);
      const validators = [A, B, C];
      const powers = [5n, 6n, 7n];
      const entries = validators.map((v, i) => packValidator(v, powers[i]));
      await expect(validatorSet.updateValidators(validators, powers, 13n))
        .to.emit(validatorSet, "ValidatorSetUpdated")
        .withArgs(2n, setHashOf(entries), validators, powers, 13n);

      expect(await validatorSet.epoch()).to.equal(2n);
      expect(await validatorSet.validators()).to.deep.equal([validators, powers]);
      expect(await validatorSet.packedValidators()).to.deep.equal(entries);
      expect(await validatorSet.quorum()).to.deep.equal([setHashOf(entries), 13n]);
      expect(await validatorSet.totalPower()).to.equal(18n);
      expect(await validatorSet.threshold()).to.equal(13n);
    });

    it("counts every installed set in the epoch", async function () {
      const { validatorSet } = await loadFixture(deployValidatorSet);
      for (let epoch = 2n; epoch <= 4n; epoch++) {
        await expect(validatorSet.updateValidators([A], [epoch], epoch))
          .to.emit(validatorSet, "ValidatorSetUpdated")
          .withArgs(epoch, setHashOf([packValidator(A, epoch)]), [A], [epoch], epoch);
      }
      expect(await validatorSet.epoch()).to.equal(4n);
    });

    it("changes the set hash when only a power changes", async function () {
      const { validatorSet, addresses, powers, threshold } = await loadFixture(deployValidatorSet);
      const [before] = await validatorSet.quorum();
      await validatorSet.updateValidators(addresses, [powers[0] + 1n, ...powers.slice(1)], threshold);
      const [after] = await validatorSet.quorum();
      expect(after).to.not.equal(before);
    });

    it("reverts for anyone but the admin", async function () {
      const { validatorSet, stranger } = await loadFixture(deployValidatorSet);
      await expect(validatorSet.connect(stranger).updateValidators([A], [1n], 1n))
        .to.be.revertedWithCustomError(validatorSet, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, DEFAULT_ADMIN_ROLE);
    });

    it("lets an account granted the admin role update the set", async function () {
      const { validatorSet, newAdmin } = await loadFixture(deployValidatorSet);
      await validatorSet.grantRole(DEFAULT_ADMIN_ROLE, newAdmin.address);
      await expect(validatorSet.connect(newAdmin).updateValidators([A], [1n], 1n)).to.emit(
        validatorSet,
        "ValidatorSetUpdated",
      );
      expect(await validatorSet.validators()).to.deep.equal([[A], [1n]]);
    });

    for (const invalid of INVALID_SETS) {
      it(`reverts when ${invalid.what}, leaving the set unchanged`, async function () {
        const { validatorSet, addresses, powers, threshold } = await loadFixture(deployValidatorSet);
        const quorumBefore = await validatorSet.quorum();
        await expect(validatorSet.updateValidators(invalid.validators, invalid.powers, invalid.threshold))
          .to.be.revertedWithCustomError(validatorSet, invalid.error)
          .withArgs(...invalid.args);
        expect(await validatorSet.epoch()).to.equal(1n);
        expect(await validatorSet.quorum()).to.deep.equal(quorumBefore);
        expect(await validatorSet.validators()).to.deep.equal([addresses, powers]);
        expect(await validatorSet.threshold()).to.equal(threshold);
      });
    }

    it("reports a threshold too large to double as an invalid threshold", async function () {
      // threshold * 2 overflows for thresholds >= 2^255: the check must still name the threshold.
      const { validatorSet } = await loadFixture(deployValidatorSet);
      const threshold = 2n ** 255n;
      await expect(validatorSet.updateValidators([A, B], [1n, 1n], threshold))
        .to.be.revertedWithCustomError(validatorSet, "ValidatorSetInvalidThreshold")
        .withArgs(threshold, 2n);
    });

    it("accepts exactly 256 validators", async function () {
      const { validatorSet } = await loadFixture(deployValidatorSet);
      const validators = ascendingAddresses(256);
      const powers = Array<bigint>(256).fill(1n);
      await validatorSet.updateValidators(validators, powers, 171n);
      expect(await validatorSet.MAX_VALIDATORS()).to.equal(256n);
      expect(await validatorSet.totalPower()).to.equal(256n);
      expect(await validatorSet.packedValidators()).to.have.length(256);
    });

    it("accepts the largest power, 2^96 - 1, without touching the address bits", async function () {
      const { validatorSet } = await loadFixture(deployValidatorSet);
      const addressBits = ethers.getAddress("0xffffffffffffffffffffffffffffffffffffffff");
      await validatorSet.updateValidators([A, addressBits], [MAX_POWER, MAX_POWER], 2n * MAX_POWER);
      const entries = await validatorSet.packedValidators();
      expect(entries).to.deep.equal([packValidator(A, MAX_POWER), ethers.toBeHex(ethers.MaxUint256, 32)]);
      expect(BigInt(entries[1]) >> 96n).to.equal(BigInt(addressBits));
      expect(BigInt(entries[1]) & MAX_POWER).to.equal(MAX_POWER);
      expect(await validatorSet.totalPower()).to.equal(2n * MAX_POWER);
    });

    it("accepts the smallest threshold above half and the total power itself", async function () {
      const { validatorSet } = await loadFixture(deployValidatorSet);
      await validatorSet.updateValidators([A, B, C], [1n, 1n, 2n], 3n);
      expect(await validatorSet.threshold()).to.equal(3n);
      await validatorSet.updateValidators([A, B, C], [1n, 1n, 2n], 4n);
      expect(await validatorSet.threshold()).to.equal(4n);
      await validatorSet.updateValidators([A, B, C], [1n, 1n, 1n], 2n);
      expect(await validatorSet.threshold()).to.equal(2n);
    });

    it("accepts a single validator", async function () {
      const { validatorSet } = await loadFixture(deployValidatorSet);
      await validatorSet.updateValidators([A], [1n], 1n);
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

    it("has version 0.1.0", async function () {
      const { validatorSet } = await loadFixture(deployValidatorSet);
      expect(await validatorSet.version()).to.equal("0.1.0");
    });
  });
});
