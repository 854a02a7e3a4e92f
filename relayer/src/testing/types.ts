/** The public shapes of the test kit: what createTestBridge takes and what a TestBridge returns. */
import type { BaseContract, Interface, InterfaceAbi, Provider, Signer, Wallet } from "ethers";

import type { JsonRpcSender } from "../chain/rpcValues";
import type { CheckpointBlock, CheckpointLeaf, CheckpointTree } from "../proof/checkpointTree";
import type { BridgeDeployment, Direction } from "../sdk/types";
import type {
  CheckpointManager,
  ChildAssetBridge,
  ChildBridge,
  Lockbox,
  Messenger,
  RootAssetBridge,
  RootBridge,
  ValidatorSet,
} from "../../../typechain-types";

export type { Direction };

/** One side of the bridge: "main" holds RootBridge and Lockbox, "child" holds ChildBridge. */
export type Side = "main" | "child";

/**
 * What createTestBridge needs of a Hardhat runtime environment with hardhat-ethers: written out
 * so that the kit's types do not depend on Hardhat's (an optional peer dependency).
 */
export interface HardhatRuntimeLike {
  ethers: {
    provider: Provider & JsonRpcSender;
    getSigners(): Promise<Signer[]>;
    getSigner(address: string): Promise<Signer>;
  };
  /** Used to decode custom errors of any contract of the project when a target reverts. */
  artifacts?: {
    getAllFullyQualifiedNames(): Promise<string[]>;
    readArtifact(name: string): Promise<{ abi: InterfaceAbi }>;
  };
}

/** Two chains, each through a signer connected to a JSON-RPC provider (e.g. two nodes of startDevnet). */
export interface TwoChains {
  main: Signer;
  child: Signer;
}

/** Something whose errors can be decoded: a contract, an ethers Interface, or an ABI. */
export type AbiSource = BaseContract | Interface | InterfaceAbi;

export interface TestBridgeOptions {
  /** Test validators, the same keys for both chains; default 4. */
  validatorCount?: number;
  /** Seed of the validator keys (keccak256(`${seed}/${i}`)); default "sidechain-kit validators". */
  validatorSeed?: string;
  /** Voting power a checkpoint needs (each validator has power 1); default more than two thirds. */
  threshold?: number;
  /** Seconds a checkpoint can be challenged; relaying moves the destination's clock past it. Default 3600. */
  challengePeriod?: number | bigint;
  /**
   * Seconds a validator-set change waits before it can be activated (ValidatorSet.changeDelay);
   * it must be longer than the challenge period. Default twice the challenge period.
   */
  validatorChangeDelay?: number | bigint;
  /** Proposer bond in wei; default 1 ether. */
  minBond?: bigint;
  /** Share of a slashed bond paid to the challenger, in basis points; default 5000. */
  challengerRewardBps?: number;
  /**
   * Deploys, wires and administers the contracts (admin and guardian of all of them); the
   * contracts are connected to it. Default: the first signer of `hre`, or each chain's signer.
   */
  admin?: Signer | { main: Signer; child: Signer };
  /**
   * Bonds, submits checkpoints and sends the relay transactions. Default: on `hre`, an account of
   * the kit's own (impersonated, funded with hardhat_setBalance), so that relaying never touches
   * the balances or nonces of the test's accounts; on two chains, each chain's signer.
   */
  relayer?: Signer | { main: Signer; child: Signer };
  /** ABIs whose custom errors decode a target's revert (see TestBridge.registerAbi). */
  abis?: AbiSource[];
}

export interface RelayOptions {
  /** Return failed messages (success false) instead of throwing TestBridgeRelayError. */
  allowFailures?: boolean;
  /**
   * relayAll also delivers the messages that deliveries send (a reply to a reply …) until none
   * is left; after this many rounds it gives up with TestBridgeRelayLoopError. Default 10.
   */
  maxRounds?: number;
}

/** A message sent and not yet relayed (nor failed) on its destination. */
export interface PendingMessage {
  messageId: string;
  direction: Direction;
  nonce: bigint;
  sender: string;
  target: string;
  gasLimit: bigint;
  data: string;
  /** The transaction that sent it, on the source chain. */
  txHash: string;
  blockNumber: number;
  /** JSON-RPC (block-wide) index of its MessageSent log. */
  logIndex: number;
}

/** What relaying a message did on its destination. */
export interface DeliveredMessage {
  messageId: string;
  direction: Direction;
  nonce: bigint;
  sender: string;
  target: string;
  gasLimit: bigint;
  data: string;
  /** False when the target reverted: the message is then recorded failed, and retryable. */
  success: boolean;
  /** The target's revert data as MessageFailed carries it (cut to Messenger.MAX_REASON_BYTES). */
  revertData?: string;
  /** The revert data decoded: `reverted with reason "…"`, a panic, or a custom error with its arguments. */
  revertReason?: string;
  /** The relay transaction, on the destination chain. */
  txHash: string;
  gasUsed: bigint;
  /** The transaction that sent the message, on the source chain. */
  sourceTxHash: string;
  /** The destination checkpoint the proof went through. */
  checkpointId: bigint;
}

