/**
 * The contract functions and events the relayer service uses, as human-readable ABI. Kept here
 * rather than read from Hardhat's artifacts/ so that the service runs from a built package.
 */
import { AbiCoder, Interface, keccak256 } from "ethers";

const EXIT_PROOF = "(uint256 checkpointId, uint256 blockNumber, bytes32 blockHash, bytes32 receiptsRoot, bytes32[] blockProof, bytes receiptKey, bytes[] receiptProof, uint256 logIndex)";
const MESSAGE = "(uint256 nonce, address sender, address target, uint256 gasLimit, bytes data)";

export const checkpointManagerAbi = new Interface([
  "function nextStartBlock() view returns (uint64)",
  "function head() view returns (uint256 count, uint64 nextStartBlock, bytes32 lastBlockRoot)",
  "function checkpointCount() view returns (uint256)",
  "function sourceChainId() view returns (uint256)",
  "function validatorSet() view returns (address)",
  "function minBond() view returns (uint128)",
  "function challengePeriod() view returns (uint64)",
  "function bondOf(address proposer) view returns (uint256 amount, uint64 lockedUntil)",
  "function submissionBond(address proposer) view returns (uint256 required, uint64 availableAt)",
  "function checkpointStatus(uint256 id) view returns (uint8 status, uint64 finalizesAt)",
  "function getCheckpoint(uint256 id) view returns (uint64 startBlock, uint64 endBlock, bytes32 blockRoot, uint64 finalizesAt)",
  "function depositBond() payable",
  "function submitCheckpoint((uint64 startBlock, uint64 endBlock, bytes32 blockRoot) checkpoint, bytes32 previousBlockRoot, bytes32[] validators, bytes signers, bytes signatures) returns (uint256 id)",
  "event CheckpointSubmitted(uint256 indexed id, address indexed proposer, uint64 startBlock, uint64 endBlock, bytes32 blockRoot, uint64 finalizesAt, bytes signers, bytes signatures)",
  "event CheckpointsReverted(uint256 indexed fromId, uint256 toId, address indexed challenger, uint8 fraud)",
  "event BondSlashed(address indexed proposer, address indexed challenger, uint256 amount, uint256 reward)",
  "error CheckpointManagerNotContiguous(uint64 expectedStart, uint64 startBlock)",
  "error CheckpointManagerUnexpectedPredecessor(bytes32 lastBlockRoot, bytes32 namedBlockRoot)",
  "error CheckpointManagerBondTooLow(address proposer, uint256 bond, uint256 required)",
  "error CheckpointManagerTooManyPending(address proposer, uint256 max, uint64 availableAt)",
  "error CheckpointManagerQuorumNotReached(uint256 power, uint256 threshold)",
  "error CheckpointManagerValidatorSetMismatch(bytes32 expected, bytes32 actual)",
]);

export const validatorSetAbi = new Interface([
  "function quorum() view returns (bytes32 setHash, uint256 threshold)",
  "function packedValidators() view returns (bytes32[] entries)",
  "function validators() view returns (address[] validators, uint256[] powers)",
  "function pendingChange() view returns (uint64 activatesAt, bytes32 setHash, address[] validators, uint256[] powers, uint256 threshold)",
  "function activateValidators()",
  "event ValidatorSetChangeScheduled(uint64 indexed epoch, bytes32 indexed setHash, address[] validators, uint256[] powers, uint256 threshold, uint64 activatesAt)",
  "error ValidatorSetNoPendingChange()",
  "error ValidatorSetChangeNotDue(uint64 activatesAt)",
]);

export const messengerAbi = new Interface([
  "function remoteChainId() view returns (uint256)",
  "function checkpointManager() view returns (address)",
  `function relayMessage(${EXIT_PROOF} proof) returns (bytes32 messageId)`,
  `function retryMessage(${MESSAGE} message) returns (bytes32 messageId)`,
  "function relayMessages((uint256 checkpointId, (uint256 blockNumber, bytes32 blockHash, bytes32 receiptsRoot, bytes32[] blockProof)[] blocks, bytes[] nodes, (uint256 blockIndex, uint256 txIndex, uint256 logIndex, bytes nodePath)[] entries) batch) returns (uint8[] outcomes, uint256 gasNeeded)",
  "event MessageSkipped(bytes32 indexed messageId, uint256 indexed nonce, uint8 status)",
  "event MessageBatchStopped(uint256 indexed checkpointId, uint256 nextEntry, uint256 gasLeft, uint256 required)",
  `function checkRelay(${EXIT_PROOF} proof) view returns (bytes32 messageId, ${MESSAGE} message)`,
  `function messageStatus(${MESSAGE} message) view returns (uint8)`,
  "event MessageSent(uint256 indexed nonce, address indexed sender, address indexed target, uint256 gasLimit, bytes data)",
  "event MessageRelayed(bytes32 indexed messageId, uint256 indexed nonce, address indexed target)",
  "event MessageFailed(bytes32 indexed messageId, uint256 indexed nonce, address indexed target, bytes reason)",
  "error MessengerAlreadyRelayed(bytes32 messageId)",
  "error MessengerMessageFailed(bytes32 messageId)",
  "error MessengerInsufficientGas(bytes32 messageId, uint256 gasLeft, uint256 required)",
  "error MessengerEmptyBatch()",
  "error CheckpointManagerNotFinal(uint256 id, uint64 finalizesAt)",
  "error CheckpointManagerUnknownCheckpoint(uint256 id, uint256 count)",
]);

