/**
 * Conformance check against real-chain vectors (format: shared/vectors/README.md).
 *
 *   npm run test:vectors -- DIR
 *
 * For every *.json in DIR: the header re-encodes to `rawHeader` and hashes to `hash`; the
 * receipts trie rebuilt from the JSON receipts (and from `rawReceipts`) has the header's
 * receiptsRoot; every receipt encodes to its `rawReceipts` entry; proofs of a spread of
 * receipts verify with ethereumjs' own verifier to the raw receipt; tampering is detected.
 * Prints one line per file and `N passed, M failed` (counting checks); exits 1 on any
 * failure or when DIR holds no vector file. The vectors are read in place, never copied.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";

import { verifyMerkleProof } from "@ethereumjs/mpt";
import { getBytes, hexlify, keccak256, toBeHex } from "ethers";

import { encodeBlockHeader, verifyBlockHeader } from "../relayer/src/chain/header";
import type { RpcReceipt } from "../relayer/src/chain/rpcValues";
import { ReceiptTrie, encodeReceipt } from "../relayer/src/proof/receiptTrie";

interface HeaderVector {
  number: number;
  hash: string;
  header: Record<string, string>;
  rawHeader?: string;
}

interface BlockVector extends HeaderVector {
  transactionCount: number;
  receipts: RpcReceipt[];
  rawReceipts: string[];
}

export interface VectorFileResult {
  file: string;
  passed: number;
  failures: string[];
  summary: string;
}

/** Counts checks and keeps the reason of each failure. */
class CheckLog {
  passed = 0;
  readonly failures: string[] = [];

  check(name: string, ok: boolean, detail = ""): void {
    if (ok) this.passed++;
    else this.failures.push(detail === "" ? name : `${name}: ${detail}`);
  }

  async attempt(name: string, body: () => Promise<void> | void): Promise<void> {
    try {
      await body();
    } catch (error) {
      this.check(name, false, error instanceof Error ? error.message : String(error));
    }
  }
}

/** Runs every check on one vector file (a block file, or the headers-only array). */
export async function checkVectorFile(file: string): Promise<VectorFileResult> {
  const log = new CheckLog();
  const name = path.basename(file);
  let summary = "";
  await log.attempt("parse", async () => {
    const data: unknown = JSON.parse(readFileSync(file, "utf8"));
    if (Array.isArray(data)) {
      for (const vector of data as HeaderVector[]) checkHeader(log, vector);
      summary = `${data.length} headers`;
    } else {
      const vector = data as BlockVector;
      checkHeader(log, vector);
      const proven = await checkReceipts(log, vector);
      summary = `block ${vector.number}, ${vector.receipts.length} receipts, ${proven} proofs`;
    }
  });
  return { file: name, passed: log.passed, failures: log.failures, summary };
}

/** The *.json vector files of a directory, sorted. */
export function listVectorFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((entry) => entry.endsWith(".json"))
    .sort()
    .map((entry) => path.join(dir, entry));
}

function checkHeader(log: CheckLog, vector: HeaderVector): void {
  const label = `block ${vector.number}`;
  try {
    if (vector.rawHeader !== undefined) {
      const encoded = encodeBlockHeader(vector.header);
      log.check(`${label} rawHeader`, encoded === vector.rawHeader.toLowerCase(), "re-encoded header differs from rawHeader");
    }
    verifyBlockHeader(vector.header, vector.hash);
    log.check(`${label} header hash`, true);
  } catch (error) {
    log.check(`${label} header`, false, error instanceof Error ? error.message : String(error));
  }
}

