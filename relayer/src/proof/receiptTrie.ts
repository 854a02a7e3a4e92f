/**
 * The receipts trie of a block, rebuilt from JSON-RPC receipts, and Merkle-Patricia proofs
 * of single receipts in the format OpenZeppelin's `TrieProof.traverse(root, key, proof)` reads.
 *
 * Proof format: `proof[0]` is the root node, then every node on the path to the leaf, each one
 * fully RLP encoded: the list ethereumjs' `createMerkleProof` gives. TrieProof accepts a node
 * embedded in its parent (encoding < 32 bytes) either listed as its own element or left out;
 * we list it, as ethereumjs does. In a receipts trie such nodes never occur anyway: every leaf
 * holds a 256-byte bloom, so every child is referenced by hash.
 */
import {
  BranchMPTNode,
  ExtensionMPTNode,
  LeafMPTNode,
  createMPT,
  verifyMerkleProof,
  type MPTNode,
  type MerklePatriciaTrie,
} from "@ethereumjs/mpt";
import { RLP, type Input as RlpInput } from "@ethereumjs/rlp";
import { getBytes, hexlify, isHexString, keccak256 } from "ethers";

import { InvalidReceiptError, InvalidReceiptProofError, ReceiptIndexOutOfRangeError, ReceiptOrderError } from "../errors";
import { decodeData, decodeQuantity, quantityBytes, type InvalidValue, type RpcLog, type RpcReceipt } from "../chain/rpcValues";

/** Merkle-Patricia proof of one receipt, all hex. Feed `root`, `key`, `proof` to `TrieProof.traverse`. */
export interface ReceiptProof {
  /** Receipts trie root (the header's receiptsRoot). */
  root: string;
  /** rlp(txIndex): 0x80 for 0, 0x01…0x7f, then 0x8180 for 128… */
  key: string;
  /** RLP trie nodes from the root to the leaf. */
  proof: string[];
  /** The proven leaf value: the EIP-2718 encoded receipt. */
  value: string;
  txIndex: number;
}

/** EIP-2718 reserves 0x80..0xff: a legacy RLP list starts at 0xc0. */
const MAX_TYPED_RECEIPT_TYPE = 0x7f;
/** OP-stack deposit transactions, whose receipts commit extra fields. */
const OP_DEPOSIT_TYPE = 0x7e;

const invalidReceipt: InvalidValue = (field, value, reason) => new InvalidReceiptError(field, value, reason);

/**
 * Consensus encoding of a receipt: `rlp([status | root, cumulativeGasUsed, logsBloom, logs])`,
 * preceded by the type byte for any type other than 0 (0x hex).
 */
export function encodeReceipt(receipt: RpcReceipt): string {
  return hexlify(encodeReceiptBytes(receipt));
}

/** Same as {@link encodeReceipt}, as bytes. */
export function encodeReceiptBytes(receipt: RpcReceipt): Uint8Array {
  const type = receipt.type === undefined || receipt.type === null ? 0n : decodeQuantity(receipt.type, "type", invalidReceipt);
  if (type > BigInt(MAX_TYPED_RECEIPT_TYPE)) throw invalidReceipt("type", receipt.type, "EIP-2718 types are 0x00-0x7f");
  if (!Array.isArray(receipt.logs)) throw invalidReceipt("logs", receipt.logs, "expected an array");

  const fields: RlpInput[] = [
    outcomeBytes(receipt),
    quantityBytes(receipt.cumulativeGasUsed, "cumulativeGasUsed", invalidReceipt),
    decodeData(receipt.logsBloom, "logsBloom", invalidReceipt, { exactLength: 256 }),
    receipt.logs.map(encodeLog),
  ];
  if (Number(type) === OP_DEPOSIT_TYPE) {
    // op-geth commits these when set (depositNonce since Regolith, the version since Canyon).
    for (const field of ["depositNonce", "depositReceiptVersion"]) {
      if (receipt[field] !== undefined && receipt[field] !== null) fields.push(quantityBytes(receipt[field], field, invalidReceipt));
    }
  }
  const list = RLP.encode(fields);
  if (type === 0n) return list;
  const typed = new Uint8Array(list.length + 1);
  typed[0] = Number(type);
  typed.set(list, 1);
  return typed;
}

/** rlp(txIndex), the receipts trie key of the receipt at `txIndex` (0x hex). */
export function receiptTrieKey(txIndex: number): string {
  return hexlify(RLP.encode(txIndex));
}

