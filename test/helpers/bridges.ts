/**
 * Verbs for token-bridge tests on top of the shared fixture: a `Lane` that carries one direction's
 * messages (checkpointing and waiting out the challenge period only when a block is not yet in a
 * final checkpoint, so messages can be relayed one by one and in any order), the fields of sent
 * messages (for `retryMessage` and message ids), the revert data a message's target call produced
 * (the messenger swallows it on purpose), and a bridge wired to a stub messenger.
 */
import { ethers, network } from "hardhat";
import type { ContractTransactionResponse, Signer, TransactionReceipt } from "ethers";
import {
  NATIVE_TOKEN,
  checkpoint,
  deploySystem,
  messageLogs,
  passChallengePeriod,
  proveMessage,
  type ChainSide,
  type SignedCheckpoint,
  type System,
} from "./fixture";
import type { BridgeMessengerStub, ChildBridge, ChildERC20, Messenger, RootBridge } from "../../typechain-types";

export { NATIVE_TOKEN };

/** `IMessenger.MessageStatus`. */
export const MessageStatus = { None: 0n, Relayed: 1n, Failed: 2n } as const;

/** `CheckpointManager.CheckpointStatus.Final`. */
const CHECKPOINT_FINAL = 2n;

/** The fields of a `MessageSent` log, as `retryMessage` and `incomingMessageId` take them. */
export interface MessageFields {
  nonce: bigint;
  sender: string;
  target: string;
  gasLimit: bigint;
  data: string;
}

/** The messages `messenger` sent in the transaction of `receipt`, in log order. */
export async function sentMessages(messenger: Messenger, receipt: TransactionReceipt): Promise<MessageFields[]> {
  const logs = await messageLogs(messenger, receipt);
  return logs.map((log) => {
    const parsed = messenger.interface.parseLog(log);
    if (parsed === null) throw new Error(`log ${log.index} of ${receipt.hash} is not a MessageSent log`);
    const { nonce, sender, target, gasLimit, data } = parsed.args;
    return { nonce, sender, target, gasLimit, data } as MessageFields;
  });
}

/** The only message of a transaction; fails the test when there is not exactly one. */
export async function onlyMessage(messenger: Messenger, receipt: TransactionReceipt): Promise<MessageFields> {
  const messages = await sentMessages(messenger, receipt);
  if (messages.length !== 1) throw new Error(`expected one message in ${receipt.hash}, found ${messages.length}`);
  return messages[0];
}

/** Waits for a transaction and returns its receipt, failing loudly if it has none. */
export async function mined(tx: Promise<ContractTransactionResponse> | ContractTransactionResponse): Promise<TransactionReceipt> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction has no receipt");
  return receipt;
}

/**
 * One direction of messages: `source` sent them, `destination` relays them. Keeps the checkpoints
 * it submitted on the destination so that several messages of one range share a checkpoint.
 */
export class Lane {
  private readonly checkpoints: SignedCheckpoint[] = [];

  constructor(
    private readonly system: Pick<System, "validators" | "proposer">,
    readonly source: ChainSide,
    readonly destination: ChainSide,
    private readonly relayer?: Signer,
  ) {}

  /** Main → child: deposits. */
  static deposits(system: System, relayer?: Signer): Lane {
    return new Lane(system, system.main, system.child, relayer);
  }

  /** Child → main: withdrawals. */
  static withdrawals(system: System, relayer?: Signer): Lane {
    return new Lane(system, system.child, system.main, relayer);
  }

  /** A final checkpoint on the destination committing `blockNumber`: reuses one, or submits one through the latest block. */
  async finalCheckpointFor(blockNumber: bigint): Promise<SignedCheckpoint> {
    let covering = this.checkpoints.find((c) => c.startBlock <= blockNumber && blockNumber <= c.endBlock);
    if (covering === undefined) {
      covering = await checkpoint(this.system, this.destination);
      this.checkpoints.push(covering);
      if (covering.endBlock < blockNumber) throw new Error(`block ${blockNumber} is not mined yet`);
    }
    const [status] = await this.destination.checkpointManager.checkpointStatus(covering.id);
    if (status !== CHECKPOINT_FINAL) await passChallengePeriod();
    return covering;
  }

  /**
   * Relays the `index`-th message of `receipt` on the destination, with `gasLimit` if given (the
   * signers' default is near the block gas limit). "least" is what eth_estimateGas finds: the least
   * gas the relay succeeds with, whether the message's call does or not.
   */
  async relay(receipt: TransactionReceipt, index = 0, gasLimit?: bigint | "least"): Promise<ContractTransactionResponse> {
    const checkpointed = await this.finalCheckpointFor(BigInt(receipt.blockNumber));
    const proof = await proveMessage(this.source, receipt, checkpointed, index);
    const messenger = this.relayer ? this.destination.messenger.connect(this.relayer) : this.destination.messenger;
    const limit = gasLimit === "least" ? await messenger.relayMessage.estimateGas(proof) : gasLimit;
    const tx = await messenger.relayMessage(proof, limit === undefined ? {} : { gasLimit: limit });
    await tx.wait();
    return tx;
  }

