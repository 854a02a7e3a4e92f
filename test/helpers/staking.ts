/**
 * Helpers for the StakeManager tests: a StakeManager whose two lanes are the checkpoint managers
 * of the shared fixture, validators joined with real signer keys, and equivocation evidence built
 * from real checkpoint trees signed in a lane's EIP-712 domain (CHECKPOINT_TYPES/checkpointDomain of
 * the relayer, what the validator role signs with).
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer, Wallet } from "ethers";
import type { CheckpointTree } from "../../relayer/src";
import { CHECKPOINT_TYPES, checkpointDomain } from "../../relayer/src/chain/abi";
import type { StakeManager } from "../../typechain-types";
import type { ChainRole } from "../../deploy/lib";
import { normalizeStaking, type NormalizedStaking, type SideSettings } from "../../deploy/lib/options";
import { CHALLENGE_PERIOD, deploySystem, makeValidators } from "./fixture";

export const EPOCH = 86_400n;
export const SET_CHANGE_DELAY = 2n * 86_400n;
/** Longer than EPOCH + CHALLENGE_PERIOD + SET_CHANGE_DELAY, as the constructor demands. */
export const UNBONDING = 4n * 86_400n;
export const MIN_STAKE = ethers.parseEther("1");

/**
 * What normalizeStaking reads of each chain: the fixture's challenge period and deploy/lib's
 * default change delay (twice it, below EPOCH as its rules demand). Only the config is derived
 * from it; the fixture's ValidatorSets keep their own, longer delay.
 */
function side(role: ChainRole): SideSettings {
  return { role, challengePeriod: CHALLENGE_PERIOD, validatorChangeDelay: 2n * CHALLENGE_PERIOD, minBond: 1n, challengerRewardBps: 0, validatorSet: { addresses: [], powers: [], threshold: 0n } };
}

/** The tests' StakeManager config: the test's epoch and delays, every other field deploy/lib's default. */
const DEFAULT_CONFIG = normalizeStaking(
  { epochLength: EPOCH, minStake: MIN_STAKE, setChangeDelay: SET_CHANGE_DELAY, unbondingDelay: UNBONDING, maxValidators: 8 },
  side("main"),
  side("child"),
);
export const THRESHOLD_BPS = DEFAULT_CONFIG.thresholdBps;
export const SLASH_BPS = DEFAULT_CONFIG.slashBps;
export const REPORTER_BPS = DEFAULT_CONFIG.reporterRewardBps;
export const BPS = 10_000n;

/** IStakeManager.Lane */
export const Lane = { Main: 0, Child: 1 } as const;
/** IStakeManager.Status */
export const Status = { None: 0n, Active: 1n, Exiting: 2n, Jailed: 3n } as const;

export const SIGNER_KEY_TYPES = {
  SignerKey: [
    { name: "validator", type: "address" },
    { name: "signer", type: "address" },
  ],
};

/** IStakeManager.Config, as deploy/lib builds it. */
export type StakeConfig = NormalizedStaking;

/** A lane's CheckpointManager domain, as `IStakeManager.LaneDomain`. */
export interface Domain {
  chainId: bigint;
  manager: string;
}

export function stakeConfig(overrides: Partial<StakeConfig> = {}): StakeConfig {
  return { ...DEFAULT_CONFIG, ...overrides };
}

/** The shared system, and a StakeManager on the main chain whose lanes are its two managers. */
export async function deployStaking(overrides: Partial<StakeConfig> = {}) {
  const system = await deploySystem();
  const { chainId } = await ethers.provider.getNetwork();
  const lanes: [Domain, Domain] = [
    { chainId, manager: await system.main.checkpointManager.getAddress() },
    { chainId, manager: await system.child.checkpointManager.getAddress() },
  ];
  const stakeManager = (await ethers.deployContract("StakeManager", [
    system.admin.address,
    stakeConfig(overrides),
    lanes,
  ])) as unknown as StakeManager;
  const [reporter, stranger, ...owners] = system.users;
  return { ...system, chainId, lanes, stakeManager, reporter, stranger, owners, signers: system.validators };
}

