/**
 * Shared fixture for contract tests: both sides of the bridge deployed on one Hardhat network
 * (which plays the main chain and the child chain at once, so both checkpoint managers
 * checkpoint chain 31337), validators that sign checkpoints, and the verbs tests need to
 * move a message across: checkpoint a range, let it become final, prove and relay a log.
 */
import { ethers, network } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { Log, Signer, TransactionReceipt, Wallet } from "ethers";
import {
  buildCheckpointTree,
  fetchBlock,
  proveLog,
  type CheckpointTree,
  type ExitProof,
  type RpcBlock,
} from "../../relayer/src";
import type {
  CheckpointManager,
  ChildBridge,
  Messenger,
  RootBridge,
  ValidatorSet,
} from "../../typechain-types";

export const CHALLENGE_PERIOD = 3_600n;
/** How long a proposed validator set waits: above the 30-day longest challenge period, so tests may set any. */
export const VALIDATOR_CHANGE_DELAY = 31n * 86_400n;
export const MIN_BOND = ethers.parseEther("1");
export const CHALLENGER_REWARD_BPS = 5_000;
export const NATIVE_TOKEN = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";

/** Deterministic validator keys, sorted by address as the ValidatorSet requires. */
export function makeValidators(count: number, seed = "sidechain-kit validators"): Wallet[] {
  const wallets: Wallet[] = [];
  for (let i = 0; i < count; i++) {
    const key = ethers.keccak256(ethers.toUtf8Bytes(`${seed}/${i}`));
    wallets.push(new ethers.Wallet(key, ethers.provider));
  }
  return wallets.sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
}

/** The packed entry `address << 96 | power`, as ValidatorSet.packValidator computes it. */
export function packValidator(address: string, power: bigint | number): string {
  return ethers.toBeHex((BigInt(address) << 96n) | BigInt(power), 32);
}

/**
 * The contracts of one chain that carry messages: its messenger, and the checkpoint manager and
 * validator set that track the OTHER chain (so this side relays the other side's messages).
 */
export interface ChainSide {
  validatorSet: ValidatorSet;
  checkpointManager: CheckpointManager;
  messenger: Messenger;
}

export interface SignedCheckpoint {
  id: bigint;
  startBlock: bigint;
  endBlock: bigint;
  blockRoot: string;
  tree: CheckpointTree;
  blocks: RpcBlock[];
  attestation: { proposer: string; validators: string[]; signers: string; signatures: string };
}

export async function signCheckpoint(
  checkpointManager: CheckpointManager,
  signer: Wallet,
  checkpoint: { startBlock: bigint; endBlock: bigint; blockRoot: string },
): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  const domain = {
    name: "sidechain-kit CheckpointManager",
    version: "1",
    chainId,
    verifyingContract: await checkpointManager.getAddress(),
  };
  const types = {
    Checkpoint: [
      { name: "sourceChainId", type: "uint256" },
      { name: "startBlock", type: "uint64" },
      { name: "endBlock", type: "uint64" },
      { name: "blockRoot", type: "bytes32" },
    ],
  };
  const value = { sourceChainId: await checkpointManager.sourceChainId(), ...checkpoint };
  return signer.signTypedData(domain, types, value);
}

/** Signs `checkpoint` with the validators at `signerIndices` and returns the submission's arguments. */
export async function attest(
  side: ChainSide,
  validators: Wallet[],
  signerIndices: number[],
  checkpoint: { startBlock: bigint; endBlock: bigint; blockRoot: string },
): Promise<{ packed: string[]; signers: string; signatures: string }> {
  const packed = await side.validatorSet.packedValidators();
  const signatures = await Promise.all(
    signerIndices.map((i) => signCheckpoint(side.checkpointManager, validators[i], checkpoint)),
  );
  return { packed: [...packed], signers: ethers.hexlify(Uint8Array.from(signerIndices)), signatures: ethers.concat(signatures) };
}

export async function fetchBlocks(from: bigint, to: bigint): Promise<RpcBlock[]> {
  const blocks: RpcBlock[] = [];
  for (let n = from; n <= to; n++) blocks.push(await fetchBlock(ethers.provider, n));
  return blocks;
}

