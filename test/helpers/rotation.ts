/**
 * A staked system on one Hardhat network: the StakeManager on the main chain, a StakedValidatorSet
 * beside the main CheckpointManager and a ChildValidatorSet beside the child one, both starting from
 * a bootstrap set and both following the StakeManager's epochs (StakeManager.rotateValidatorSet),
 * the child one through the Messenger. Deployed in deploy/lib's staking order, wired as it wires.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { Wallet } from "ethers";
import type { CheckpointManager, ChildValidatorSet, Messenger, StakeManager, StakedValidatorSet } from "../../typechain-types";
import { CHALLENGER_REWARD_BPS, CHALLENGE_PERIOD, MIN_BOND, makeValidators, type ChainSide } from "./fixture";
import { Lane, freshKeys, joinNative, stakeConfig } from "./staking";

/** Both sets' change delay: above the challenge period, below an epoch, within SET_CHANGE_DELAY. */
export const SET_DELAY = 2n * 3_600n;
export const STAKE = ethers.parseEther("10");

export interface StakedSide<S> {
  validatorSet: S;
  checkpointManager: CheckpointManager;
  messenger: Messenger;
}

/** A side as the shared fixture's verbs (checkpoint, Lane) take it: they need only packedValidators. */
export function asChainSide(side: StakedSide<unknown>): ChainSide {
  return side as unknown as ChainSide;
}

export async function deployRotation(overrides: Parameters<typeof stakeConfig>[0] = {}) {
  const [admin, proposer, stranger, ...owners] = await ethers.getSigners();
  const { chainId } = await ethers.provider.getNetwork();
  const bootstrap = makeValidators(4, "rotation/bootstrap");
  const initial = [bootstrap.map((v) => v.address), bootstrap.map(() => 1n), 3n] as const;
  const firstBlock = BigInt(await ethers.provider.getBlockNumber()) + 1n;

  // Lanes point at managers not deployed yet: set afterwards (setLane), as deploy/lib does.
  const unset = { chainId, manager: ethers.ZeroAddress };
  const stakeManager = (await ethers.deployContract("StakeManager", [admin.address, stakeConfig(overrides), [unset, unset]])) as unknown as StakeManager;

  const side = async <S>(setName: "StakedValidatorSet" | "ChildValidatorSet") => {
    const validatorSet = await ethers.deployContract(setName, [admin.address, admin.address, await stakeManager.getAddress(), ...initial, SET_DELAY]);
    const checkpointManager = await ethers.deployContract("CheckpointManager", [
      admin.address,
      admin.address,
      chainId,
      await validatorSet.getAddress(),
      firstBlock,
      CHALLENGE_PERIOD,
      MIN_BOND,
      CHALLENGER_REWARD_BPS,
    ]);
    const messenger = await ethers.deployContract("Messenger", [admin.address, admin.address, await checkpointManager.getAddress()]);
    await checkpointManager.connect(proposer).depositBond({ value: 4n * MIN_BOND });
    return { validatorSet, checkpointManager, messenger } as unknown as StakedSide<S>;
  };
  const main = await side<StakedValidatorSet>("StakedValidatorSet");
  const child = await side<ChildValidatorSet>("ChildValidatorSet");

  await main.messenger.setRemoteMessenger(await child.messenger.getAddress());
  await child.messenger.setRemoteMessenger(await main.messenger.getAddress());
  await child.validatorSet.setMessenger(await child.messenger.getAddress());
  await stakeManager.setLane(Lane.Main, chainId, await main.checkpointManager.getAddress());
  await stakeManager.setLane(Lane.Child, chainId, await child.checkpointManager.getAddress());
  await stakeManager.setRotation(await main.validatorSet.getAddress(), await main.messenger.getAddress(), await child.validatorSet.getAddress());
  return { admin, proposer, stranger, owners, chainId, bootstrap, stakeManager, main, child };
}

export type RotationContext = Awaited<ReturnType<typeof deployRotation>>;

/** `count` validators join now with fresh signer keys, `stakes[i]` (default STAKE) each; keys sorted by address. */
export async function joinValidators(ctx: RotationContext, count: number, seed: string, stakes: bigint[] = []): Promise<Wallet[]> {
  const keys = freshKeys(count, seed);
  for (let i = 0; i < count; i++) await joinNative(ctx.stakeManager, ctx.owners[i], keys[i], stakes[i] ?? STAKE);
  return keys;
}

/** Activates a set's scheduled change once its delay has passed. */
export async function activateWhenDue(set: StakedValidatorSet | ChildValidatorSet): Promise<void> {
  const [activatesAt] = await set.pendingChange();
  if (BigInt(await time.latest()) < activatesAt) await time.increaseTo(activatesAt);
  await (await set.activateValidators()).wait();
}
