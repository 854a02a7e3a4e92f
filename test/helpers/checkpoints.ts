/**
 * Helpers for the CheckpointManager unit tests: checkpoints built from arbitrary (possibly
 * tampered) leaves, signed and submitted; signatures forged in other EIP-712 domains or made
 * malleable; committed blocks revealed with their RLP header; blocks of a dropped fork.
 */
import { ethers } from "hardhat";
import { mine, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer, Wallet } from "ethers";
import {
  buildCheckpointTree,
  encodeBlockHeader,
  type CheckpointBlock,
  type CheckpointTree,
  type RpcBlock,
} from "../../relayer/src";
import type { CheckpointManager } from "../../typechain-types";
import { MIN_BOND, attest, deploySystem, fetchBlocks, type ChainSide } from "./fixture";

export const DOMAIN_NAME = "sidechain-kit CheckpointManager";
export const DOMAIN_VERSION = "1";
export const CHECKPOINT_TYPES = {
  Checkpoint: [
    { name: "sourceChainId", type: "uint256" },
    { name: "startBlock", type: "uint64" },
    { name: "endBlock", type: "uint64" },
    { name: "blockRoot", type: "bytes32" },
  ],
};

/** secp256k1 group order: `s` above half of it is the malleable twin of a valid signature. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** ICheckpointManager.Fraud */
export const Fraud = { BadSignature: 0, HeaderMismatch: 1, BrokenHeaderChain: 2, LeavesUnavailable: 3, HeaderUnavailable: 4 } as const;
/** ICheckpointManager.CheckpointStatus */
export const Status = { None: 0n, Pending: 1n, Final: 2n } as const;

export interface CheckpointRange {
  startBlock: bigint;
  endBlock: bigint;
  blockRoot: string;
}

export interface Attestation {
  proposer: string;
  validators: string[];
  signers: string;
  signatures: string;
}

export interface Submitted extends CheckpointRange {
  id: bigint;
  finalizesAt: bigint;
  tree: CheckpointTree;
  attestation: Attestation;
}

export interface Revealed {
  leaf: { number: bigint; hash: string; receiptsRoot: string };
  proof: string[];
  header: string;
}

/** The leaves of real blocks, as a checkpoint commits them. */
export function leavesOf(blocks: readonly RpcBlock[]): CheckpointBlock[] {
  return blocks.map((b) => ({ number: BigInt(b.number), hash: b.hash, receiptsRoot: b.receiptsRoot }));
}

export function rangeOf(tree: CheckpointTree): CheckpointRange {
  return { startBlock: tree.startBlock, endBlock: tree.endBlock, blockRoot: tree.root };
}

/** A tree over `blocks` whose leaves `tamper` may rewrite (validators signing garbage). */
export function tamperedTree(
  blocks: readonly RpcBlock[],
  tamper: (leaf: CheckpointBlock, position: number) => CheckpointBlock = (leaf) => leaf,
): CheckpointTree {
  return buildCheckpointTree(leavesOf(blocks).map(tamper));
}

/** The real blocks from the manager's next start block through the latest one. */
export async function nextBlocks(manager: CheckpointManager, endBlock?: bigint): Promise<RpcBlock[]> {
  const start = await manager.nextStartBlock();
  const end = endBlock ?? BigInt(await ethers.provider.getBlockNumber());
  return fetchBlocks(start, end);
}

/** Signs `range` in an arbitrary EIP-712 domain: what a replay from another chain or contract carries. */
export async function signInDomain(
  signer: Wallet,
  domain: { chainId: bigint; verifyingContract: string },
  sourceChainId: bigint,
  range: CheckpointRange,
): Promise<string> {
  return signer.signTypedData(
    { name: DOMAIN_NAME, version: DOMAIN_VERSION, ...domain },
    CHECKPOINT_TYPES,
    { sourceChainId, ...range },
  );
}

export function splitSignatures(signatures: string): string[] {
  const bytes = ethers.getBytes(signatures);
  const list: string[] = [];
  for (let i = 0; i < bytes.length; i += 65) list.push(ethers.hexlify(bytes.slice(i, i + 65)));
  return list;
}

