import { existsSync } from "node:fs";
import path from "node:path";

import { createMPT, createMerkleProof, verifyMerkleProof } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { getBytes, hexlify, keccak256, toBeHex } from "ethers";

import { checkVectorFile, listVectorFiles } from "../../scripts/test-vectors";
import {
  InvalidReceiptError,
  InvalidReceiptProofError,
  ReceiptBlockMismatchError,
  ReceiptIndexOutOfRangeError,
  ReceiptOrderError,
  ReceiptTrie,
  buildReceiptProof,
  encodeReceipt,
  fetchBlock,
  fetchBlockReceipts,
  isMethodNotSupported,
  receiptTrieKey,
  verifyReceiptProof,
  type JsonRpcSender,
  type RpcReceipt,
} from "../../relayer/src";
import { mineTestChain } from "./helpers/chainActivity";
import { expectRejection } from "./helpers/assertions";
import { traverseLikeTrieProof } from "./helpers/trieProofModel";

const VECTORS_DIR = path.resolve(__dirname, "../../../shared/vectors");

/** Counts the calls a provider receives, per method. */
function countingProvider(inner: JsonRpcSender): JsonRpcSender & { calls: Map<string, number> } {
  const calls = new Map<string, number>();
  return {
    calls,
    send: (method, params) => {
      calls.set(method, (calls.get(method) ?? 0) + 1);
      return inner.send(method, params);
    },
  };
}

async function receiptsOf(blockNumber: number): Promise<RpcReceipt[]> {
  return fetchBlockReceipts(ethers.provider, blockNumber);
}

/** Every receipt of genesis and of every block mined by the fixture, with its block's receiptsRoot. */
async function everyMinedBlock(): Promise<{ number: number; receiptsRoot: string; receipts: RpcReceipt[] }[]> {
  const { firstBlock, lastBlock } = await loadFixture(mineTestChain);
  const blocks = [];
  for (const number of [0, ...Array.from({ length: lastBlock - firstBlock + 1 }, (_, i) => firstBlock + i)]) {
    const block = await fetchBlock(ethers.provider, number);
    blocks.push({ number, receiptsRoot: block.receiptsRoot, receipts: await receiptsOf(number) });
  }
  return blocks;
}

