/**
 * Helpers for the receipt-proof and messenger tests: transactions of a chosen type signed
 * locally, receipts tries of mined blocks, synthetic receipts of any type, exit-proof
 * tampering, revert data pulled out of whatever error ethers or Hardhat throws, and the
 * messenger fixture with its verbs (send on the main side, prove on the child side, relay).
 */
import { ethers } from "hardhat";
import { RLP, type Input as RlpInput } from "@ethereumjs/rlp";
import {
  concat,
  getBytes,
  hexlify,
  toBeArray,
  type Interface,
  type Signer,
  type TransactionReceipt,
  type TransactionRequest,
  type TransactionResponse,
  type Wallet,
} from "ethers";
import { ReceiptTrie, fetchBlock, fetchBlockReceipts, type ExitProof, type RpcBlock, type RpcReceipt } from "../../relayer/src";
import { ICheckpointManager__factory, type Messenger } from "../../typechain-types";
import { checkpoint, deploySystem, passChallengePeriod, proveMessage, type SignedCheckpoint, type System } from "./fixture";
import { revertDataOf } from "../../relayer/src/chain/errorChain";

/** OpenZeppelin 5.7 `TrieProof.ProofError`, in declaration order. */
export const TrieProofError = {
  NO_ERROR: 0,
  EMPTY_KEY: 1,
  INVALID_ROOT: 2,
  INVALID_LARGE_NODE: 3,
  INVALID_SHORT_NODE: 4,
  EMPTY_PATH: 5,
  INVALID_PATH_REMAINDER: 6,
  EMPTY_EXTENSION_PATH_REMAINDER: 7,
  INVALID_EXTRA_PROOF_ELEMENT: 8,
  EMPTY_VALUE: 9,
  MISMATCH_LEAF_PATH_KEY_REMAINDER: 10,
  UNKNOWN_NODE_PREFIX: 11,
  UNPARSEABLE_NODE: 12,
  INVALID_PROOF: 13,
} as const;

/** `ReceiptProof.ProofError`, in declaration order. */
export const ReceiptProofError = {
  None: 0,
  InvalidTrieProof: 1,
  InvalidReceiptEncoding: 2,
  ReceiptNotSuccessful: 3,
  LogIndexOutOfRange: 4,
  InvalidLogEncoding: 5,
} as const;

/** `IMessenger.RelayStatus`, in declaration order: the SDK's table, one source for both. */
export { RelayStatusOnChain as RelayStatus } from "../../relayer/src/sdk/abi";

/** `IMessenger.MessageStatus`, in declaration order. */
export const MessageStatus = { None: 0, Relayed: 1, Failed: 2 } as const;

// ------------------------------------------------------------------ transactions

/** Deterministic wallets funded by the first Hardhat account; they sign locally, so a type 0 or 1 request stays type 0 or 1. */
export async function fundedWallets(count: number, seed: string, amount = ethers.parseEther("10")): Promise<Wallet[]> {
  const [funder] = await ethers.getSigners();
  const wallets: Wallet[] = [];
  for (let i = 0; i < count; i++) {
    const wallet = new ethers.Wallet(ethers.keccak256(ethers.toUtf8Bytes(`${seed}/${i}`)), ethers.provider);
    await (await funder.sendTransaction({ to: wallet.address, value: amount })).wait();
    wallets.push(wallet);
  }
  return wallets;
}

/**
 * Sends transactions of an explicit type with explicit nonces, gas and fees, so that they can be
 * queued while automine is off (nothing is estimated against a pending block). Nonces are taken
 * synchronously, so sends may run concurrently.
 */
export class TypedSender {
  private readonly nonces = new Map<string, number>();

  private constructor(
    private readonly chainId: bigint,
    private readonly gasPrice: bigint,
  ) {}

  /** A sender for `wallets`, whose nonces are read once here. */
  static async create(wallets: readonly Wallet[]): Promise<TypedSender> {
    const { chainId } = await ethers.provider.getNetwork();
    const block = await ethers.provider.getBlock("latest");
    // Well above the base fee, so that the base fee rising over a few full blocks does not strand a transaction.
    const gasPrice = ((block?.baseFeePerGas ?? 10n ** 9n) + 10n ** 9n) * 4n;
    const sender = new TypedSender(chainId, gasPrice);
    for (const wallet of wallets)
      sender.nonces.set(wallet.address, await ethers.provider.getTransactionCount(wallet.address, "pending"));
    return sender;
  }