export function withSignature(signatures: string, position: number, signature: string): string {
  const list = splitSignatures(signatures);
  list[position] = signature;
  return ethers.concat(list);
}

/** The high-s twin of a valid signature: recovers to the same key with raw ecrecover. */
export function toHighS(signature: string): string {
  const sig = ethers.Signature.from(signature);
  const s = SECP256K1_N - BigInt(sig.s);
  const v = sig.v === 27 ? 28 : 27;
  return ethers.concat([sig.r, ethers.toBeHex(s, 32), ethers.toBeHex(v, 1)]);
}

/**
 * Signs the checkpoint of `tree` by the validators at `signerIndices` (default: all), lets
 * `edit` rewrite the signatures, and submits it as `proposer`, built on the current last
 * checkpoint unless `previousBlockRoot` names another.
 */
export async function submitTree(
  side: ChainSide,
  validators: Wallet[],
  proposer: Signer,
  tree: CheckpointTree,
  options: { signerIndices?: number[]; edit?: (signatures: string) => string | Promise<string>; previousBlockRoot?: string } = {},
): Promise<Submitted> {
  const manager = side.checkpointManager;
  const range = rangeOf(tree);
  const signerIndices = options.signerIndices ?? [...validators.keys()];
  const signed = await attest(side, validators, signerIndices, range);
  const signatures = options.edit ? await options.edit(signed.signatures) : signed.signatures;
  const [id, , lastBlockRoot] = await manager.head();
  const previousBlockRoot = options.previousBlockRoot ?? lastBlockRoot;
  await manager.connect(proposer).submitCheckpoint(range, previousBlockRoot, signed.packed, signed.signers, signatures);
  const [, , , finalizesAt] = await manager.getCheckpoint(id);
  return {
    id,
    ...range,
    finalizesAt,
    tree,
    attestation: {
      proposer: await proposer.getAddress(),
      validators: signed.packed,
      signers: signed.signers,
      signatures,
    },
  };
}

/** The attestation to pass as `previous` when a challenge does not cross into a pending predecessor. */
export const NO_ATTESTATION: Attestation = { proposer: ethers.ZeroAddress, validators: [], signers: "0x", signatures: "0x" };

/** The committed leaf of `number`, its proof, and the RLP header of `block` (normally the block itself). */
export function reveal(tree: CheckpointTree, number: bigint, block: RpcBlock): Revealed {
  return { leaf: tree.leafFor(number), proof: tree.proofFor(number), header: encodeBlockHeader(block) };
}

/**
 * Mines `count` blocks on a fork that is then dropped, and `count` different blocks at the
 * same heights on the kept chain. Both forks share the parent of their first block, so a
 * dropped block is a real header that does not link to the kept block before it.
 */
export async function mineDroppedFork(count: number): Promise<{ dropped: RpcBlock[]; kept: RpcBlock[] }> {
  const from = BigInt(await ethers.provider.getBlockNumber()) + 1n;
  const to = from + BigInt(count) - 1n;
  const base = await time.latest();
  const snapshot = await takeSnapshot();
  // Distinct timestamps make the two forks' blocks differ even without transactions.
  await time.setNextBlockTimestamp(base + 1_000);
  await mine(count);
  const dropped = await fetchBlocks(from, to);
  await snapshot.restore();
  await time.setNextBlockTimestamp(base + 2_000);
  await mine(count);
  const kept = await fetchBlocks(from, to);
  return { dropped, kept };
}

/**
 * The system of the shared fixture, seen from the child side's checkpoint manager: a guardian
 * that is not the admin, and a second, honest proposer that has bonded too.
 */
export async function deployManager() {
  const system = await deploySystem();
  const side = system.child;
  const manager = side.checkpointManager;
  const [challenger, honest, guardian, stranger] = system.users;
  await manager.connect(system.admin).grantRole(await manager.GUARDIAN_ROLE(), guardian.address);
  await manager.connect(honest).depositBond({ value: MIN_BOND });
  return { ...system, side, manager, validatorSet: side.validatorSet, challenger, honest, guardian, stranger };
}

export type ManagerContext = Awaited<ReturnType<typeof deployManager>>;