/** Returns the number of proofs checked. */
async function checkReceipts(log: CheckLog, vector: BlockVector): Promise<number> {
  const { receipts, rawReceipts } = vector;
  const expectedRoot = vector.header.receiptsRoot.toLowerCase();
  log.check("transactionCount", receipts.length === vector.transactionCount && rawReceipts.length === receipts.length);

  receipts.forEach((receipt, i) => {
    let encoded = "";
    try {
      encoded = encodeReceipt(receipt);
    } catch (error) {
      encoded = error instanceof Error ? error.message : String(error);
    }
    log.check(`encodeReceipt(receipts[${i}])`, encoded === rawReceipts[i].toLowerCase(), `got ${encoded.slice(0, 40)}…`);
  });

  const trie = await ReceiptTrie.fromReceipts(receipts);
  log.check("receipts root from JSON", trie.root === expectedRoot, `${trie.root} != ${expectedRoot}`);
  const rawTrie = await ReceiptTrie.fromEncodedReceipts(rawReceipts);
  log.check("receipts root from rawReceipts", rawTrie.root === expectedRoot, `${rawTrie.root} != ${expectedRoot}`);

  const indices = proofIndices(receipts.length, vector.number);
  for (const i of indices) {
    await log.attempt(`proof of receipt ${i}`, async () => {
      const proof = await trie.proof(i);
      log.check(`proof ${i} key`, proof.key === expectedKey(i), `${proof.key} != ${expectedKey(i)}`);
      log.check(`proof ${i} starts at the root`, proof.proof.length > 0 && keccak256(proof.proof[0]) === expectedRoot);
      const value = await verifyMerkleProof(getBytes(proof.key), proof.proof.map((node) => getBytes(node)), {
        root: getBytes(expectedRoot),
      });
      log.check(`proof ${i} verifies to rawReceipts[${i}]`, value !== null && hexlify(value) === rawReceipts[i].toLowerCase());
    });
  }
  if (receipts.length > 0) await checkTamperingDetected(log, vector, trie);
  return indices.length;
}

/** Negative controls: a changed receipt must change the root, a changed proof must not verify. */
async function checkTamperingDetected(log: CheckLog, vector: BlockVector, trie: ReceiptTrie): Promise<void> {
  const last = vector.receipts.length - 1;
  const tampered = vector.receipts.map((receipt, i) =>
    i === last ? { ...receipt, cumulativeGasUsed: toBeHex(BigInt(receipt.cumulativeGasUsed) + 1n) } : receipt,
  );
  const tamperedTrie = await ReceiptTrie.fromReceipts(tampered);
  log.check("tampered receipt changes the root", tamperedTrie.root !== trie.root);

  const proof = await trie.proof(last);
  const leaf = getBytes(proof.proof[proof.proof.length - 1]);
  leaf[leaf.length - 1] ^= 0x01;
  const nodes = [...proof.proof.slice(0, -1).map((node) => getBytes(node)), leaf];
  let rejected: boolean;
  try {
    const value = await verifyMerkleProof(getBytes(proof.key), nodes, { root: getBytes(trie.root) });
    rejected = value === null || hexlify(value) !== proof.value;
  } catch {
    rejected = true;
  }
  log.check("tampered proof is rejected", rejected);
}

/** First, last, 127 and 128 (where the key grows to two bytes), and a few pseudo-random ones. */
function proofIndices(count: number, seed: number): number[] {
  if (count === 0) return [];
  const chosen = new Set<number>([0, count - 1]);
  for (const boundary of [127, 128]) if (boundary < count) chosen.add(boundary);
  // Seeded, so a failing index is the same on every run.
  let state = seed >>> 0 || 1;
  for (let k = 0; k < 4; k++) {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    chosen.add(state % count);
  }
  return [...chosen].sort((a, b) => a - b);
}

/** rlp(i) written out by hand, independently of the RLP library. */
function expectedKey(i: number): string {
  if (i === 0) return "0x80";
  if (i < 0x80) return toBeHex(i, 1);
  const body = toBeHex(i).slice(2);
  return `0x${(0x80 + body.length / 2).toString(16)}${body}`;
}

async function main(): Promise<void> {
  const dirArgument = process.argv[2];
  if (dirArgument === undefined) {
    console.error("usage: npm run test:vectors -- DIR");
    process.exit(1);
  }
  const dir = path.resolve(dirArgument);
  let files: string[];
  try {
    files = listVectorFiles(dir);
  } catch (error) {
    console.error(`cannot read ${dir}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  if (files.length === 0) {
    console.error(`no *.json vector file in ${dir}`);
    console.log("0 passed, 0 failed");
    process.exit(1);
  }
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    const result = await checkVectorFile(file);
    passed += result.passed;
    failed += result.failures.length;
    const status = result.failures.length === 0 ? "PASS" : "FAIL";
    const failures = result.failures.length === 0 ? "" : ` — ${result.failures.length} failed: ${result.failures.slice(0, 3).join("; ")}`;
    console.log(`${status} ${result.file}: ${result.passed} checks passed (${result.summary})${failures}`);
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
