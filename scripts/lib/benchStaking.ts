/**
 * The staking and rotation part of `npm run bench:gas` (scripts/bench-gas.ts).
 *
 * Every transaction number is the `gasUsed` of a mined receipt, measured on Hardhat's in-process
 * network in a steady state: a set of 21 staked validators (native currency), evidence over two
 * 256-block checkpoints (proof depth 8), a reporter that is paid its share. The `validatorSetAt`
 * rows are `eth_estimateGas` of the view. `unstake` and `withdrawStake` are a full exit (the withdrawal
 * removes the validator). `rotateValidatorSet` and `applyValidatorSet` rotate a set of 21 for the
 * second time (the first rotation's sets are active, so the stake epoch and the messenger nonces
 * are warm): the main chain's rotation (snapshot, schedule, message) and the child chain's relay of
 * its message (proof against a final checkpoint, then the call that schedules the set).
 * A measured transaction that reverts, or a relayed message whose call fails, aborts the run.
 */
import { ethers, network } from "hardhat";
import type { ContractTransactionResponse, TransactionReceipt, Wallet } from "ethers";
import { buildCheckpointTree } from "../../relayer/src";
import { Lane as MessageLane } from "../../test/helpers/bridges";
import { fetchBlocks, makeValidators, treeOf } from "../../test/helpers/fixture";
import { activateWhenDue, asChainSide, deployRotation, type RotationContext } from "../../test/helpers/rotation";
import { Lane, deployStaking, joinNative, nextEpoch, signedLeaf, signerProof, stakeConfig } from "../../test/helpers/staking";
import type { StakeManager } from "../../typechain-types";

export const STAKING_KEYS = [
  "stake",
  "rotateValidatorSet",
  "applyValidatorSet",
  "reportEquivocation",
  "stakeERC20",
  "topUp",
  "rotateSigner",
  "unstake",
  "withdrawStake",
  "validatorSetAt21",
  "validatorSetAt100",
] as const;
export type StakingKey = (typeof STAKING_KEYS)[number];
type Key = StakingKey;

const SET_SIZE = 21;
const LARGE_SET = 100;
const CHECKPOINT_BLOCKS = 256n;
const STAKE = ethers.parseEther("10");

const gas: Partial<Record<Key, number>> = {};

async function measure(key: Key, tx: Promise<ContractTransactionResponse>): Promise<TransactionReceipt> {
  let receipt: TransactionReceipt | null;
  try {
    receipt = await (await tx).wait();
  } catch (error) {
    throw new Error(`${key} reverted`, { cause: error });
  }
  if (receipt === null || receipt.status !== 1) throw new Error(`${key} reverted (tx ${receipt?.hash})`);
  gas[key] = Number(receipt.gasUsed);
  return receipt;
}

/** Validators 0..count-1 joined with fresh keys and funded owners, `STAKE` each. */
async function stakeValidators(stakeManager: StakeManager, count: number, seed: string): Promise<Wallet[]> {
  const keys = makeValidators(count, `bench-staking/${seed}`);
  const [funder] = await ethers.getSigners();
  for (const key of keys) {
    const owner = ethers.Wallet.createRandom(ethers.provider);
    await (await funder.sendTransaction({ to: owner.address, value: STAKE + ethers.parseEther("1") })).wait();
    await (await joinNative(stakeManager, owner, key, STAKE)).wait();
  }
  return keys;
}

/** Mines empty blocks one `evm_mine` each (so each is a real, linked block) up to `count` more. */
async function mineBlocks(count: bigint): Promise<void> {
  for (let i = 0n; i < count; i++) await network.provider.send("evm_mine", []);
}