export type StakingContext = Awaited<ReturnType<typeof deployStaking>>;

/** Fresh signer keys, apart from the fixture's validator keys. */
export function freshKeys(count: number, seed: string): Wallet[] {
  return makeValidators(count, `staking/${seed}`);
}

/**
 * The signer key's consent to serve `validator`: what `join` and `rotateSigner` check. `signer`
 * (default: the key itself) names the key the binding is for, so a test can forge one key's consent with another.
 */
export async function signerProof(stakeManager: StakeManager, key: Wallet, validator: string, signer = key.address): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  return key.signTypedData(
    { name: "sidechain-kit StakeManager", version: "1", chainId, verifyingContract: await stakeManager.getAddress() },
    SIGNER_KEY_TYPES,
    { validator, signer },
  );
}

/** Joins as `owner` with `key` as signer, staking `amount` of the native currency. */
export async function joinNative(stakeManager: StakeManager, owner: Signer, key: Wallet, amount: bigint) {
  const proof = await signerProof(stakeManager, key, await owner.getAddress());
  return stakeManager.connect(owner).join(key.address, amount, proof, { value: amount });
}

export async function currentEpoch(stakeManager: StakeManager): Promise<bigint> {
  return stakeManager.currentEpoch();
}

/** Moves the clock so that the next block is the first of `epoch` (plus `offset` seconds). */
export async function toEpoch(stakeManager: StakeManager, epoch: bigint, offset = 0n): Promise<void> {
  await time.setNextBlockTimestamp((await stakeManager.epochStart(epoch)) + offset);
}

/** Moves the clock to the start of the next epoch and mines a block there. */
export async function nextEpoch(stakeManager: StakeManager): Promise<bigint> {
  const next = (await stakeManager.currentEpoch()) + 1n;
  await time.increaseTo(await stakeManager.epochStart(next));
  return next;
}

export interface SignedLeaf {
  checkpoint: { startBlock: bigint; endBlock: bigint; blockRoot: string };
  signature: string;
  leaf: { number: bigint; hash: string; receiptsRoot: string };
  proof: string[];
}


/** Signs the checkpoint of `tree` in a manager's domain, as the relayer's validator role does. */
export async function signTree(key: Wallet, domain: Domain, sourceChainId: bigint, tree: CheckpointTree): Promise<string> {
  return key.signTypedData(checkpointDomain(domain.chainId, domain.manager), CHECKPOINT_TYPES, {
    sourceChainId,
    startBlock: tree.startBlock,
    endBlock: tree.endBlock,
    blockRoot: tree.root,
  });
}

/** One half of equivocation evidence: `tree` signed by `key`, with its leaf at `height`. */
export async function signedLeaf(
  key: Wallet,
  domain: Domain,
  sourceChainId: bigint,
  tree: CheckpointTree,
  height: bigint,
): Promise<SignedLeaf> {
  return withSignature(tree, height, await signTree(key, domain, sourceChainId, tree));
}

/** Evidence half from a signature obtained elsewhere (a `CheckpointSubmitted` event). */
export function withSignature(tree: CheckpointTree, height: bigint, signature: string): SignedLeaf {
  return {
    checkpoint: { startBlock: tree.startBlock, endBlock: tree.endBlock, blockRoot: tree.root },
    signature,
    leaf: tree.leafFor(height),
    proof: tree.proofFor(height),
  };
}

/** Sum of stake held for validators plus slashed funds: must equal the contract's balance. */
export async function accountedFunds(stakeManager: StakeManager, owners: string[]): Promise<bigint> {
  let total = await stakeManager.slashedFunds();
  for (const owner of owners) {
    const v = await stakeManager.getValidator(owner);
    total += v.stake + v.unbonding;
  }
  return total;
}