/**
 * The receipts trie of one block, built once. All proofs are collected in the same pass (one
 * walk over the trie's nodes), so serving a proof is a map lookup: the executor and the API
 * prove many logs of the same block.
 */
export class ReceiptTrie {
  private constructor(
    /** Trie nodes (hex) on the path to each receipt, root first, by receipt index. */
    private readonly pathNodes: readonly (readonly string[])[],
    /** Leaf values (hex), by receipt index. */
    private readonly encodedReceipts: readonly string[],
    /** Receipts trie root, 0x hex. The empty trie's root is keccak256(rlp("")) = 0x56e81f…b421. */
    readonly root: string,
  ) {}

  /**
   * Builds the trie from receipts ordered by transaction index, as `fetchBlockReceipts` returns them.
   * @throws ReceiptOrderError if a receipt's `transactionIndex` is not its position.
   */
  static async fromReceipts(receipts: readonly RpcReceipt[]): Promise<ReceiptTrie> {
    receipts.forEach((receipt, position) => {
      if (receipt.transactionIndex === undefined || receipt.transactionIndex === null) return;
      const index = decodeQuantity(receipt.transactionIndex, "transactionIndex", invalidReceipt);
      if (index !== BigInt(position)) throw new ReceiptOrderError(position, receipt.transactionIndex);
    });
    return ReceiptTrie.fromEncodedReceipts(receipts.map(encodeReceiptBytes));
  }

  /** Builds the trie from already encoded receipts (the trie's leaf values), in transaction order. */
  static async fromEncodedReceipts(encodedReceipts: readonly (string | Uint8Array)[]): Promise<ReceiptTrie> {
    const values = encodedReceipts.map((encoded, i) => {
      if (typeof encoded === "string" && !isHexString(encoded)) throw invalidReceipt(`[${i}]`, encoded, "expected hex");
      const bytes = getBytes(encoded);
      // The trie treats an empty value as a deletion: the receipt would silently be missing.
      if (bytes.length === 0) throw invalidReceipt(`[${i}]`, encoded, "an encoded receipt is never empty");
      return bytes;
    });
    const trie = await createMPT();
    await trie.batch(values.map((value, i) => ({ type: "put" as const, key: RLP.encode(i), value })));
    const pathsByKey = await collectPaths(trie);
    const pathNodes = values.map((_, i) => {
      const path = pathsByKey.get(hexlify(RLP.encode(i)));
      // Unreachable unless the trie library lost a key it was just given.
      if (path === undefined) throw new InvalidReceiptProofError(`receipt ${i} is not in the trie just built`);
      return path;
    });
    return new ReceiptTrie(pathNodes, values.map((value) => hexlify(value)), hexlify(trie.root()));
  }

  /** Number of receipts (= transactions) in the block. */
  get size(): number {
    return this.encodedReceipts.length;
  }

  /** The trie leaf value of receipt `txIndex`: its EIP-2718 encoding. */
  encodedReceipt(txIndex: number): string {
    this.checkIndex(txIndex);
    return this.encodedReceipts[txIndex];
  }

  /** Merkle-Patricia proof of receipt `txIndex` against {@link root}. */
  async proof(txIndex: number): Promise<ReceiptProof> {
    this.checkIndex(txIndex);
    return {
      root: this.root,
      key: receiptTrieKey(txIndex),
      proof: [...this.pathNodes[txIndex]],
      value: this.encodedReceipts[txIndex],
      txIndex,
    };
  }

  private checkIndex(txIndex: number): void {
    if (!Number.isSafeInteger(txIndex) || txIndex < 0 || txIndex >= this.encodedReceipts.length) {
      throw new ReceiptIndexOutOfRangeError(txIndex, this.encodedReceipts.length);
    }
  }
}

/**
 * Walks the whole trie once and returns, for each key (hex), the serialized nodes from the root
 * to its value, the same list ethereumjs' `createMerkleProof` gives: embedded nodes (< 32
 * bytes) appear as their own element, which TrieProof accepts. No visited-set: two identical
 * subtrees under different paths must both be walked.
 */