  /** Retries a failed message on the destination. */
  async retry(message: MessageFields): Promise<ContractTransactionResponse> {
    const messenger = this.relayer ? this.destination.messenger.connect(this.relayer) : this.destination.messenger;
    const tx = await messenger.retryMessage(message);
    await tx.wait();
    return tx;
  }

  /** The destination's id of `message`. */
  async idOf(message: MessageFields): Promise<string> {
    return this.destination.messenger.incomingMessageId(message);
  }

  /** Where `message` stands on the destination (`MessageStatus`). */
  async statusOf(message: MessageFields): Promise<bigint> {
    return this.destination.messenger.messageStatus(message);
  }
}

interface StructLog {
  depth: number;
  op: string;
  stack?: string[];
  memory?: string[];
}

/**
 * The revert data of the last call frame at `depth` that reverted in transaction `txHash`, or
 * undefined if none did. The messenger calls a message's target at depth 2 and drops the revert
 * data (so that a target cannot return-bomb it); this reads it back from the EVM trace.
 * Trace a `retryMessage` rather than a `relayMessage`: a relay copies the whole proof into memory
 * at every step and takes seconds to trace.
 */
export async function revertDataAtDepth(txHash: string, depth = 2): Promise<string | undefined> {
  const trace = (await network.provider.send("debug_traceTransaction", [
    txHash,
    { disableStorage: true, enableMemory: true },
  ])) as { structLogs: StructLog[] };
  let data: string | undefined;
  for (const step of trace.structLogs) {
    if (step.depth !== depth || step.op !== "REVERT") continue;
    const stack = step.stack ?? [];
    const offset = Number(BigInt("0x" + stack[stack.length - 1]));
    const length = Number(BigInt("0x" + stack[stack.length - 2]));
    const memory = (step.memory ?? []).join("");
    data = "0x" + memory.slice(offset * 2, (offset + length) * 2);
  }
  return data;
}

/** The child token of `rootToken`, which must be deployed. */
export async function childTokenOf(childBridge: ChildBridge, rootToken: string): Promise<ChildERC20> {
  const address = await childBridge.childTokenOf(rootToken);
  if (address === ethers.ZeroAddress) throw new Error(`no child token for ${rootToken}`);
  return ethers.getContractAt("ChildERC20", address);
}

/** `abi.encode(name, symbol, decimals)`, the metadata of a token's first deposit. */
export function encodeMetadata(name: string, symbol: string, decimals: number): string {
  return ethers.AbiCoder.defaultAbiCoder().encode(["string", "string", "uint8"], [name, symbol, decimals]);
}

/** A bridge of `kind` whose messenger is a `BridgeMessengerStub` (which bubbles the bridge's reverts). */
export async function bridgeWithStub<K extends "RootBridge" | "ChildBridge">(
  kind: K,
  admin: Signer,
): Promise<{ stub: BridgeMessengerStub; bridge: K extends "RootBridge" ? RootBridge : ChildBridge }> {
  const stub = (await ethers.deployContract("BridgeMessengerStub")) as unknown as BridgeMessengerStub;
  const bridge = await ethers.deployContract(kind, [await admin.getAddress(), await stub.getAddress()]);
  return { stub, bridge: bridge as unknown as K extends "RootBridge" ? RootBridge : ChildBridge };
}

/** Transfer fee of the fixture's fee-on-transfer token: 1%. */
export const FEE_BPS = 100n;

/** What each fixture token mints to alice (and approves to the root bridge). */
export const TOKEN_SUPPLY = 10n ** 24n;

/**
 * Both bridge sides plus three root tokens held by alice and approved to the root bridge: a plain
 * ERC20 with 6 decimals, a fee-on-transfer token and a USDT-like token whose transfers return nothing.
 * Lanes are not part of it: they remember checkpoints, which a fixture snapshot would roll back.
 */
export async function bridgeFixture() {
  const system = await deploySystem();
  const [alice, bob, carol] = system.users;
  const token = await ethers.deployContract("TestERC20", ["Test Token", "TST", 6]);
  const feeToken = await ethers.deployContract("FeeOnTransferToken", [FEE_BPS]);
  const usdt = await ethers.deployContract("NoReturnToken");
  const bridge = await system.rootBridge.getAddress();
  await token.mint(alice.address, TOKEN_SUPPLY);
  await token.connect(alice).approve(bridge, ethers.MaxUint256);
  await feeToken.mint(alice.address, TOKEN_SUPPLY);
  await feeToken.connect(alice).approve(bridge, ethers.MaxUint256);
  await usdt.mint(alice.address, TOKEN_SUPPLY);
  await usdt.connect(alice).approve(bridge, ethers.MaxUint256);
  const lockbox = await ethers.getContractAt("Lockbox", system.lockbox);
  return { system, alice, bob, carol, token, feeToken, usdt, lockbox };
}
