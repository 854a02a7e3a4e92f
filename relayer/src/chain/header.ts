/**
 * RLP encoding of block headers from their JSON-RPC form, for every layout through Prague.
 *
 * The relayer commits block hashes in checkpoints and reveals headers in challenges, so it must
 * be able to rebuild the exact bytes a block hash commits to. Nodes do not return those bytes,
 * only JSON fields; this module puts them back in consensus order and checks the result against
 * the block hash, so an unknown layout fails loudly instead of producing a wrong commitment.
 */
import { RLP } from "@ethereumjs/rlp";
import { hexlify, keccak256 } from "ethers";

import { HeaderHashMismatchError, InvalidHeaderFieldError, MissingHeaderFieldError } from "../errors";
import { decodeData, decodeQuantity, quantityBytes, type InvalidValue } from "./rpcValues";

/**
 * Anything carrying header fields: a JSON-RPC block (hex strings), or an ethers-formatted one
 * (bigint/number values, `prevRandao` for `mixHash`). ethers' `Block` class alone is not enough:
 * it drops `sha3Uncles`, `logsBloom`, `withdrawalsRoot` and `requestsHash`, and the encoder then
 * reports the first missing field.
 */
export type BlockHeaderSource = object;

type FieldKind =
  | { kind: "quantity" }
  | { kind: "data"; exactLength?: number; padToLength?: number };

interface HeaderField {
  name: string;
  /** Other names the same field goes by (ethers, ethereumjs, go-ethereum JSON). */
  aliases: readonly string[];
  type: FieldKind;
}

const HASH: FieldKind = { kind: "data", exactLength: 32 };
const QUANTITY: FieldKind = { kind: "quantity" };

/** The 15 fields every header has had since Frontier, in consensus order. */
const FRONTIER_FIELDS: readonly HeaderField[] = [
  { name: "parentHash", aliases: [], type: HASH },
  { name: "sha3Uncles", aliases: ["uncleHash", "ommersHash"], type: HASH },
  { name: "miner", aliases: ["coinbase"], type: { kind: "data", exactLength: 20 } },
  { name: "stateRoot", aliases: [], type: HASH },
  { name: "transactionsRoot", aliases: ["transactionsTrie"], type: HASH },
  { name: "receiptsRoot", aliases: ["receiptTrie"], type: HASH },
  { name: "logsBloom", aliases: ["bloom"], type: { kind: "data", exactLength: 256 } },
  { name: "difficulty", aliases: [], type: QUANTITY },
  { name: "number", aliases: [], type: QUANTITY },
  { name: "gasLimit", aliases: [], type: QUANTITY },
  { name: "gasUsed", aliases: [], type: QUANTITY },
  { name: "timestamp", aliases: [], type: QUANTITY },
  // Unbounded: Clique and Bor put a 65-byte signer seal here (97 bytes on Polygon).
  { name: "extraData", aliases: [], type: { kind: "data" } },
  // Renamed prevRandao by the merge; same slot, same 32 bytes.
  { name: "mixHash", aliases: ["prevRandao", "mixDigest"], type: { kind: "data", padToLength: 32 } },
  { name: "nonce", aliases: [], type: { kind: "data", padToLength: 8 } },
];

/**
 * Fields appended by later forks, in fork order. A header carries a prefix of this list: a
 * field can only be present if every field before it is (that is how clients decode them).
 */
const FORK_FIELDS: readonly HeaderField[] = [
  { name: "baseFeePerGas", aliases: ["baseFee"], type: QUANTITY }, // London (EIP-1559)
  { name: "withdrawalsRoot", aliases: [], type: HASH }, // Shanghai (EIP-4895)
  { name: "blobGasUsed", aliases: [], type: QUANTITY }, // Cancun (EIP-4844)
  { name: "excessBlobGas", aliases: [], type: QUANTITY }, // Cancun (EIP-4844)
  { name: "parentBeaconBlockRoot", aliases: [], type: HASH }, // Cancun (EIP-4788)
  { name: "requestsHash", aliases: [], type: HASH }, // Prague (EIP-7685)
];

const invalidHeaderField: InvalidValue = (field, value, reason) => new InvalidHeaderFieldError(field, value, reason);

/** RLP of the block header (0x hex), the preimage of the block hash. */
export function encodeBlockHeader(block: BlockHeaderSource): string {
  return hexlify(encodeBlockHeaderBytes(block));
}

/** Same as {@link encodeBlockHeader}, as bytes. */
export function encodeBlockHeaderBytes(block: BlockHeaderSource): Uint8Array {
  if (block === null || typeof block !== "object") throw new InvalidHeaderFieldError("block", block, "expected an object");
  const source = block as Readonly<Record<string, unknown>>;
  const items: Uint8Array[] = FRONTIER_FIELDS.map((field) => {
    const value = readField(source, field);
    if (value === undefined) throw new MissingHeaderFieldError(field.name);
    return encodeField(field, value);
  });

  const forkValues = FORK_FIELDS.map((field) => readField(source, field));
  const presentCount = forkValues.reduce<number>((count, value, i) => (value === undefined ? count : i + 1), 0);
  for (let i = 0; i < presentCount; i++) {
    const value = forkValues[i];
    if (value === undefined) {
      throw new MissingHeaderFieldError(
        FORK_FIELDS[i].name,
        `"${FORK_FIELDS[presentCount - 1].name}" is present, and headers gain fields in fork order`,
      );
    }
    items.push(encodeField(FORK_FIELDS[i], value));
  }
  return RLP.encode(items);
}

/** keccak256 of the RLP header: what the block hash must be. */
export function blockHashOf(block: BlockHeaderSource): string {
  return keccak256(encodeBlockHeaderBytes(block));
}

/**
 * Re-encodes the header and checks it hashes to `expectedHash` (default: the block's own
 * `hash` field). Returns the verified hash and RLP header.
 * @throws HeaderHashMismatchError when they differ: never commit or sign such a block.
 */
export function verifyBlockHeader(
  block: BlockHeaderSource,
  expectedHash?: string,
): { hash: string; rawHeader: string } {
  const source = block as Readonly<Record<string, unknown>>;
  const expected = expectedHash ?? source.hash;
  if (expected === undefined || expected === null) {
    throw new MissingHeaderFieldError("hash", "needed to verify the header");
  }
  const expectedBytes = decodeData(expected, "hash", invalidHeaderField, { exactLength: 32 });
  const rawHeader = encodeBlockHeader(block);
  const hash = keccak256(rawHeader);
  if (hash !== hexlify(expectedBytes)) {
    throw new HeaderHashMismatchError(tryBlockNumber(source), hexlify(expectedBytes), hash);
  }
  return { hash, rawHeader };
}

function readField(source: Readonly<Record<string, unknown>>, field: HeaderField): unknown {
  for (const name of [field.name, ...field.aliases]) {
    const value = source[name];
    // Some nodes send `null` for fields of forks that are not active yet.
    if (value !== undefined && value !== null) return value;
  }
  return undefined;
}

function encodeField(field: HeaderField, value: unknown): Uint8Array {
  if (field.type.kind === "quantity") return quantityBytes(value, field.name, invalidHeaderField);
  return decodeData(value, field.name, invalidHeaderField, field.type);
}

function tryBlockNumber(source: Readonly<Record<string, unknown>>): bigint | undefined {
  try {
    return source.number === undefined ? undefined : decodeQuantity(source.number, "number", invalidHeaderField);
  } catch {
    return undefined;
  }
}