  send(
    wallet: Wallet,
    type: 0 | 1 | 2,
    tx: TransactionRequest & { to: string; gasLimit: bigint | number },
  ): Promise<TransactionResponse> {
    const nonce = this.nonces.get(wallet.address);
    if (nonce === undefined) throw new Error(`TypedSender does not know ${wallet.address}`);
    this.nonces.set(wallet.address, nonce + 1);
    const fees: TransactionRequest =
      type === 2
        ? { maxFeePerGas: this.gasPrice, maxPriorityFeePerGas: 10n ** 9n }
        : type === 1
          ? { gasPrice: this.gasPrice, accessList: [{ address: tx.to, storageKeys: [ethers.ZeroHash] }] }
          : { gasPrice: this.gasPrice };
    return wallet.sendTransaction({ chainId: this.chainId, nonce, type, ...fees, ...tx });
  }
}

// ------------------------------------------------------------------ receipts tries

export interface MinedBlock {
  block: RpcBlock;
  receipts: RpcReceipt[];
  trie: ReceiptTrie;
}

/** The receipts trie of a mined block, rebuilt from its receipts; its root must be the header's. */
export async function receiptTrieOf(blockNumber: bigint | number): Promise<MinedBlock> {
  const block = await fetchBlock(ethers.provider, BigInt(blockNumber));
  const receipts = await fetchBlockReceipts(ethers.provider, block.hash);
  const trie = await ReceiptTrie.fromReceipts(receipts);
  if (trie.root !== block.receiptsRoot.toLowerCase()) {
    throw new Error(`receipts root mismatch in block ${blockNumber}: ${trie.root} != ${block.receiptsRoot}`);
  }
  return { block, receipts, trie };
}

export interface SyntheticLog {
  address: string;
  topics: string[];
  data: string;
}

/**
 * Consensus encoding of a receipt built by hand: `type || rlp([outcome, cumulativeGasUsed, bloom, logs, ...extra])`.
 * `outcome` is a status (0 or 1) or a raw outcome (a 32-byte pre-Byzantium state root, say); a
 * "legacy" receipt has no type byte, any number is written as the type byte (0x00 included).
 */
export function syntheticReceipt(args: {
  type: number | "legacy";
  outcome: 0 | 1 | string;
  cumulativeGasUsed?: bigint;
  logs: SyntheticLog[];
  extraFields?: RlpInput[];
}): string {
  const outcome =
    typeof args.outcome === "string" ? getBytes(args.outcome) : args.outcome === 1 ? Uint8Array.of(1) : new Uint8Array();
  const list = RLP.encode([
    outcome,
    toBeArray(args.cumulativeGasUsed ?? 21_000n),
    new Uint8Array(256),
    args.logs.map((log) => [getBytes(log.address), log.topics.map((t) => getBytes(t)), getBytes(log.data)]),
    ...(args.extraFields ?? []),
  ]);
  return args.type === "legacy" ? hexlify(list) : concat([Uint8Array.of(args.type), list]);
}

// ------------------------------------------------------------------ tampering

export function cloneProof(proof: ExitProof): ExitProof {
  return { ...proof, blockProof: [...proof.blockProof], receiptProof: [...proof.receiptProof] };
}

/** `hex` with one bit flipped: bit 0 is the top bit of the first byte (wraps around the length). */
export function flipBit(hex: string, bit: number): string {
  if (!Number.isInteger(bit) || bit < 0) throw new Error("flipBit: bad bit");
  const bytes = getBytes(hex).slice();
  const position = Math.floor(bit / 8) % bytes.length;
  bytes[position] ^= 0x80 >> (bit % 8);
  return hexlify(bytes);
}

/** `hex` with byte `index` xor-ed with `mask` (non-zero). */
export function xorByte(hex: string, index: number, mask: number): string {
  if (!Number.isInteger(index) || index < 0 || mask % 256 === 0) throw new Error("xorByte: bad index or mask");
  const bytes = getBytes(hex).slice();
  bytes[index % bytes.length] ^= mask;
  return hexlify(bytes);
}

// ------------------------------------------------------------------ errors

/** The revert data carried by an error thrown by ethers, hardhat-ethers or the Hardhat provider. */
export { revertDataOf };

/** The name of the custom error (or Panic/Error) encoded in `data`, looked up in `interfaces`. */
export function errorNameOf(data: string, interfaces: Interface[]): string {
  for (const iface of interfaces) {
    const parsed = iface.parseError(data);
    if (parsed !== null) return parsed.name;
  }
  if (data.startsWith("0x4e487b71")) return "Panic";
  if (data.startsWith("0x08c379a0")) return "Error";
  return data === "0x" ? "(empty)" : `(unknown ${data.slice(0, 10)})`;
}

// ------------------------------------------------------------------ relaying