export function treeOf(blocks: RpcBlock[]): CheckpointTree {
  return buildCheckpointTree(blocks.map((b) => ({ number: b.number, hash: b.hash, receiptsRoot: b.receiptsRoot })));
}

export interface System {
  validators: Wallet[];
  admin: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  proposer: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  users: Awaited<ReturnType<typeof ethers.getSigners>>;
  /** Main-chain contracts; its checkpoint manager tracks the child chain (child -> main messages). */
  main: ChainSide;
  /** Child-chain contracts; its checkpoint manager tracks the main chain (main -> child messages). */
  child: ChainSide;
  rootBridge: RootBridge;
  childBridge: ChildBridge;
  lockbox: string;
}

async function deployChainSide(admin: string, validators: Wallet[], firstBlock: bigint): Promise<ChainSide> {
  const { chainId } = await ethers.provider.getNetwork();
  const validatorSet = await ethers.deployContract("ValidatorSet", [
    admin,
    admin,
    validators.map((v) => v.address),
    validators.map(() => 1n),
    BigInt(Math.floor((validators.length * 2) / 3) + 1),
    VALIDATOR_CHANGE_DELAY,
  ]);
  const checkpointManager = await ethers.deployContract("CheckpointManager", [
    admin,
    admin,
    chainId,
    await validatorSet.getAddress(),
    firstBlock,
    CHALLENGE_PERIOD,
    MIN_BOND,
    CHALLENGER_REWARD_BPS,
  ]);
  const messenger = await ethers.deployContract("Messenger", [admin, admin, await checkpointManager.getAddress()]);
  return { validatorSet, checkpointManager, messenger } as unknown as ChainSide;
}

/** Deploys and wires both sides; the proposer has bonded on both checkpoint managers. */
export async function deploySystem(validatorCount = 4): Promise<System> {
  const [admin, proposer, ...users] = await ethers.getSigners();
  const validators = makeValidators(validatorCount);
  const firstBlock = BigInt(await ethers.provider.getBlockNumber()) + 1n;
  const child = await deployChainSide(admin.address, validators, firstBlock);
  const main = await deployChainSide(admin.address, validators, firstBlock);
  await child.messenger.setRemoteMessenger(await main.messenger.getAddress());
  await main.messenger.setRemoteMessenger(await child.messenger.getAddress());

  const rootBridge = await ethers.deployContract("RootBridge", [admin.address, await main.messenger.getAddress()]);
  const childBridge = await ethers.deployContract("ChildBridge", [admin.address, await child.messenger.getAddress()]);
  await rootBridge.setCounterpart(await childBridge.getAddress());
  await childBridge.setCounterpart(await rootBridge.getAddress());

  for (const side of [child, main]) {
    await side.checkpointManager.connect(proposer).depositBond({ value: MIN_BOND });
  }
  return {
    validators,
    admin,
    proposer,
    users,
    child,
    main,
    rootBridge: rootBridge as unknown as RootBridge,
    childBridge: childBridge as unknown as ChildBridge,
    lockbox: await rootBridge.lockbox(),
  };
}

/**
 * Submits to `side`'s checkpoint manager a checkpoint of every block from its next start block
 * through `endBlock` (default: latest), signed by the first `signerCount` validators (default: all).
 */
export async function checkpoint(
  system: Pick<System, "validators" | "proposer">,
  side: ChainSide,
  endBlock?: bigint,
  signerCount = system.validators.length,
): Promise<SignedCheckpoint> {
  const startBlock = await side.checkpointManager.nextStartBlock();
  const end = endBlock ?? BigInt(await ethers.provider.getBlockNumber());
  const blocks = await fetchBlocks(startBlock, end);
  const tree = treeOf(blocks);
  const input = { startBlock, endBlock: end, blockRoot: tree.root };
  const signerIndices = [...Array(signerCount).keys()];
  const { packed, signers, signatures } = await attest(side, system.validators, signerIndices, input);
  // As a running proposer does: a bond share for this checkpoint and each of its pending ones.
  const manager = side.checkpointManager.connect(system.proposer);
  const [required] = await manager.submissionBond(system.proposer.address);
  const [bond] = await manager.bondOf(system.proposer.address);
  if (bond < required) await (await manager.depositBond({ value: required - bond })).wait();
  const [id, , previousBlockRoot] = await manager.head();
  await manager.submitCheckpoint(input, previousBlockRoot, packed, signers, signatures);
  return {
    id,
    ...input,
    tree,
    blocks,
    attestation: { proposer: system.proposer.address, validators: packed, signers, signatures },
  };
}

