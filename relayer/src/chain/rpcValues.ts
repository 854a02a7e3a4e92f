/**
 * Shapes of the JSON-RPC objects the proof code reads, and strict decoders for their values.
 *
 * Nodes send quantities as hex strings ("0x1a"); ethers' formatted objects carry bigint or
 * number instead, and ethers v5 dumps carry `{ _hex }` / `{ hex }`. The decoders accept all of
 * them so callers can hand over whatever their provider gave, but reject anything ambiguous
 * (odd-length data, negative or fractional numbers) because a silently "fixed" value would
 * only surface later as a hash mismatch with no hint of the culprit.
 */
import { getBytes, toBeArray } from "ethers";

/** The one provider method the proof code needs: ethers' JsonRpcProvider, Hardhat's provider, an EIP-1193 shim. */
export interface JsonRpcSender {
  // `unknown`, not `any`: every result is untrusted JSON and is checked where it is read.
  send(method: string, params: unknown[]): Promise<unknown>;
}

/** A block header as `eth_getBlockByNumber` returns it. Optional fields appear fork by fork. */
export interface RpcBlockHeader {
  hash: string;
  parentHash: string;
  sha3Uncles: string;
  miner: string;
  stateRoot: string;
  transactionsRoot: string;
  receiptsRoot: string;
  logsBloom: string;
  difficulty: string;
  number: string;
  gasLimit: string;
  gasUsed: string;
  timestamp: string;
  extraData: string;
  mixHash: string;
  nonce: string;
  baseFeePerGas?: string; // London
  withdrawalsRoot?: string; // Shanghai
  blobGasUsed?: string; // Cancun
  excessBlobGas?: string; // Cancun
  parentBeaconBlockRoot?: string; // Cancun
  requestsHash?: string; // Prague
}

/** `eth_getBlockByNumber(tag, false)`: the header plus transaction hashes. */
export interface RpcBlock extends RpcBlockHeader {
  transactions: string[];
  [field: string]: unknown;
}

export interface RpcLog {
  address: string;
  topics: string[];
  data: string;
  logIndex?: string;
  [field: string]: unknown;
}

/** A receipt as `eth_getTransactionReceipt` / `eth_getBlockReceipts` return it. */
export interface RpcReceipt {
  /** Absent on nodes that predate EIP-2718; means legacy (0). */
  type?: string;
  /** Byzantium and later. */
  status?: string | null;
  /** Before Byzantium: the intermediate state root, instead of `status`. */
  root?: string | null;
  cumulativeGasUsed: string;
  logsBloom: string;
  logs: RpcLog[];
  transactionHash?: string;
  transactionIndex?: string;
  blockHash?: string;
  blockNumber?: string;
  [field: string]: unknown;
}

/** Builds the error a decoder throws, so each caller reports its own domain (header, receipt…). */
export type InvalidValue = (field: string, value: unknown, reason: string) => Error;

const HEX_DATA = /^0x([0-9a-fA-F]{2})*$/;
const HEX_QUANTITY = /^0x[0-9a-fA-F]*$/;

/** Reads an unsigned integer from a hex quantity, a decimal string, a number or a bigint. */
export function decodeQuantity(value: unknown, field: string, invalid: InvalidValue): bigint {
  const unwrapped = unwrapBigNumber(value);
  if (typeof unwrapped === "bigint") {
    if (unwrapped < 0n) throw invalid(field, value, "negative integer");
    return unwrapped;
  }
  if (typeof unwrapped === "number") {
    if (!Number.isSafeInteger(unwrapped) || unwrapped < 0) throw invalid(field, value, "not a non-negative safe integer");
    return BigInt(unwrapped);
  }
  if (typeof unwrapped === "string") {
    // Some nodes send "0x" for zero.
    if (HEX_QUANTITY.test(unwrapped)) return unwrapped === "0x" ? 0n : BigInt(unwrapped);
    if (/^[0-9]+$/.test(unwrapped)) return BigInt(unwrapped);
  }
  throw invalid(field, value, "expected a hex quantity, a decimal string, a number or a bigint");
}

/** Minimal big-endian bytes of an integer field, zero as the empty byte string (RLP's rule for scalars). */
export function quantityBytes(value: unknown, field: string, invalid: InvalidValue): Uint8Array {
  return toBeArray(decodeQuantity(value, field, invalid));
}

/**
 * Reads hex data. `exactLength` rejects any other size; `padToLength` left-pads shorter values
 * with zeros (for `nonce` and `mixHash`, which some clients send as a bare "0x0").
 */
export function decodeData(
  value: unknown,
  field: string,
  invalid: InvalidValue,
  size: { exactLength?: number; padToLength?: number } = {},
): Uint8Array {
  if (typeof value !== "string") throw invalid(field, value, "expected a 0x-prefixed hex string");
  let hex = value;
  if (size.padToLength !== undefined && HEX_QUANTITY.test(hex) && hex.length % 2 === 1) hex = `0x0${hex.slice(2)}`;
  if (!HEX_DATA.test(hex)) throw invalid(field, value, "expected 0x-prefixed hex with an even number of digits");
  let bytes = getBytes(hex);
  if (size.padToLength !== undefined) {
    if (bytes.length > size.padToLength) throw invalid(field, value, `longer than ${size.padToLength} bytes`);
    if (bytes.length < size.padToLength) {
      const padded = new Uint8Array(size.padToLength);
      padded.set(bytes, size.padToLength - bytes.length);
      bytes = padded;
    }
  }
  if (size.exactLength !== undefined && bytes.length !== size.exactLength) {
    throw invalid(field, value, `expected ${size.exactLength} bytes, got ${bytes.length}`);
  }
  return bytes;
}

/** A hex quantity for JSON-RPC parameters ("0x0", "0x1a"): no leading zeros, as nodes require. */
export function toRpcQuantity(value: bigint | number): string {
  return `0x${BigInt(value).toString(16)}`;
}

function unwrapBigNumber(value: unknown): unknown {
  if (value !== null && typeof value === "object") {
    const record = value as { _hex?: unknown; hex?: unknown };
    if (typeof record._hex === "string") return record._hex;
    if (typeof record.hex === "string") return record.hex;
  }
  return value;
}