/** How a relay transaction ended: the name of the error it reverted with, or the ids it relayed or failed. */
export type RelayOutcome = { reverted: true; error: string } | { reverted: false; ids: string[] };

/**
 * Sends `relayMessage(proof)` with a fixed gas limit (the transaction is mined and reverts on chain;
 * no estimate stands in for it) and tells how it ended. Errors bubbled up from the checkpoint
 * manager are named too.
 */
export async function relayOutcome(
  messenger: Messenger,
  relayer: Signer,
  proof: ExitProof,
  gasLimit: bigint | number = 3_000_000,
): Promise<RelayOutcome> {
  let receipt: TransactionReceipt | null;
  try {
    receipt = await (await messenger.connect(relayer).relayMessage(proof, { gasLimit })).wait();
  } catch (error) {
    const data = revertDataOf(error);
    if (data === undefined) throw error;
    return { reverted: true, error: errorNameOf(data, [messenger.interface, ICheckpointManager__factory.createInterface()]) };
  }
  const address = await messenger.getAddress();
  const ids = receipt!.logs
    .filter((log) => log.address === address)
    .map((log) => messenger.interface.parseLog(log))
    .filter((event) => event?.name === "MessageRelayed" || event?.name === "MessageFailed")
    .map((event) => event!.args.messageId as string);
  return { reverted: false, ids };
}

// ------------------------------------------------------------------ messages main -> child

/** The fields of a message, as its `MessageSent` log carries them. */
export interface MessageFields {
  nonce: bigint;
  sender: string;
  target: string;
  gasLimit: bigint;
  data: string;
}

export interface SentMessage {
  receipt: TransactionReceipt;
  message: MessageFields;
  /** The id `sendMessage` returned. */
  id: string;
}

/** The messages of the `MessageSent` logs that `messenger` emitted in `receipt`, in log order. */
export function sentMessagesOf(messenger: Messenger, receipt: TransactionReceipt): MessageFields[] {
  const address = String(messenger.target);
  return receipt.logs
    .filter((log) => log.address === address)
    .map((log) => messenger.interface.parseLog(log))
    .filter((event) => event?.name === "MessageSent")
    .map((event) => {
      const { nonce, sender, target, gasLimit, data } = event!.args;
      return { nonce, sender, target, gasLimit, data } as MessageFields;
    });
}

/** Sends one message on `messenger` from `from`, and returns it with the id `sendMessage` returned. */
export async function sendFrom(
  messenger: Messenger,
  from: Signer,
  target: string,
  data: string,
  gasLimit: bigint | number,
): Promise<SentMessage> {
  const connected = messenger.connect(from);
  // No transaction between the simulation and the send: the nonce, hence the id, is the same.
  const id = await connected.sendMessage.staticCall(target, data, gasLimit);
  const receipt = (await (await connected.sendMessage(target, data, gasLimit)).wait())!;
  const [message] = sentMessagesOf(messenger, receipt);
  return { receipt, message, id };
}

/** The id of a message from chain `source` to chain `destination`, computed as DESIGN §4 and the contracts do. */
export function messageIdOf(source: bigint, destination: bigint, message: MessageFields): string {
  return ethers.keccak256(
    ethers.AbiCoder.defaultAbiCoder().encode(
      ["uint256", "uint256", "uint256", "address", "address", "uint256", "bytes"],
      [source, destination, message.nonce, message.sender, message.target, message.gasLimit, message.data],
    ),
  );
}

/** Both sides deployed, plus message targets on the child chain and a few named accounts. */
export async function messengerFixture() {
  const system = await deploySystem();
  const childMessenger = await system.child.messenger.getAddress();
  const receiver = await ethers.deployContract("MessageReceiver", [childMessenger]);
  const reentrant = await ethers.deployContract("ReentrantReceiver", [childMessenger]);
  const [alice, bob, outsider] = system.users;
  const relayer = system.users[9];
  return { system, receiver, reentrant, alice, bob, outsider, relayer };
}

/**
 * Checkpoints the main chain on the child side through the last message's block, waits out the
 * challenge period unless `final` is false, and proves each message.
 */
export async function proveOnChild(
  system: System,
  sent: readonly SentMessage[],
  final = true,
): Promise<{ checkpointed: SignedCheckpoint; proofs: ExitProof[] }> {
  const last = sent.reduce((max, s) => (s.receipt.blockNumber > max ? s.receipt.blockNumber : max), 0);
  const checkpointed = await checkpoint(system, system.child, BigInt(last));
  if (final) await passChallengePeriod();
  const proofs: ExitProof[] = [];
  for (const s of sent) proofs.push(await proveMessage(system.main, s.receipt, checkpointed));
  return { checkpointed, proofs };
}
