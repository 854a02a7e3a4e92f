/**
 * What `deployBridge` takes, and its normalisation: addresses checksummed, validator sets sorted
 * (ValidatorSet requires ascending addresses) and checked against the contract's own rules, so a
 * bad config fails before the first transaction with a message naming the field.
 */
import { ZeroAddress, getAddress, type Signer } from "ethers";

import type { ChainRole } from "./deploymentFile";
import { DeployConfigError } from "./errors";

export type Numberish = bigint | number | string;

export interface ValidatorEntry {
  address: string;
  power: Numberish;
}

export interface ValidatorSetSpec {
  validators: ValidatorEntry[];
  /** Power a checkpoint needs; default: more than two thirds of the total power. */
  threshold?: Numberish;
}

/** Parameters of one CheckpointManager. */
export interface CheckpointParams {
  /** Seconds a checkpoint can be challenged. */
  challengePeriod: Numberish;
  /** Proposer bond, in wei of the chain the CheckpointManager lives on. */
  minBond: Numberish;
  /** Share of a slashed bond paid to the challenger, in basis points. */
  challengerRewardBps: number;
  /**
   * Seconds a proposed validator set waits before it can be activated (ValidatorSet.changeDelay);
   * above the challenge period. Default: twice the challenge period.
   */
  validatorChangeDelay?: Numberish;
}

/** One chain to deploy on. Give `signer` (with a provider), or `rpcUrl` and `privateKey`. */
export interface ChainTarget {
  /** Names deploymentsDir/<network>.json; default `<role>-<chainId>`. */
  network?: string;
  rpcUrl?: string;
  privateKey?: string;
  signer?: Signer;
  /** Fail unless the RPC reports this chain id. */
  expectedChainId?: number;
  /** Blocks to wait for after each transaction; default 1. */
  confirmations?: number;
  /** How often ethers polls for new blocks while waiting; default 1000 ms. */
  pollingIntervalMs?: number;
  /** Overrides the top-level admin / guardian on this chain. */
  admin?: string;
  guardian?: string | null;
  /** Overrides the top-level parameters for the CheckpointManager on this chain. */
  checkpoint?: Partial<CheckpointParams>;
}

/**
 * Staking mode: the validator sets follow a StakeManager on the main chain instead of governance.
 * Both chains' sets start from the configured validators (the bootstrap set) and take each epoch's
 * snapshot once `StakeManager.rotateValidatorSet(epoch)` is called (by anyone) and the change delay
 * has passed; the child chain's set receives it as a message through the Messenger.
 */
export interface StakingSpec {
  /** ERC20 staked on the main chain; default the main chain's native currency. */
  stakeToken?: string;
  /** Seconds per epoch; above both chains' validatorChangeDelay. */
  epochLength: Numberish;
  /** Smallest bonded stake, in the stake token's units. */
  minStake: Numberish;
  /**
   * Seconds from an epoch's start until its set is in force on both chains. Default: the longer
   * of the main chain's change delay and the child chain's change delay plus its challenge period
   * (the rotation message must be in a final checkpoint there), plus an hour to rotate and relay.
   */
  setChangeDelay?: Numberish;
  /** Seconds between an unstake and its withdrawal; default two epochs + challenge period + setChangeDelay. */
  unbondingDelay?: Numberish;
  /** Default 100, at most 256. */
  maxValidators?: number;
  /** Share of an epoch's power a checkpoint needs, in basis points above 5,000; default 6,667. */
  thresholdBps?: number;
  /** Share of stake an equivocation costs; default 5,000. */
  slashBps?: number;
  /** Share of a slash paid to the reporter; default 1,000. */
  reporterRewardBps?: number;
}

/** StakeManager's constructor config (IStakeManager.Config). */
export interface NormalizedStaking {
  stakeToken: string;
  epochLength: bigint;
  unbondingDelay: bigint;
  challengePeriod: bigint;
  setChangeDelay: bigint;
  minStake: bigint;
  maxValidators: number;
  thresholdBps: number;
  slashBps: number;
  reporterRewardBps: number;
}

/** StakeManager.NATIVE_TOKEN. */
export const NATIVE_STAKE_TOKEN = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";
/** StakeManager.MAX_EPOCH_LENGTH and MAX_UNBONDING_DELAY. */
const MAX_EPOCH_LENGTH = 30n * 86_400n;
const MAX_UNBONDING_DELAY = 365n * 86_400n;