const ATTESTATION = "(address proposer, bytes32[] validators, bytes signers, bytes signatures)";
const BLOCK_LEAF = "(uint256 number, bytes32 hash, bytes32 receiptsRoot)";
const DEMAND = "(address demander, uint40 deadline, uint40 finalizesAt, uint8 status, bytes16 blockRootPrefix, uint96 bond)";

/** contracts/common/LeafAvailabilityGame.sol: the data-availability game beside a CheckpointManager. */
export const leafAvailabilityGameAbi = new Interface([
  "function checkpointManager() view returns (address)",
  "function responseWindow() view returns (uint64)",
  "function resolveWindow() view returns (uint64)",
  "function leafDemandBond() view returns (uint96)",
  "function headerDemandBond() view returns (uint96)",
  "function balanceOf(address account) view returns (uint256)",
  `function leafDemand(uint256 id) view returns (${DEMAND})`,
  `function headerDemand(uint256 id, uint256 blockNumber) view returns (${DEMAND})`,
  "function latestLeafDemand(uint256 id) view returns (uint64)",
  "function latestHeaderDemand(uint256 id) view returns (uint64)",
  "function demandLeaves(uint256 id) payable",
  "function publishLeaves(uint256 id, (bytes32 hash, bytes32 receiptsRoot)[] leaves)",
  `function resolveLeaves(uint256 id, ${ATTESTATION} attestation)`,
  `function demandHeader(uint256 id, ${BLOCK_LEAF} leaf, bytes32[] proof) payable`,
  `function revealHeader(uint256 id, ${BLOCK_LEAF} leaf, bytes header)`,
  `function resolveHeader(uint256 id, uint256 blockNumber, ${ATTESTATION} attestation)`,
  "function withdraw(address to)",
  "event LeavesDemanded(uint256 indexed id, address indexed demander, bytes32 blockRoot, uint64 deadline, uint256 bond)",
  "event LeavesPublished(uint256 indexed id, address indexed publisher, bytes32 blockRoot, uint64 startBlock, (bytes32 hash, bytes32 receiptsRoot)[] leaves, uint256 cost)",
  "event HeaderDemanded(uint256 indexed id, uint256 indexed blockNumber, address indexed demander, bytes32 blockHash, bytes32 receiptsRoot, uint64 deadline, uint256 bond)",
  "event HeaderRevealed(uint256 indexed id, uint256 indexed blockNumber, address indexed publisher, bytes header, uint256 cost)",
  "event DemandResolved(uint256 indexed id, uint256 indexed blockNumber, address indexed demander, uint8 status, uint256 refund, uint256 reward)",
  "error LeafAvailabilityGameDemandTooLate(uint256 id, uint64 latestDemandAt)",
  "error LeafAvailabilityGameAlreadyDemanded(uint256 id, uint256 blockNumber, uint8 status)",
  "error LeafAvailabilityGameNoOpenDemand(uint256 id, uint256 blockNumber)",
  "error LeafAvailabilityGameResponseWindowClosed(uint256 id, uint256 blockNumber, uint64 deadline)",
  "error LeafAvailabilityGameResponseWindowOpen(uint256 id, uint256 blockNumber, uint64 deadline)",
  "error LeafAvailabilityGameRootMismatch(uint256 id, bytes32 blockRoot, bytes32 rebuilt)",
  "error LeafAvailabilityGameLeafCountMismatch(uint256 id, uint256 expected, uint256 published)",
  "error LeafAvailabilityGameTooManyLeaves(uint256 id, uint256 leaves, uint256 max)",
  "error LeafAvailabilityGameHeaderDisagrees(uint256 id, uint256 blockNumber)",
  "error LeafAvailabilityGameWrongBond(uint256 required, uint256 sent)",
  "error CheckpointManagerUnknownCheckpoint(uint256 id, uint256 count)",
  "error CheckpointManagerChallengeWindowClosed(uint256 id, uint64 finalizesAt)",
  "error CheckpointManagerAttestationMismatch(uint256 id)",
]);

