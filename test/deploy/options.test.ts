/** The deployment's own checks of its parameters, which mirror the contracts' so that a bad config fails before any transaction. */
import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { DeployConfigError } from "../../deploy/lib/errors";
import { loadDeployConfig } from "../../deploy/lib/config";
import { normalizeOptions, type DeployBridgeOptions } from "../../deploy/lib/options";

const VALIDATOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

function options(overrides: Partial<DeployBridgeOptions> = {}): DeployBridgeOptions {
  return {
    main: {},
    child: {},
    validators: [{ address: VALIDATOR, power: 1 }],
    challengePeriod: 600,
    minBond: 10n ** 18n,
    challengerRewardBps: 5_000,
    deploymentsDir: "unused",
    ...overrides,
  };
}

function configFile(content: object): string {
  const file = join(mkdtempSync(join(tmpdir(), "deploy-config-")), "config.json");
  writeFileSync(file, JSON.stringify(content));
  return file;
}

const CONFIG = { validators: [{ address: VALIDATOR, power: 1 }], challengePeriod: 600, minBond: "1000000000000000000", challengerRewardBps: 5_000 };

describe("deploy options", function () {
  describe("minBond (L-3)", function () {
    it("refuses zero, at the top level and per chain", function () {
      expect(() => normalizeOptions(options({ minBond: 0 }))).to.throw(DeployConfigError, /main: minBond must be at least 1 wei/);
      expect(() => normalizeOptions(options({ child: { checkpoint: { minBond: "0" } } }))).to.throw(DeployConfigError, /child: minBond must be at least 1 wei/);
    });

    it("accepts one wei", function () {
      expect(normalizeOptions(options({ minBond: 1 })).main.minBond).to.equal(1n);
    });

    it("is refused as zero by the config file's schema, naming the field", function () {
      expect(() => loadDeployConfig(configFile({ ...CONFIG, minBond: "0" }))).to.throw(DeployConfigError, /minBond: must be at least 1/);
      expect(() => loadDeployConfig(configFile({ ...CONFIG, main: { checkpoint: { minBond: 0 } } }))).to.throw(DeployConfigError, /main\.checkpoint\.minBond: must be at least 1/);
      expect(loadDeployConfig(configFile(CONFIG)).minBond).to.equal("1000000000000000000");
    });
  });

  describe("challengePeriod (L-1)", function () {
    it("refuses zero and more than 30 days, as the contract does", function () {
      expect(() => normalizeOptions(options({ challengePeriod: 0 }))).to.throw(DeployConfigError, /main: challengePeriod must be 1 s or more/);
      expect(() => normalizeOptions(options({ challengePeriod: 30 * 86_400 + 1 }))).to.throw(DeployConfigError, /main: challengePeriod 2592001 s is above 2592000 s/);
      expect(() => normalizeOptions(options({ child: { checkpoint: { challengePeriod: 2n ** 40n } } }))).to.throw(DeployConfigError, /child: challengePeriod/);
      expect(normalizeOptions(options({ challengePeriod: 30 * 86_400 })).main.challengePeriod).to.equal(2_592_000n);
    });
  });

  describe("validatorChangeDelay (M-1)", function () {
    it("defaults to twice the challenge period, per chain", function () {
      const settings = normalizeOptions(options({ challengePeriod: 600, child: { checkpoint: { challengePeriod: 60 } } }));
      expect(settings.main.validatorChangeDelay).to.equal(1_200n);
      expect(settings.child.validatorChangeDelay).to.equal(120n);
    });

    it("refuses a delay not above the challenge period, or above 90 days", function () {
      expect(() => normalizeOptions(options({ validatorChangeDelay: 600 }))).to.throw(DeployConfigError, /main: validatorChangeDelay must be above the challenge period \(600 s\)/);
      expect(() => normalizeOptions(options({ child: { checkpoint: { validatorChangeDelay: 90 * 86_400 + 1 } } }))).to.throw(DeployConfigError, /child: validatorChangeDelay/);
      expect(normalizeOptions(options({ validatorChangeDelay: 601 })).main.validatorChangeDelay).to.equal(601n);
    });

    it("is read from the config file", function () {
      expect(loadDeployConfig(configFile({ ...CONFIG, validatorChangeDelay: 7_200 })).validatorChangeDelay).to.equal(7_200);
    });
  });

  describe("staking mode", function () {
    const staking = { epochLength: 86_400, minStake: 10n ** 18n };

    it("derives the StakeManager's delays from both chains' challenge periods and change delays", function () {
      const normalized = normalizeOptions(options({ staking, child: { checkpoint: { challengePeriod: 900 } } }));
      // main: period 600, delay 1,200; child: period 900, delay 1,800. Carried to the child: 1,800 + 900.
      expect(normalized.staking).to.include({ challengePeriod: 900n, setChangeDelay: 2_700n + 3_600n, epochLength: 86_400n });
      expect(normalized.staking!.unbondingDelay).to.equal(2n * 86_400n + 900n + 6_300n);
      expect(normalized.staking).to.include({ maxValidators: 100, thresholdBps: 6_667, slashBps: 5_000, reporterRewardBps: 1_000 });
      expect(normalized.staking!.stakeToken).to.equal("0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE");
      expect(normalizeOptions(options()).staking).to.equal(undefined);
    });

    it("refuses what the contracts would refuse", function () {
      expect(() => normalizeOptions(options({ staking: { ...staking, epochLength: 1_200 } }))).to.throw(DeployConfigError, /main: validatorChangeDelay \(1200 s\) must be below staking.epochLength/);
      expect(() => normalizeOptions(options({ staking: { ...staking, unbondingDelay: 86_400 } }))).to.throw(DeployConfigError, /staking.unbondingDelay must be above/);
      expect(() => normalizeOptions(options({ staking: { ...staking, setChangeDelay: 600 } }))).to.throw(DeployConfigError, /setChangeDelay \(600 s\) must be at least/);
      expect(() => normalizeOptions(options({ staking: { ...staking, thresholdBps: 5_000 } }))).to.throw(DeployConfigError, /thresholdBps must be an integer from 5001/);
      expect(() => normalizeOptions(options({ staking: { ...staking, minStake: 0 } }))).to.throw(DeployConfigError, /minStake/);
    });

    it("is read from the config file's staking block, unknown keys refused", function () {
      expect(loadDeployConfig(configFile({ ...CONFIG, staking: { epochLength: 3_600, minStake: "1" } })).staking).to.deep.equal({ epochLength: 3_600, minStake: "1" });
      expect(() => loadDeployConfig(configFile({ ...CONFIG, staking: { epochLength: 3_600, minStake: "1", epoch: 1 } }))).to.throw(DeployConfigError, /staking/);
    });
  });
});