/** Receives progress; pino's logger fits. */
export interface DeployLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface DeployBridgeOptions {
  main: ChainTarget;
  child: ChainTarget;
  /** Validators of both chains unless `mainValidators` / `childValidators` say otherwise. */
  validators?: ValidatorEntry[];
  threshold?: Numberish;
  /** The main chain's validators: they sign checkpoints of main's blocks, checked on the child chain. */
  mainValidators?: ValidatorSetSpec;
  /** The child chain's validators: they sign checkpoints of child's blocks, checked on the main chain. */
  childValidators?: ValidatorSetSpec;
  challengePeriod: Numberish;
  minBond: Numberish;
  challengerRewardBps: number;
  /** See CheckpointParams.validatorChangeDelay; default twice the challenge period. */
  validatorChangeDelay?: Numberish;
  /** Opt-in staking mode (StakeManager, StakedValidatorSet, ChildValidatorSet); default governance ValidatorSets. */
  staking?: StakingSpec;
  /**
   * The data-availability game beside each CheckpointManager (LeafAvailabilityGame). Default:
   * windows of an eighth of the challenge period each, bonds of a tenth (leaves) and a hundredth
   * (a header) of minBond; not deployed when the challenge period is under 5 s, or when false.
   */
  availability?: false | Partial<Record<keyof AvailabilitySettings, Numberish>>;
  /** Final admin of every contract; default the deployer. Wiring is done first, then handed over. */
  admin?: string;
  /** May pause the checkpoint managers and messengers, and cancel a proposed validator set; default the admin; null for none. */
  guardian?: string | null;
  /** Where <network>.json files are read and written. */
  deploymentsDir: string;
  /** Hardhat artifacts folder; default the repository's artifacts/. */
  artifactsDir?: string;
  /** Timeout of the first `eth_chainId` call; default 10 s. */
  rpcTimeoutMs?: number;
  /** Timeout of each transaction's confirmation; default 5 minutes. */
  txTimeoutMs?: number;
  logger?: DeployLogger;
}

/** A validator set as the ValidatorSet constructor takes it. */
export interface NormalizedValidatorSet {
  addresses: string[];
  powers: bigint[];
  threshold: bigint;
}

/** LeafAvailabilityGame's constructor parameters. */
export interface AvailabilitySettings {
  responseWindow: bigint;
  resolveWindow: bigint;
  leafDemandBond: bigint;
  headerDemandBond: bigint;
}

/** What one chain's contracts are deployed with (admin/guardian resolved once the deployer is known). */
export interface SideSettings {
  role: ChainRole;
  /** Validators of the OTHER chain, installed in this chain's ValidatorSet. */
  validatorSet: NormalizedValidatorSet;
  challengePeriod: bigint;
  minBond: bigint;
  challengerRewardBps: number;
  validatorChangeDelay: bigint;
  /** Undefined: no data-availability game on this chain. */
  availability?: AvailabilitySettings;
  admin?: string;
  guardian?: string;
}

const MAX_VALIDATORS = 256;
const MAX_POWER = (1n << 96n) - 1n;
const MAX_BPS = 10_000;
/** CheckpointManager.MAX_CHALLENGE_PERIOD. */
export const MAX_CHALLENGE_PERIOD = 30n * 24n * 3_600n;
/** ValidatorSet.MAX_CHANGE_DELAY. */
export const MAX_CHANGE_DELAY = 90n * 24n * 3_600n;

/** Checks the options and derives each chain's settings. @throws DeployConfigError */
export function normalizeOptions(options: DeployBridgeOptions): Record<ChainRole, SideSettings> & { staking?: NormalizedStaking } {
  const fallback = options.validators;
  const setOf = (spec: ValidatorSetSpec | undefined, chain: ChainRole): NormalizedValidatorSet => {
    const validators = spec?.validators ?? fallback;
    if (validators === undefined) throw new DeployConfigError(`no validators for the ${chain} chain: give validators or ${chain}Validators`);
    return normalizeValidatorSet(validators, spec?.threshold ?? options.threshold, `${chain} chain validators`);
  };
  const mainSet = setOf(options.mainValidators, "main");
  const childSet = setOf(options.childValidators, "child");
  // main's ValidatorSet checks checkpoints of the child chain, and the other way round.
  const main = sideSettings("main", options, options.main, childSet);
  const child = sideSettings("child", options, options.child, mainSet);
  return options.staking === undefined ? { main, child } : { main, child, staking: normalizeStaking(options.staking, main, child) };
}