/** The contracts and accounts of one side. */
interface SideBase {
  chainId: bigint;
  provider: Provider & JsonRpcSender;
  /** The admin the contracts are connected to. */
  signer: Signer;
  /** Bonds, submits checkpoints and relays on this chain. */
  relayer: Signer;
  messenger: Messenger;
  /** Checkpoints of the OTHER side's chain, kept here: it admits the other side's messages. */
  checkpointManager: CheckpointManager;
  validatorSet: ValidatorSet;
  /** Block of the first deployment on this chain: messages are looked for from there. */
  deployBlock: number;
}

export interface MainSide extends SideBase {
  rootBridge: RootBridge;
  lockbox: Lockbox;
  /** ERC721 and ERC1155 of the main chain, and the MainMintable tokens of child-chain tokens. */
  rootAssetBridge: RootAssetBridge;
}

export interface ChildSide extends SideBase {
  childBridge: ChildBridge;
  /** Child ERC721/ERC1155 tokens, and the exits of tokens created on the child chain. */
  childAssetBridge: ChildAssetBridge;
}

export interface SubmitCheckpointOptions {
  /** The side whose CheckpointManager gets it: "child" checkpoints main's blocks, "main" child's. */
  to: Side;
  /** Default: the manager's nextStartBlock (another start reverts with CheckpointManagerNotContiguous). */
  startBlock?: bigint | number;
  /** Default: the source chain's latest block. */
  endBlock?: bigint | number;
  /** Rewrites the committed leaves (validators signing blocks that do not exist). */
  leaves?: (leaf: CheckpointLeaf, position: number) => CheckpointBlock;
  /** Signs and submits this root instead of the tree's. */
  blockRoot?: string;
  /** Indices into the validator set of the signers, ascending; default the fewest that reach the threshold. */
  signerIndices?: number[];
  /** The keys that sign, one per signer index; default the test validators at those indices. A stranger's key forges. */
  signingKeys?: Wallet[];
  /** Replaces the concatenated signatures (or the list of them) after signing. */
  signatures?: string | string[];
  /** Submits as this signer (which must have bonded); default the side's relayer, which is topped up. */
  proposer?: Signer;
  /** The predecessor's block root the submission names; default the manager's `head().lastBlockRoot`. */
  previousBlockRoot?: string;
}

/** A committed block revealed, as CheckpointManager.challengeHeader / challengeHeaderChain take it. */
export interface RevealedBlock {
  leaf: { number: bigint; hash: string; receiptsRoot: string };
  proof: string[];
  /** RLP of the real block header at that height on the source chain. */
  header: string;
}

export interface SubmittedCheckpoint {
  id: bigint;
  to: Side;
  startBlock: bigint;
  endBlock: bigint;
  blockRoot: string;
  finalizesAt: bigint;
  /** The tree of the committed leaves (tampered ones when `leaves` rewrote them). */
  tree: CheckpointTree;
  /** What a challenge must repeat: as the CheckpointSubmitted event records it. */
  attestation: { proposer: string; validators: string[]; signers: string; signatures: string };
  txHash: string;
  /** The committed leaf of `blockNumber`, its proof, and the real header at that height. */
  reveal(blockNumber: bigint | number): Promise<RevealedBlock>;
}

export interface TestBridge {
  main: MainSide;
  child: ChildSide;
  /** The test validators, sorted by address as in the ValidatorSet (index i = validator i). Not connected. */
  validators: Wallet[];
  /** True when both sides live on one chain (createTestBridge(hre)). */
  sameChain: boolean;
  challengePeriod: bigint;
  minBond: bigint;
  /**
   * The kit's contracts as deployment files describe them, for the SDK on the kit's chains:
   * `new BridgeClient({ main: alice, child: alice, deployments: bridge.deployments })`.
   */
  deployments: { main: BridgeDeployment; child: BridgeDeployment };
  /** Messages sent and not yet delivered, both directions, in source order (block, then log index). */
  pending(): Promise<PendingMessage[]>;
  /** Delivers the first pending message; undefined when none is pending. */
  relayNext(options?: RelayOptions): Promise<DeliveredMessage | undefined>;
  /** Delivers every pending message in source order, and those the deliveries send, until none is left. */
  relayAll(options?: RelayOptions): Promise<DeliveredMessage[]>;
  /** Submits a checkpoint by hand, honest by default, forged as the options say: for fraud tests. */
  submitCheckpoint(options: SubmitCheckpointOptions): Promise<SubmittedCheckpoint>;
  /** Makes the custom errors of these ABIs decodable in revert reasons. */
  registerAbi(...sources: AbiSource[]): void;
  /** Decodes revert data as relayAll does: Error(string), Panic(uint256), or a known custom error. */
  decodeRevert(data: string): Promise<string>;
}
