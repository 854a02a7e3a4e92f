/**
 * Checkpoints as the test validators sign them (EIP-712 with the relayer's CHECKPOINT_TYPES and
 * checkpointDomain), submitted by the side's relayer: honest ones for relaying, and forged ones
 * (tampered leaves, another root, a stranger's key, edited signatures) for fraud tests.
 */
import { TypedDataEncoder, concat, hexlify, isError, toBeHex, type Signer, type Wallet } from "ethers";

import { CHECKPOINT_TYPES, checkpointDomain } from "../chain/abi";
import { encodeBlockHeader } from "../chain/header";
import { fetchBlock, mapWithConcurrency } from "../chain/receipts";
import type { JsonRpcSender, RpcBlock } from "../chain/rpcValues";
import { buildCheckpointTree, type CheckpointLeaf, type CheckpointTree } from "../proof/checkpointTree";
import { TestBridgeSetupError, TestBridgeTransactionError } from "./errors";
import type { RevertDecoder } from "./revert";
import type { ChildSide, MainSide, RevealedBlock, Side, SubmitCheckpointOptions, SubmittedCheckpoint } from "./types";
import { revertDataOf as revertDataIn } from "../chain/errorChain";

/** Blocks fetched at once: Hardhat answers in-process, a node over HTTP keeps up with this many. */
const BLOCK_FETCH_CONCURRENCY = 16;

export interface CheckpointContext {
  sides: { main: MainSide; child: ChildSide };
  validators: Wallet[];
  decoder: RevertDecoder;
}

export function otherSide(side: Side): Side {
  return side === "main" ? "child" : "main";
}

/** Blocks [from, to] of a chain as checkpoint leaves, fetched in parallel. */
export async function fetchLeaves(provider: JsonRpcSender, from: bigint, to: bigint): Promise<CheckpointLeaf[]> {
  const numbers: bigint[] = [];
  for (let n = from; n <= to; n++) numbers.push(n);
  return mapWithConcurrency(numbers, BLOCK_FETCH_CONCURRENCY, async (number) => {
    const block = await fetchBlock(provider, number);
    return { number, hash: block.hash.toLowerCase(), receiptsRoot: block.receiptsRoot.toLowerCase() };
  });
}

/** The first validators, by index, whose power reaches the threshold. */
function defaultSigners(packed: readonly string[], threshold: bigint): number[] {
  const indices: number[] = [];
  let power = 0n;
  for (let i = 0; i < packed.length && power < threshold; i++) {
    indices.push(i);
    power += BigInt(packed[i]) & ((1n << 96n) - 1n);
  }
  return indices;
}

/** Makes sure `proposer` holds the manager's minimum bond (a challenge slashes all of it). */
async function ensureBond(side: MainSide | ChildSide, proposer: Signer): Promise<void> {
  const manager = side.checkpointManager.connect(proposer);
  const [[amount], minBond] = await Promise.all([manager.bondOf(await proposer.getAddress()), manager.minBond()]);
  if (amount < minBond) await (await manager.depositBond({ value: minBond - amount })).wait();
}

/**
 * Signs and submits a checkpoint of `leaves` (the source chain's blocks, as they are or
 * tampered) to the manager on side `to`.
 */