/**
 * Replaces the validator set as governance must: proposes it, waits out the change delay, and
 * activates it. Checkpoints pending meanwhile become final: propose earlier to keep one pending.
 */
export async function replaceValidators(
  validatorSet: ValidatorSet,
  admin: Signer,
  addresses: string[],
  powers: bigint[],
  threshold: bigint,
): Promise<void> {
  await (await validatorSet.connect(admin).proposeValidators(addresses, powers, threshold)).wait();
  await time.increase(await validatorSet.changeDelay());
  await (await validatorSet.activateValidators()).wait();
}

/**
 * Shortens the challenge period as governance must: schedules it, waits out the validator set's
 * change delay, and activates it. Checkpoints pending meanwhile become final.
 */
export async function shortenChallengePeriod(manager: CheckpointManager, period: bigint): Promise<void> {
  await (await manager.setChallengePeriod(period)).wait();
  const [, activatesAt] = await manager.pendingChallengePeriod();
  await time.increaseTo(activatesAt);
  await (await manager.activateChallengePeriod()).wait();
}

export async function passChallengePeriod(): Promise<void> {
  await time.increase(CHALLENGE_PERIOD);
}

/** The `MessageSent` logs of a transaction receipt emitted by `messenger`. */
export async function messageLogs(messenger: Messenger, receipt: TransactionReceipt): Promise<Log[]> {
  const address = (await messenger.getAddress()).toLowerCase();
  const topic = messenger.interface.getEvent("MessageSent").topicHash;
  return receipt.logs.filter((l) => l.address.toLowerCase() === address && l.topics[0] === topic);
}

/** Proves the `index`-th `MessageSent` log of `receipt` through `checkpointed`. */
export async function proveMessage(
  source: ChainSide,
  receipt: TransactionReceipt,
  checkpointed: SignedCheckpoint,
  index = 0,
): Promise<ExitProof> {
  const logs = await messageLogs(source.messenger, receipt);
  if (logs.length <= index) throw new Error(`transaction ${receipt.hash} has no MessageSent log #${index}`);
  return proveLog(ethers.provider, {
    txHash: receipt.hash,
    logIndex: logs[index].index,
    checkpoint: { id: checkpointed.id, startBlock: checkpointed.startBlock, endBlock: checkpointed.endBlock },
  });
}

/**
 * Carries the messages of `receipt` from `source` (whose messenger sent them) to `destination`:
 * checkpoints the chain through the receipt's block on the destination, waits out the challenge
 * period, then proves and relays each message.
 */
export async function deliver(
  system: Pick<System, "validators" | "proposer">,
  source: ChainSide,
  destination: ChainSide,
  receipt: TransactionReceipt,
): Promise<{ checkpointed: SignedCheckpoint; proofs: ExitProof[] }> {
  const checkpointed = await checkpoint(system, destination, BigInt(receipt.blockNumber));
  await passChallengePeriod();
  const logs = await messageLogs(source.messenger, receipt);
  const proofs: ExitProof[] = [];
  for (let i = 0; i < logs.length; i++) {
    const proof = await proveMessage(source, receipt, checkpointed, i);
    await destination.messenger.relayMessage(proof);
    proofs.push(proof);
  }
  return { checkpointed, proofs };
}

/** Mines `count` transactions into one block (automine is restored afterwards). */
export async function mineInOneBlock(send: () => Promise<unknown>[]): Promise<void> {
  await network.provider.send("evm_setAutomine", [false]);
  try {
    await Promise.all(send());
    await network.provider.send("evm_mine", []);
  } finally {
    await network.provider.send("evm_setAutomine", [true]);
  }
}