/** ILeafAvailabilityGame.DemandStatus */
export const DemandStatusOnChain = { None: 0, Open: 1, Answered: 2, Unavailable: 3, Void: 4 } as const;
export const LEAVES_DEMANDED_TOPIC = leafAvailabilityGameAbi.getEvent("LeavesDemanded")!.topicHash;
export const LEAVES_PUBLISHED_TOPIC = leafAvailabilityGameAbi.getEvent("LeavesPublished")!.topicHash;
export const HEADER_DEMANDED_TOPIC = leafAvailabilityGameAbi.getEvent("HeaderDemanded")!.topicHash;
export const HEADER_REVEALED_TOPIC = leafAvailabilityGameAbi.getEvent("HeaderRevealed")!.topicHash;

export const MESSAGE_SENT_TOPIC = messengerAbi.getEvent("MessageSent")!.topicHash;
export const CHECKPOINT_SUBMITTED_TOPIC = checkpointManagerAbi.getEvent("CheckpointSubmitted")!.topicHash;
export const CHECKPOINTS_REVERTED_TOPIC = checkpointManagerAbi.getEvent("CheckpointsReverted")!.topicHash;
export const BOND_SLASHED_TOPIC = checkpointManagerAbi.getEvent("BondSlashed")!.topicHash;
export const MESSAGE_RELAYED_TOPIC = messengerAbi.getEvent("MessageRelayed")!.topicHash;
export const MESSAGE_FAILED_TOPIC = messengerAbi.getEvent("MessageFailed")!.topicHash;

/** On-chain `ICheckpointManager.Fraud`, by the uint8 of CheckpointsReverted. */
export const FRAUD_KINDS = ["bad-signature", "header-mismatch", "broken-header-chain", "leaves-unavailable", "header-unavailable"] as const;
export type FraudKind = (typeof FRAUD_KINDS)[number] | "unknown";
export const fraudKind = (fraud: number): FraudKind => FRAUD_KINDS[fraud] ?? "unknown";

/** On-chain `Messenger.MessageStatus`. */
export const MessageStatusOnChain = { None: 0, Relayed: 1, Failed: 2 } as const;
/** On-chain `ICheckpointManager.CheckpointStatus`. */
export const CheckpointStatusOnChain = { None: 0, Pending: 1, Final: 2 } as const;

export interface MessageFields {
  nonce: bigint;
  sender: string;
  target: string;
  gasLimit: bigint;
  data: string;
}

/** DESIGN §4 / protocol.md: the id binds both chain ids and the canonical fields only. */
export function messageId(sourceChainId: bigint, destinationChainId: bigint, m: MessageFields): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["uint256", "uint256", "uint256", "address", "address", "uint256", "bytes"],
      [sourceChainId, destinationChainId, m.nonce, m.sender, m.target, m.gasLimit, m.data],
    ),
  );
}

/** Decodes a raw MessageSent log. */
export function decodeMessageSent(log: { topics: readonly string[]; data: string }): MessageFields {
  const parsed = messengerAbi.parseLog({ topics: [...log.topics], data: log.data });
  if (parsed === null || parsed.name !== "MessageSent") throw new Error("not a MessageSent log");
  return {
    nonce: parsed.args.nonce as bigint,
    sender: (parsed.args.sender as string).toLowerCase(),
    target: (parsed.args.target as string).toLowerCase(),
    gasLimit: parsed.args.gasLimit as bigint,
    data: parsed.args.data as string,
  };
}

/** EIP-712 types of a checkpoint signature (protocol.md "Signatures"). */
export const CHECKPOINT_TYPES = {
  Checkpoint: [
    { name: "sourceChainId", type: "uint256" },
    { name: "startBlock", type: "uint64" },
    { name: "endBlock", type: "uint64" },
    { name: "blockRoot", type: "bytes32" },
  ],
};

export function checkpointDomain(destinationChainId: bigint | number, checkpointManager: string) {
  return { name: "sidechain-kit CheckpointManager", version: "1", chainId: BigInt(destinationChainId), verifyingContract: checkpointManager };
}

/** eth_call of a view function, decoded. */
export async function readContract(
  rpc: { call(to: string, data: string, from?: string): Promise<string> },
  abi: Interface,
  address: string,
  fn: string,
  args: readonly unknown[] = [],
): Promise<import("ethers").Result> {
  const data = abi.encodeFunctionData(fn, args);
  return abi.decodeFunctionResult(fn, await rpc.call(address, data));
}
