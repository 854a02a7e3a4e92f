/**
 * The CheckpointManager as the challenger sees it, over raw JSON-RPC. The ABI is written out here
 * (not read from Hardhat artifacts, nor shared with the service's ABI module) so the role stays
 * self-contained and runs from a built package.
 */
import { Interface, type Result } from "ethers";

import { toRpcQuantity, type JsonRpcSender } from "../../chain/rpcValues";
import { UnexpectedContractDataError } from "./errors";
import type { Attestation, CheckpointRef, PlannedChallenge, RevealedBlock } from "./types";
import { revertDataOf as revertDataIn } from "../../chain/errorChain";

const ATTESTATION = "(address proposer, bytes32[] validators, bytes signers, bytes signatures)";
const REVEALED = "((uint256 number, bytes32 hash, bytes32 receiptsRoot) leaf, bytes32[] proof, bytes header)";

export const challengerAbi = new Interface([
  "function checkpointCount() view returns (uint256)",
  "function checkpointStatus(uint256 id) view returns (uint8 status, uint64 finalizesAt)",
  "function getCheckpoint(uint256 id) view returns (uint64 startBlock, uint64 endBlock, bytes32 blockRoot, uint64 finalizesAt)",
  "function checkpointDigest(uint64 startBlock, uint64 endBlock, bytes32 blockRoot) view returns (bytes32)",
  "function validatorSet() view returns (address)",
  `function challengeSignature(uint256 id, ${ATTESTATION} attestation, uint256 position)`,
  `function challengeHeader(uint256 id, ${ATTESTATION} attestation, ${REVEALED} revealed)`,
  `function challengeHeaderChain(uint256 id, ${ATTESTATION} attestation, ${ATTESTATION} previous, ${REVEALED} parent, ${REVEALED} child)`,
  "event CheckpointSubmitted(uint256 indexed id, address indexed proposer, uint64 startBlock, uint64 endBlock, bytes32 blockRoot, uint64 finalizesAt, bytes signers, bytes signatures)",
  "event CheckpointsReverted(uint256 indexed fromId, uint256 toId, address indexed challenger, uint8 fraud)",
  "error CheckpointManagerUnknownCheckpoint(uint256 id, uint256 count)",
  "error CheckpointManagerChallengeWindowClosed(uint256 id, uint64 finalizesAt)",
  "error CheckpointManagerAttestationMismatch(uint256 id)",
  "error CheckpointManagerSignaturePositionOutOfRange(uint256 position, uint256 signerCount)",
  "error CheckpointManagerSignatureValid(uint256 id, uint256 position)",
  "error CheckpointManagerHeaderHashMismatch(uint256 blockNumber, bytes32 committedHash, bytes32 headerHash)",
  "error CheckpointManagerNoFraud(uint256 id)",
  "error CheckpointManagerNotConsecutive(uint256 parentNumber, uint256 childNumber)",
  "error CheckpointManagerNoPreviousCheckpoint(uint256 id)",
  "error CheckpointManagerBlockNotInCheckpoint(uint256 id, uint256 blockNumber)",
]);

export const validatorSetAbi = new Interface(["function packedValidators() view returns (bytes32[] entries)"]);

export const SUBMITTED_TOPIC = challengerAbi.getEvent("CheckpointSubmitted")!.topicHash;
export const REVERTED_TOPIC = challengerAbi.getEvent("CheckpointsReverted")!.topicHash;

/** ICheckpointManager.CheckpointStatus */
export const CheckpointStatus = { None: 0n, Pending: 1n, Final: 2n } as const;

/** A view call decoded with `abi`; `blockTag` pins the state (a number or "latest"). */
export async function readView(
  rpc: JsonRpcSender,
  abi: Interface,
  to: string,
  method: string,
  args: unknown[] = [],
  blockTag: bigint | "latest" = "latest",
): Promise<Result> {
  const data = abi.encodeFunctionData(method, args);
  const tag = blockTag === "latest" ? "latest" : toRpcQuantity(blockTag);
  const raw = await rpc.send("eth_call", [{ to, data }, tag]);
  try {
    return abi.decodeFunctionResult(method, raw as string);
  } catch (error) {
    throw new UnexpectedContractDataError(method, raw, { cause: error });
  }
}

/** The stored range and root of a checkpoint, or undefined when the id is not live. */
export async function readCheckpoint(rpc: JsonRpcSender, manager: string, id: bigint): Promise<(CheckpointRef & { finalizesAt: bigint }) | undefined> {
  // Both reads at one block, so a revert landing between them cannot make getCheckpoint fail.
  const at = BigInt((await rpc.send("eth_blockNumber", [])) as string);
  const [count] = await readView(rpc, challengerAbi, manager, "checkpointCount", [], at);
  if (id >= (count as bigint)) return undefined;
  const [startBlock, endBlock, blockRoot, finalizesAt] = await readView(rpc, challengerAbi, manager, "getCheckpoint", [id], at);
  return { id, startBlock, endBlock, blockRoot: (blockRoot as string).toLowerCase(), finalizesAt };
}

/** Calldata of the planned challenge. */
export function encodeChallenge(plan: PlannedChallenge): string {
  const { id, attestation } = plan.checkpoint;
  const att = attestationTuple(attestation);
  switch (plan.kind) {
    case "signature":
      return challengerAbi.encodeFunctionData("challengeSignature", [id, att, plan.position]);
    case "header":
      return challengerAbi.encodeFunctionData("challengeHeader", [id, att, revealedTuple(plan.revealed)]);
    case "header-chain":
      return challengerAbi.encodeFunctionData("challengeHeaderChain", [
        id,
        att,
        attestationTuple(plan.previous ?? NO_ATTESTATION),
        revealedTuple(plan.parent),
        revealedTuple(plan.child),
      ]);
  }
}

/** What a header-chain challenge names as `previous` when it does not cross into a pending predecessor. */
export const NO_ATTESTATION: Attestation = { proposer: "0x0000000000000000000000000000000000000000", validators: [], signers: "0x", signatures: "0x" };

function attestationTuple(a: Attestation): unknown[] {
  return [a.proposer, a.validators, a.signers, a.signatures];
}

function revealedTuple(r: RevealedBlock): unknown[] {
  return [[r.leaf.number, r.leaf.hash, r.leaf.receiptsRoot], r.proof, r.header];
}

/**
 * The revert data inside an error from any provider: ethers puts it in `data`, Hardhat in
 * `data` of a ProviderError, wrappers in `error`, `info.error` or `cause`.
 */
export function revertDataOf(error: unknown): string | undefined {
  return revertDataIn(error, 4);
}

/** The CheckpointManager error name of `revertData`, when it is one. */
export function errorNameOf(revertData: string | undefined): string | undefined {
  if (revertData === undefined) return undefined;
  try {
    return challengerAbi.parseError(revertData)?.name;
  } catch {
    return undefined;
  }
}