/** Applies the StakeManager's and the staked sets' rules to the staking options. */
export function normalizeStaking(spec: StakingSpec, main: SideSettings, child: SideSettings): NormalizedStaking {
  const epochLength = toBigInt(spec.epochLength, "staking.epochLength");
  if (epochLength <= 0n || epochLength > MAX_EPOCH_LENGTH) throw new DeployConfigError(`staking.epochLength must be from 1 s to ${MAX_EPOCH_LENGTH} s (30 days), got ${epochLength}`);
  // A set that waits an epoch or more would be replaced by the next rotation before it could take effect.
  for (const side of [main, child]) {
    if (side.validatorChangeDelay >= epochLength) {
      throw new DeployConfigError(`${side.role}: validatorChangeDelay (${side.validatorChangeDelay} s) must be below staking.epochLength (${epochLength} s)`);
    }
  }
  const challengePeriod = main.challengePeriod > child.challengePeriod ? main.challengePeriod : child.challengePeriod;
  const carried = child.validatorChangeDelay + child.challengePeriod;
  const defaultDelay = (main.validatorChangeDelay > carried ? main.validatorChangeDelay : carried) + 3_600n;
  const setChangeDelay = spec.setChangeDelay === undefined ? defaultDelay : toBigInt(spec.setChangeDelay, "staking.setChangeDelay");
  if (setChangeDelay < main.validatorChangeDelay) {
    throw new DeployConfigError(`staking.setChangeDelay (${setChangeDelay} s) must be at least the main chain's validatorChangeDelay (${main.validatorChangeDelay} s)`);
  }
  const minimum = epochLength + challengePeriod + setChangeDelay;
  const unbondingDelay = spec.unbondingDelay === undefined ? minimum + epochLength : toBigInt(spec.unbondingDelay, "staking.unbondingDelay");
  if (unbondingDelay <= minimum || unbondingDelay > MAX_UNBONDING_DELAY) {
    throw new DeployConfigError(`staking.unbondingDelay must be above epochLength + challengePeriod + setChangeDelay (${minimum} s) and at most ${MAX_UNBONDING_DELAY} s, got ${unbondingDelay}`);
  }
  const minStake = toBigInt(spec.minStake, "staking.minStake");
  if (minStake <= 0n || minStake >= 1n << 96n) throw new DeployConfigError(`staking.minStake must be from 1 to 2^96 - 1, got ${minStake}`);
  const int = (value: number | undefined, fallback: number, what: string, min: number, max: number) => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < min || v > max) throw new DeployConfigError(`staking.${what} must be an integer from ${min} to ${max}, got ${v}`);
    return v;
  };
  return {
    stakeToken: spec.stakeToken === undefined ? NATIVE_STAKE_TOKEN : checkedAddress(spec.stakeToken, "staking.stakeToken", false),
    epochLength,
    unbondingDelay,
    challengePeriod,
    setChangeDelay,
    minStake,
    maxValidators: int(spec.maxValidators, 100, "maxValidators", 1, MAX_VALIDATORS),
    // Above half: two quorums of one epoch always share a validator.
    thresholdBps: int(spec.thresholdBps, 6_667, "thresholdBps", 5_001, MAX_BPS),
    slashBps: int(spec.slashBps, 5_000, "slashBps", 1, MAX_BPS),
    reporterRewardBps: int(spec.reporterRewardBps, 1_000, "reporterRewardBps", 0, MAX_BPS - 1),
  };
}

function sideSettings(role: ChainRole, options: DeployBridgeOptions, target: ChainTarget, validatorSet: NormalizedValidatorSet): SideSettings {
  const params = { ...pick(options), ...target.checkpoint };
  const challengePeriod = toBigInt(params.challengePeriod, `${role}: challengePeriod`);
  if (challengePeriod <= 0n) throw new DeployConfigError(`${role}: challengePeriod must be 1 s or more`);
  if (challengePeriod > MAX_CHALLENGE_PERIOD) throw new DeployConfigError(`${role}: challengePeriod ${challengePeriod} s is above ${MAX_CHALLENGE_PERIOD} s (30 days), the contract's bound`);
  const minBond = toBigInt(params.minBond, `${role}: minBond`);
  // A zero bond lets anyone submit and pays no challenger: the contract refuses it too.
  if (minBond <= 0n) throw new DeployConfigError(`${role}: minBond must be at least 1 wei, got ${minBond}`);
  if (minBond >= 1n << 128n) throw new DeployConfigError(`${role}: minBond ${minBond} is out of range`);
  // A new validator set must wait longer than a checkpoint (CheckpointManager checks it too).
  const validatorChangeDelay = params.validatorChangeDelay === undefined ? 2n * challengePeriod : toBigInt(params.validatorChangeDelay, `${role}: validatorChangeDelay`);
  if (validatorChangeDelay <= challengePeriod || validatorChangeDelay > MAX_CHANGE_DELAY) {
    throw new DeployConfigError(`${role}: validatorChangeDelay must be above the challenge period (${challengePeriod} s) and at most ${MAX_CHANGE_DELAY} s (90 days), got ${validatorChangeDelay}`);
  }
  const bps = params.challengerRewardBps;
  if (!Number.isInteger(bps) || bps < 0 || bps > MAX_BPS) {
    throw new DeployConfigError(`${role}: challengerRewardBps must be an integer from 0 to ${MAX_BPS}, got ${bps}`);
  }
  const admin = target.admin ?? options.admin;
  const guardian = target.guardian !== undefined ? target.guardian : options.guardian;
  return {
    role,
    validatorSet,
    challengePeriod,
    minBond,
    challengerRewardBps: bps,
    validatorChangeDelay,
    availability: availabilitySettings(role, options.availability, challengePeriod, minBond),
    admin: admin === undefined ? undefined : checkedAddress(admin, `${role}: admin`, false),
    // null means "no guardian" (the zero address, which the contracts accept); undefined, the admin.
    guardian: guardian === null ? ZeroAddress : guardian === undefined ? undefined : checkedAddress(guardian, `${role}: guardian`, false),
  };
}