describe("proof/receiptTrie", function () {
  describe("fetchBlockReceipts", function () {
    it("falls back to per-transaction receipts on Hardhat and asks for eth_getBlockReceipts only once", async function () {
      const { blocks } = await loadFixture(mineTestChain);
      const provider = countingProvider(ethers.provider);
      const first = await fetchBlockReceipts(provider, blocks.large);
      const second = await fetchBlockReceipts(provider, blocks.mixed);
      expect(provider.calls.get("eth_getBlockReceipts")).to.equal(1);
      expect(first).to.have.length(130);
      expect(second).to.have.length(5);
      first.forEach((receipt, i) => expect(BigInt(receipt.transactionIndex!)).to.equal(BigInt(i)));
    });

    it("uses eth_getBlockReceipts where the node has it, and sorts by transactionIndex", async function () {
      const { blocks } = await loadFixture(mineTestChain);
      const expected = await receiptsOf(blocks.mixed);
      const node = countingProvider({
        send: async (method, params) => {
          if (method === "eth_getBlockReceipts") return [...expected].reverse();
          return ethers.provider.send(method, params as unknown[]);
        },
      });
      const receipts = await fetchBlockReceipts(node, blocks.mixed);
      expect(receipts).to.deep.equal(expected);
      expect(node.calls.get("eth_getTransactionReceipt") ?? 0).to.equal(0);
    });

    it("refuses receipts from two different blocks (a reorg between calls)", async function () {
      const { blocks } = await loadFixture(mineTestChain);
      const receipts = await receiptsOf(blocks.mixed);
      const mixedUp = [...receipts.slice(0, -1), { ...receipts[receipts.length - 1], blockHash: keccak256("0x01") }];
      const node = { send: async () => mixedUp };
      const error = await expectRejection(fetchBlockReceipts(node, blocks.mixed), ReceiptBlockMismatchError);
      expect(error.retryable).to.equal(true);
    });

    it("recognises 'method not supported' in the shapes nodes and ethers report it", async function () {
      expect(isMethodNotSupported({ code: -32601, message: "the method eth_getBlockReceipts does not exist" })).to.equal(true);
      expect(isMethodNotSupported({ code: "UNKNOWN_ERROR", error: { code: -32004, message: "x" } })).to.equal(true);
      expect(isMethodNotSupported({ code: "UNKNOWN_ERROR", info: { error: { code: -32601 } } })).to.equal(true);
      expect(isMethodNotSupported({ code: "UNSUPPORTED_OPERATION", operation: "eth_getBlockReceipts" })).to.equal(true);
      expect(isMethodNotSupported(new Error("header not found"))).to.equal(false);
      expect(isMethodNotSupported({ code: -32000, message: "block tag 'finalized' not supported" })).to.equal(false);
    });
  });

  describe("ReceiptTrie", function () {
    it("rebuilds the receiptsRoot of every mined block: types 0-2 and 4, creations, reverts, empty and 130-tx blocks", async function () {
      await loadFixture(mineTestChain);
      const blocks = await everyMinedBlock();
      const types = new Set<string>();
      const statuses = new Set<string>();
      let creations = 0;
      for (const { number, receiptsRoot, receipts } of blocks) {
        const trie = await ReceiptTrie.fromReceipts(receipts);
        expect(trie.root, `block ${number}`).to.equal(receiptsRoot);
        for (const receipt of receipts) {
          types.add(receipt.type!);
          statuses.add(receipt.status!);
          if (receipt.to === null) creations++;
        }
      }
      expect([...types].sort()).to.deep.equal(["0x0", "0x1", "0x2", "0x4"]);
      expect([...statuses].sort()).to.deep.equal(["0x0", "0x1"]);
      // Two deployments and one whose constructor reverts (Hardhat gives it no contractAddress).
      expect(creations).to.equal(3);
    });

    it("gives the empty block the empty-trie root", async function () {
      const { blocks } = await loadFixture(mineTestChain);
      const trie = await ReceiptTrie.fromReceipts(await receiptsOf(blocks.empty));
      expect(trie.root).to.equal(keccak256("0x80"));
      expect(trie.size).to.equal(0);
      expect(() => trie.encodedReceipt(0)).to.throw(ReceiptIndexOutOfRangeError);
    });

    it("proves every receipt of every block, checked by ethereumjs and by a model of OpenZeppelin TrieProof", async function () {
      await loadFixture(mineTestChain);
      for (const { number, receiptsRoot, receipts } of await everyMinedBlock()) {
        const trie = await ReceiptTrie.fromReceipts(receipts);
        for (let i = 0; i < receipts.length; i++) {
          const proof = await trie.proof(i);
          const label = `block ${number} receipt ${i}`;
          expect(proof.root).to.equal(receiptsRoot);
          expect(proof.value, label).to.equal(encodeReceipt(receipts[i]));
          expect(keccak256(proof.proof[0]), label).to.equal(receiptsRoot);
          const proven = await verifyMerkleProof(getBytes(proof.key), proof.proof.map((n) => getBytes(n)), {
            root: getBytes(receiptsRoot),
          });
          expect(hexlify(proven!), label).to.equal(proof.value);
          expect(traverseLikeTrieProof(proof.root, proof.key, proof.proof), label).to.equal(proof.value);
        }
      }
    });

    it("gives the same node lists as ethereumjs' createMerkleProof", async function () {
      const { blocks } = await loadFixture(mineTestChain);
      const receipts = await receiptsOf(blocks.large);
      const trie = await ReceiptTrie.fromReceipts(receipts);
      const reference = await createMPT();
      for (const [i, receipt] of receipts.entries()) await reference.put(RLP.encode(i), getBytes(encodeReceipt(receipt)));
      for (let i = 0; i < receipts.length; i++) {
        const expected = (await createMerkleProof(reference, RLP.encode(i))).map((node) => hexlify(node));
        expect((await trie.proof(i)).proof, `receipt ${i}`).to.deep.equal(expected);
      }
    });

    it("lists nodes embedded in their parent (< 32 bytes) as their own element, and TrieProof reads it with or without them", async function () {
      // Receipts are never this small; one-byte values force embedded leaves to check the walk.
      for (const size of [1, 2, 17, 200]) {
        const values = Array.from({ length: size }, (_, i) => toBeHex((i % 250) + 1, 1));
        const trie = await ReceiptTrie.fromEncodedReceipts(values);
        const reference = await createMPT();
        for (const [i, value] of values.entries()) await reference.put(RLP.encode(i), getBytes(value));
        expect(trie.root).to.equal(hexlify(reference.root()));
        for (let i = 0; i < size; i++) {
          const proof = await trie.proof(i);
          expect(proof.proof).to.deep.equal((await createMerkleProof(reference, RLP.encode(i))).map((node) => hexlify(node)));
          const withoutEmbedded = proof.proof.filter((node, k) => k === 0 || getBytes(node).length >= 32);
          if (size > 1) expect(withoutEmbedded.length).to.be.lessThan(proof.proof.length);
          expect(traverseLikeTrieProof(proof.root, proof.key, proof.proof)).to.equal(values[i]);
          expect(traverseLikeTrieProof(proof.root, proof.key, withoutEmbedded)).to.equal(values[i]);
        }
      }
    });

    it("keys receipts by rlp(txIndex), with two-byte keys from 128 on", async function () {
      const { blocks } = await loadFixture(mineTestChain);
      const trie = await ReceiptTrie.fromReceipts(await receiptsOf(blocks.large));
      expect((await trie.proof(0)).key).to.equal("0x80");
      expect((await trie.proof(1)).key).to.equal("0x01");
      expect((await trie.proof(127)).key).to.equal("0x7f");
      expect((await trie.proof(128)).key).to.equal("0x8180");
      expect((await trie.proof(129)).key).to.equal("0x8181");
      expect(receiptTrieKey(256)).to.equal("0x820100");
    });

    it("proves a one-receipt block with a one-node proof", async function () {
      const { blocks } = await loadFixture(mineTestChain);
      const receipts = await receiptsOf(blocks.single);
      const proof = await buildReceiptProof(receipts, 0);
      expect(proof.proof).to.have.length(1);
      expect(traverseLikeTrieProof(proof.root, proof.key, proof.proof)).to.equal(encodeReceipt(receipts[0]));
    });

    it("rejects a tampered receipt, a tampered node, and a proof against another root", async function () {
      const { blocks } = await loadFixture(mineTestChain);
      const receipts = await receiptsOf(blocks.large);
      const trie = await ReceiptTrie.fromReceipts(receipts);
      const proof = await trie.proof(42);
      expect(await verifyReceiptProof(proof, proof.value)).to.equal(proof.value);

      const otherReceipt = encodeReceipt({ ...receipts[42], cumulativeGasUsed: toBeHex(BigInt(receipts[42].cumulativeGasUsed) + 1n) });
      await expectRejection(verifyReceiptProof(proof, otherReceipt), InvalidReceiptProofError);

      const leaf = getBytes(proof.proof[proof.proof.length - 1]);
      leaf[leaf.length - 5] ^= 0xff;
      const tamperedNodes = [...proof.proof.slice(0, -1), hexlify(leaf)];
      await expectRejection(verifyReceiptProof({ ...proof, proof: tamperedNodes }), InvalidReceiptProofError);
      expect(() => traverseLikeTrieProof(proof.root, proof.key, tamperedNodes)).to.throw("INVALID_LARGE_NODE");

      const otherRoot = (await ReceiptTrie.fromReceipts(await receiptsOf(blocks.mixed))).root;
      await expectRejection(verifyReceiptProof({ ...proof, root: otherRoot }), InvalidReceiptProofError);
      expect(() => traverseLikeTrieProof(otherRoot, proof.key, proof.proof)).to.throw("INVALID_ROOT");

      const tamperedReceipts = receipts.map((r, i) => (i === 42 ? { ...r, status: r.status === "0x1" ? "0x0" : "0x1" } : r));
      expect((await ReceiptTrie.fromReceipts(tamperedReceipts)).root).to.not.equal(trie.root);
    });

    it("requires receipts in transaction order", async function () {
      const { blocks } = await loadFixture(mineTestChain);
      const receipts = await receiptsOf(blocks.mixed);
      const swapped = [receipts[1], receipts[0], ...receipts.slice(2)];
      await expectRejection(ReceiptTrie.fromReceipts(swapped), ReceiptOrderError);
      await expectRejection(buildReceiptProof(receipts, receipts.length), ReceiptIndexOutOfRangeError);
    });

    // Throughput is measured by the relayer benchmark, not asserted here.
    it("proves every receipt of a 500-receipt block from one trie", async function () {
      const { blocks } = await loadFixture(mineTestChain);
      const template = await receiptsOf(blocks.large);
      let gas = 0n;
      const receipts = Array.from({ length: 500 }, (_, i) => {
        const source = template[i % template.length];
        gas += 21_000n + BigInt(i);
        return { ...source, transactionIndex: toBeHex(i), cumulativeGasUsed: toBeHex(gas) };
      });
      const trie = await ReceiptTrie.fromReceipts(receipts);
      expect(trie.size).to.equal(500);
      for (const index of [0, 1, 127, 128, 255, 256, 499]) {
        const proof = await trie.proof(index);
        expect(proof.value).to.equal(encodeReceipt(receipts[index]));
        expect(await verifyReceiptProof(proof, proof.value)).to.equal(proof.value);
      }
    });
  });

  describe("encodeReceipt", function () {
    const base: RpcReceipt = {
      status: "0x1",
      cumulativeGasUsed: "0x5208",
      logsBloom: `0x${"00".repeat(256)}`,
      logs: [{ address: `0x${"11".repeat(20)}`, topics: [`0x${"22".repeat(32)}`], data: "0x3344" }],
    };

    it("prefixes typed receipts with their type byte, future types included, and not legacy ones", function () {
      const legacy = encodeReceipt({ ...base, type: "0x0" });
      expect(encodeReceipt(base)).to.equal(legacy);
      expect(legacy.slice(0, 4)).to.equal("0xf9");
      for (const type of ["0x1", "0x2", "0x3", "0x4", "0x5", "0x7e"]) {
        expect(encodeReceipt({ ...base, type })).to.equal(`0x${type.slice(2).padStart(2, "0")}${legacy.slice(2)}`);
      }
    });

    it("encodes a pre-Byzantium state root instead of a status", function () {
      const root = keccak256("0x01");
      const encoded = encodeReceipt({ ...base, status: undefined, root });
      expect(encoded).to.contain(root.slice(2));
      expect(encoded).to.not.equal(encodeReceipt(base));
      // Nodes that also derive a status for old receipts: the committed root wins.
      expect(encodeReceipt({ ...base, root })).to.equal(encoded);
      expect(encodeReceipt({ ...base, root: "0x" })).to.equal(encodeReceipt(base));
    });

    it("encodes status 0 as the empty string and status 1 as 0x01", function () {
      // 0x f9 <2-byte length> <status> <cumulativeGasUsed 0x825208>…
      expect(encodeReceipt({ ...base, status: "0x0" }).slice(8, 16)).to.equal("80825208");
      expect(encodeReceipt(base).slice(8, 16)).to.equal("01825208");
    });

    it("rejects what is not a receipt", function () {
      expect(() => encodeReceipt({ ...base, type: "0x80" })).to.throw(InvalidReceiptError);
      expect(() => encodeReceipt({ ...base, status: "0x2" })).to.throw(InvalidReceiptError);
      expect(() => encodeReceipt({ ...base, status: undefined })).to.throw(InvalidReceiptError);
      expect(() => encodeReceipt({ ...base, logsBloom: "0x00" })).to.throw(InvalidReceiptError);
      expect(() => encodeReceipt({ ...base, logs: [{ ...base.logs[0], topics: ["0x22"] }] })).to.throw(InvalidReceiptError);
    });
  });

  describe("real-chain vectors", function () {
    const title = existsSync(VECTORS_DIR)
      ? "passes every check of npm run test:vectors on ../shared/vectors"
      : "passes the real-chain vector checks (skipped: ../shared/vectors does not exist)";
    it(title, async function () {
      if (!existsSync(VECTORS_DIR)) this.skip();
      const files = listVectorFiles(VECTORS_DIR);
      expect(files.length).to.be.greaterThan(0);
      for (const file of files) {
        const result = await checkVectorFile(file);
        expect(result.failures, result.file).to.deep.equal([]);
        expect(result.passed, result.file).to.be.greaterThan(0);
      }
    });
  });
});