async function benchStaking(): Promise<void> {
  const ctx = await deployStaking({ maxValidators: 128 });
  const { stakeManager, owners, signers, reporter } = ctx;
  await stakeValidators(stakeManager, SET_SIZE - 2, "set");
  // The measured validator joins a set of 20 that has seen joins before: a steady-state stake.
  await (await joinNative(stakeManager, owners[1], signers[1], STAKE)).wait();
  await measure("stake", joinNative(stakeManager, owners[0], signers[0], STAKE));

  await nextEpoch(stakeManager);
  gas.validatorSetAt21 = Number(await stakeManager.validatorSetAt.estimateGas(await stakeManager.currentEpoch()));
  await measure("topUp", stakeManager.connect(owners[1]).topUp(STAKE, { value: STAKE }));
  const [newKey] = makeValidators(1, "bench-staking/rotate");
  await measure(
    "rotateSigner",
    stakeManager.connect(owners[1]).rotateSigner(newKey.address, await signerProof(stakeManager, newKey, owners[1].address)),
  );

  // Equivocation: a real 256-block checkpoint and one with a made-up hash in the middle, both
  // signed by validator 0 in the main lane's domain.
  await mineBlocks(CHECKPOINT_BLOCKS);
  const end = BigInt(await ethers.provider.getBlockNumber());
  const blocks = await fetchBlocks(end - CHECKPOINT_BLOCKS + 1n, end);
  const honest = treeOf(blocks);
  const middle = Number(CHECKPOINT_BLOCKS / 2n);
  const forged = buildCheckpointTree(
    blocks.map((b, i) => ({
      number: b.number,
      hash: i === middle ? ethers.keccak256(ethers.toUtf8Bytes("forged")) : b.hash,
      receiptsRoot: b.receiptsRoot,
    })),
  );
  const height = BigInt(blocks[middle].number);
  const domain = { chainId: ctx.lanes[0].chainId, manager: ctx.lanes[0].manager };
  const sourceChainId = ctx.lanes[1].chainId;
  const first = await signedLeaf(signers[0], domain, sourceChainId, honest, height);
  const second = await signedLeaf(signers[0], domain, sourceChainId, forged, height);
  if (first.proof.length !== 8) throw new Error(`expected a proof of depth 8, got ${first.proof.length}`);
  await measure("reportEquivocation", stakeManager.connect(reporter).reportEquivocation(Lane.Main, signers[0].address, first, second));

  await measure("unstake", stakeManager.connect(owners[1]).unstake(2n * STAKE));
  const { withdrawableAt } = await stakeManager.getValidator(owners[1].address);
  await network.provider.send("evm_setNextBlockTimestamp", [Number(withdrawableAt)]);
  await measure("withdrawStake", stakeManager.connect(owners[1]).withdraw(owners[1].address));

  // The cost of reading a large epoch's set, as an on-chain rotation would. Left with power: the
  // first SET_SIZE - 2 (validator 0 is jailed, validator 1 has left).
  await stakeValidators(stakeManager, LARGE_SET - (SET_SIZE - 2), "large");
  await nextEpoch(stakeManager);
  const [large] = await stakeManager.validatorSetAt(await stakeManager.currentEpoch());
  if (large.length !== LARGE_SET) throw new Error(`expected ${LARGE_SET} validators, got ${large.length}`);
  gas.validatorSetAt100 = Number(await stakeManager.validatorSetAt.estimateGas(await stakeManager.currentEpoch()));
}

async function benchERC20(): Promise<void> {
  const ctx = await deployStaking();
  const token = await ethers.deployContract("TestERC20", ["Stake", "STK", 18]);
  const stakeManager = (await ethers.deployContract("StakeManager", [
    ctx.admin.address,
    stakeConfig({ stakeToken: await token.getAddress() }),
    ctx.lanes,
  ])) as unknown as StakeManager;
  for (const i of [0, 1]) {
    await (await token.mint(ctx.owners[i].address, 100n * STAKE)).wait();
    await (await token.connect(ctx.owners[i]).approve(await stakeManager.getAddress(), 100n * STAKE)).wait();
  }
  const proof = async (i: number) => signerProof(stakeManager, ctx.signers[i], ctx.owners[i].address);
  await (await stakeManager.connect(ctx.owners[1]).join(ctx.signers[1].address, STAKE, await proof(1))).wait();
  await measure("stakeERC20", stakeManager.connect(ctx.owners[0]).join(ctx.signers[0].address, STAKE, await proof(0)));
}

/** Rotates the current epoch of a staked system; returns the rotation's receipt. */
async function rotate(ctx: RotationContext, key?: Key): Promise<TransactionReceipt> {
  const tx = ctx.stakeManager.rotateValidatorSet(await ctx.stakeManager.currentEpoch());
  if (key !== undefined) return measure(key, tx);
  const receipt = await (await tx).wait();
  if (receipt === null || receipt.status !== 1) throw new Error("rotation reverted");
  return receipt;
}

/** Relays a rotation message on the child chain; checkpoints are signed by `signers`, the child's set. */
async function relayRotation(ctx: RotationContext, signers: Wallet[], receipt: TransactionReceipt, key?: Key): Promise<void> {
  const lane = new MessageLane({ validators: signers, proposer: ctx.proposer }, asChainSide(ctx.main), asChainSide(ctx.child));
  // The least gas the relay succeeds with: the rotation's call must still fit its message's gas limit.
  const relayed = await (await lane.relay(receipt, 0, "least")).wait();
  if (relayed === null) throw new Error("relay has no receipt");
  const topic = ctx.child.messenger.interface.getEvent("MessageRelayed").topicHash;
  if (!relayed.logs.some((log) => log.topics[0] === topic)) throw new Error("the rotation message's call failed");
  if (key !== undefined) gas[key] = Number(relayed.gasUsed);
}

/** Two rotations of a set of 21 on both chains; the second one is measured. */
async function benchRotation(): Promise<void> {
  const ctx = await deployRotation({ maxValidators: 64 });
  const keys = await stakeValidators(ctx.stakeManager, SET_SIZE, "rotation");
  await nextEpoch(ctx.stakeManager);
  await relayRotation(ctx, ctx.bootstrap, await rotate(ctx));
  await activateWhenDue(ctx.main.validatorSet);
  await activateWhenDue(ctx.child.validatorSet);
  await nextEpoch(ctx.stakeManager);
  const second = await rotate(ctx, "rotateValidatorSet");
  await relayRotation(ctx, keys, second, "applyValidatorSet");
}

/** Measures every staking key. */
export async function benchStakingGas(): Promise<Record<StakingKey, number>> {
  await benchStaking();
  await benchRotation();
  await benchERC20();
  const missing = STAKING_KEYS.filter((key) => gas[key] === undefined);
  if (missing.length > 0) throw new Error(`not measured: ${missing.join(", ")}`);
  return gas as Record<StakingKey, number>;
}