/** The game's windows must fit twice, with their resolutions, inside the challenge period (the contract checks it too). */
function availabilitySettings(
  role: ChainRole,
  given: DeployBridgeOptions["availability"],
  challengePeriod: bigint,
  minBond: bigint,
): AvailabilitySettings | undefined {
  if (given === false) return undefined;
  const eighth = challengePeriod / 8n > 0n ? challengePeriod / 8n : 1n;
  const at = (key: keyof AvailabilitySettings, fallback: bigint) => (given?.[key] === undefined ? fallback : toBigInt(given[key], `${role}: availability.${key}`));
  const settings = {
    responseWindow: at("responseWindow", eighth),
    resolveWindow: at("resolveWindow", eighth),
    leafDemandBond: at("leafDemandBond", minBond / 10n > 0n ? minBond / 10n : 1n),
    headerDemandBond: at("headerDemandBond", minBond / 100n > 0n ? minBond / 100n : 1n),
  };
  const game = 2n * (settings.responseWindow + settings.resolveWindow);
  if (game >= challengePeriod) {
    if (given === undefined) return undefined;
    throw new DeployConfigError(`${role}: availability windows (2 × (response + resolve) = ${game} s) must fit in the challenge period (${challengePeriod} s)`);
  }
  for (const key of Object.keys(settings) as (keyof AvailabilitySettings)[]) {
    if (settings[key] <= 0n) throw new DeployConfigError(`${role}: availability.${key} must be positive`);
  }
  return settings;
}

function pick(options: DeployBridgeOptions): CheckpointParams {
  return {
    challengePeriod: options.challengePeriod,
    minBond: options.minBond,
    challengerRewardBps: options.challengerRewardBps,
    validatorChangeDelay: options.validatorChangeDelay,
  };
}

/** Sorts by address and applies ValidatorSet's rules; the default threshold is > 2/3 of the power. */
export function normalizeValidatorSet(validators: ValidatorEntry[], threshold: Numberish | undefined, what: string): NormalizedValidatorSet {
  if (validators.length === 0) throw new DeployConfigError(`${what}: the set is empty`);
  if (validators.length > MAX_VALIDATORS) throw new DeployConfigError(`${what}: ${validators.length} validators, at most ${MAX_VALIDATORS}`);
  const entries = validators.map((v, i) => {
    const address = checkedAddress(v.address, `${what}[${i}].address`, false);
    const power = toBigInt(v.power, `${what}[${i}].power`);
    if (power <= 0n || power > MAX_POWER) throw new DeployConfigError(`${what}[${i}].power must be from 1 to 2^96 - 1, got ${power}`);
    return { address, power };
  });
  entries.sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : BigInt(a.address) > BigInt(b.address) ? 1 : 0));
  for (let i = 1; i < entries.length; i++) {
    if (entries[i].address === entries[i - 1].address) throw new DeployConfigError(`${what}: ${entries[i].address} is listed twice`);
  }
  const total = entries.reduce((sum, e) => sum + e.power, 0n);
  const needed = threshold === undefined ? (total * 2n) / 3n + 1n : toBigInt(threshold, `${what}: threshold`);
  // The contract's rule: two disjoint quorums must be impossible, and a quorum must be reachable.
  if (needed * 2n <= total || needed > total) {
    throw new DeployConfigError(`${what}: threshold ${needed} must be more than half of the total power ${total} and at most ${total}`);
  }
  return { addresses: entries.map((e) => e.address), powers: entries.map((e) => e.power), threshold: needed };
}

export function checkedAddress(value: string, what: string, allowZero: boolean): string {
  let address: string;
  try {
    address = getAddress(value);
  } catch {
    throw new DeployConfigError(`${what}: "${value}" is not an address`);
  }
  if (!allowZero && address === ZeroAddress) throw new DeployConfigError(`${what}: the zero address is not allowed`);
  return address;
}

function toBigInt(value: Numberish | undefined, what: string): bigint {
  if (value === undefined) throw new DeployConfigError(`${what} is missing`);
  try {
    if (typeof value === "number" && !Number.isSafeInteger(value)) throw new Error("not a safe integer");
    return BigInt(value);
  } catch {
    throw new DeployConfigError(`${what}: "${String(value)}" is not an integer`);
  }
}