export async function submitLeaves(
  ctx: CheckpointContext,
  to: Side,
  leaves: readonly CheckpointLeaf[],
  options: Omit<SubmitCheckpointOptions, "to" | "startBlock" | "endBlock" | "leaves"> = {},
): Promise<SubmittedCheckpoint> {
  const destination = ctx.sides[to];
  const source = ctx.sides[otherSide(to)];
  const tree = buildCheckpointTree(leaves);
  const blockRoot = options.blockRoot ?? tree.root;
  const [packed, [, threshold]] = await Promise.all([destination.validatorSet.packedValidators(), destination.validatorSet.quorum()]);
  const signerIndices = options.signerIndices ?? defaultSigners(packed, threshold);
  const keys = options.signingKeys ?? signerIndices.map((index) => testValidatorAt(ctx.validators, packed, index));
  if (keys.length !== signerIndices.length) {
    throw new TestBridgeSetupError(`signingKeys has ${keys.length} keys for ${signerIndices.length} signer indices`);
  }
  const input = { startBlock: tree.startBlock, endBlock: tree.endBlock, blockRoot };
  // One digest for all signers: hashing the typed data once is most of the cost of signTypedData.
  const digest = TypedDataEncoder.hash(checkpointDomain(destination.chainId, await destination.checkpointManager.getAddress()), CHECKPOINT_TYPES, {
    sourceChainId: source.chainId,
    ...input,
  });
  const signed = keys.map((key) => key.signingKey.sign(digest).serialized);
  const signatures = options.signatures === undefined ? concat(signed) : typeof options.signatures === "string" ? options.signatures : concat(options.signatures);
  const signers = hexlify(Uint8Array.from(signerIndices));

  const proposer = options.proposer ?? destination.relayer;
  if (options.proposer === undefined) await ensureBond(destination, proposer);
  const manager = destination.checkpointManager.connect(proposer);
  // Each submission names the checkpoint it continues, so that it cannot land on another (protocol.md).
  const previousBlockRoot = options.previousBlockRoot ?? (await manager.head()).lastBlockRoot;
  let receipt;
  try {
    receipt = await (await manager.submitCheckpoint(input, previousBlockRoot, [...packed], signers, signatures)).wait();
  } catch (error) {
    if (!isRevert(error)) throw error;
    throw new TestBridgeTransactionError(`submitCheckpoint of blocks ${input.startBlock}-${input.endBlock} on the ${to} side`, await ctx.decoder.describe(revertDataOf(error)), { cause: error });
  }
  const event = receipt!.logs.map((log) => manager.interface.parseLog(log)).find((parsed) => parsed?.name === "CheckpointSubmitted");
  if (event === undefined || event === null) throw new TestBridgeTransactionError("submitCheckpoint", "no CheckpointSubmitted event in the receipt");
  const attestation = { proposer: await proposer.getAddress(), validators: [...packed], signers, signatures };
  return {
    id: event.args.id as bigint,
    to,
    ...input,
    finalizesAt: event.args.finalizesAt as bigint,
    tree,
    attestation,
    txHash: receipt!.hash,
    reveal: (blockNumber) => reveal(source.provider, tree, blockNumber),
  };
}

/** submitCheckpoint of the public API: the range by default from the manager's next start block to the source's head. */
export async function submitCheckpoint(ctx: CheckpointContext, options: SubmitCheckpointOptions): Promise<SubmittedCheckpoint> {
  const destination = ctx.sides[options.to];
  const source = ctx.sides[otherSide(options.to)];
  const startBlock = BigInt(options.startBlock ?? (await destination.checkpointManager.nextStartBlock()));
  const endBlock = BigInt(options.endBlock ?? BigInt((await source.provider.send("eth_blockNumber", [])) as string));
  if (endBlock < startBlock) throw new TestBridgeSetupError(`checkpoint range ${startBlock}-${endBlock} is empty`);
  const real = await fetchLeaves(source.provider, startBlock, endBlock);
  const leaves = options.leaves === undefined ? real : real.map((leaf, position) => {
    const rewritten = options.leaves!({ ...leaf }, position);
    return { number: BigInt(rewritten.number), hash: rewritten.hash, receiptsRoot: rewritten.receiptsRoot };
  });
  return submitLeaves(ctx, options.to, leaves, options);
}

/** A committed leaf with its proof, and the real header of the source chain at that height. */
async function reveal(provider: JsonRpcSender, tree: CheckpointTree, blockNumber: bigint | number): Promise<RevealedBlock> {
  const block: RpcBlock = await fetchBlock(provider, BigInt(blockNumber));
  return { leaf: tree.leafFor(blockNumber), proof: tree.proofFor(blockNumber), header: encodeBlockHeader(block) };
}

/** The test validator whose address the set holds at `index`. */
function testValidatorAt(validators: readonly Wallet[], packed: readonly string[], index: number): Wallet {
  if (index < 0 || index >= packed.length) throw new TestBridgeSetupError(`signer index ${index} is outside the validator set (${packed.length} validators)`);
  const address = toBeHex(BigInt(packed[index]) >> 96n, 20).toLowerCase();
  const wallet = validators.find((v) => v.address.toLowerCase() === address);
  if (wallet === undefined) throw new TestBridgeSetupError(`validator ${index} (${address}) is not a test validator: pass signingKeys`);
  return wallet;
}

/** Whether `error` is a transaction or call that reverted (with or without data), not a bug or a dead node. */
export function isRevert(error: unknown): boolean {
  if (isError(error, "CALL_EXCEPTION") || revertDataOf(error) !== "0x") return true;
  return error instanceof Error && /revert/i.test(error.message);
}

/** The revert data inside an ethers or Hardhat error, "0x" when there is none. */
export function revertDataOf(error: unknown): string {
  return revertDataIn(error, 4) ?? revertDataIn(error) ?? "0x";
}