async function collectPaths(trie: MerklePatriciaTrie): Promise<Map<string, string[]>> {
  const paths = new Map<string, string[]>();
  if (hexlify(trie.root()) === EMPTY_TRIE_ROOT) return paths;
  const visit = async (node: MPTNode, nibbles: number[], above: string[]): Promise<void> => {
    // Hex once per node, not once per proof: upper nodes are shared by every path below them.
    const path = [...above, hexlify(node.serialize())];
    if (node instanceof LeafMPTNode) {
      paths.set(nibblesToHex([...nibbles, ...node.key()]), path);
    } else if (node instanceof ExtensionMPTNode) {
      const child = node.value() as Uint8Array | Uint8Array[];
      await visit(await trie.lookupNode(child), [...nibbles, ...node.key()], path);
    } else if (node instanceof BranchMPTNode) {
      if (node.value() !== null && node.value()!.length > 0) paths.set(nibblesToHex(nibbles), path);
      for (const [nibble, child] of node.getChildren()) {
        await visit(await trie.lookupNode(child as Uint8Array | Uint8Array[]), [...nibbles, nibble], path);
      }
    }
  };
  await visit(await trie.lookupNode(trie.root()), [], []);
  return paths;
}

const EMPTY_TRIE_ROOT = keccak256(RLP.encode(new Uint8Array()));

function nibblesToHex(nibbles: readonly number[]): string {
  return `0x${nibbles.map((nibble) => nibble.toString(16)).join("")}`;
}

/** Root of the receipts trie of these receipts (ordered by transaction index). */
export async function receiptsRootOf(receipts: readonly RpcReceipt[]): Promise<string> {
  return (await ReceiptTrie.fromReceipts(receipts)).root;
}

/** One-shot proof of receipt `txIndex`; build a {@link ReceiptTrie} instead to prove several. */
export async function buildReceiptProof(receipts: readonly RpcReceipt[], txIndex: number): Promise<ReceiptProof> {
  return (await ReceiptTrie.fromReceipts(receipts)).proof(txIndex);
}

/**
 * Checks a receipt proof with ethereumjs' verifier (independent of how it was built) and
 * returns the proven value.
 * @throws InvalidReceiptProofError if it does not verify, proves absence, or proves another value.
 */
export async function verifyReceiptProof(
  proof: Pick<ReceiptProof, "root" | "key" | "proof">,
  expectedValue?: string,
): Promise<string> {
  let value: Uint8Array | null;
  try {
    value = await verifyMerkleProof(getBytes(proof.key), proof.proof.map((node) => getBytes(node)), {
      root: getBytes(proof.root),
    });
  } catch (error) {
    throw new InvalidReceiptProofError("the nodes do not link the root to the key", { cause: error });
  }
  if (value === null) throw new InvalidReceiptProofError(`the trie has no value at key ${proof.key}`);
  const proven = hexlify(value);
  if (expectedValue !== undefined && proven !== hexlify(getBytes(expectedValue))) {
    throw new InvalidReceiptProofError(`the proven value differs from the expected receipt`);
  }
  return proven;
}

function outcomeBytes(receipt: RpcReceipt): Uint8Array {
  // Byzantium (EIP-658) replaced the post-state root by a status. A root, when there is one, is
  // what the receipt committed, even if the node also derives a status for it (some do); later
  // receipts come with no root, or an empty one.
  if (receipt.root !== undefined && receipt.root !== null && receipt.root !== "0x") {
    return decodeData(receipt.root, "root", invalidReceipt, { exactLength: 32 });
  }
  if (receipt.status !== undefined && receipt.status !== null) {
    const status = decodeQuantity(receipt.status, "status", invalidReceipt);
    if (status > 1n) throw invalidReceipt("status", receipt.status, "expected 0 or 1");
    return quantityBytes(status, "status", invalidReceipt);
  }
  throw invalidReceipt("status", receipt.status, "a receipt carries either status or a 32-byte root");
}

function encodeLog(log: RpcLog, i: number): RlpInput[] {
  if (log === null || typeof log !== "object" || !Array.isArray(log.topics)) {
    throw invalidReceipt(`logs[${i}]`, log, "expected { address, topics[], data }");
  }
  return [
    decodeData(log.address, `logs[${i}].address`, invalidReceipt, { exactLength: 20 }),
    log.topics.map((topic, t) => decodeData(topic, `logs[${i}].topics[${t}]`, invalidReceipt, { exactLength: 32 })),
    decodeData(log.data, `logs[${i}].data`, invalidReceipt),
  ];
}
