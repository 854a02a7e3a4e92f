import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";

import { RLP } from "@ethereumjs/rlp";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { getBytes, hexlify, keccak256 } from "ethers";

import {
  HeaderHashMismatchError,
  InvalidHeaderFieldError,
  MissingHeaderFieldError,
  RelayerError,
  blockHashOf,
  encodeBlockHeader,
  verifyBlockHeader,
} from "../../relayer/src";
import { allRawBlocks, mineTestChain } from "./helpers/chainActivity";

const VECTORS_DIR = path.resolve(__dirname, "../../../shared/vectors");

/** Hardhat's default hardfork (Osaka) mines the 21-field Prague layout. */
const PRAGUE_FIELDS = [
  "parentHash", "sha3Uncles", "miner", "stateRoot", "transactionsRoot", "receiptsRoot", "logsBloom", "difficulty",
  "number", "gasLimit", "gasUsed", "timestamp", "extraData", "mixHash", "nonce", "baseFeePerGas", "withdrawalsRoot",
  "blobGasUsed", "excessBlobGas", "parentBeaconBlockRoot", "requestsHash",
];

const INTEGER_FIELDS = new Set([
  "difficulty", "number", "gasLimit", "gasUsed", "timestamp", "baseFeePerGas", "blobGasUsed", "excessBlobGas",
]);

async function latestRawBlock(): Promise<Record<string, unknown>> {
  await loadFixture(mineTestChain);
  const blocks = await allRawBlocks();
  return blocks[blocks.length - 1];
}

function decodeHeader(rawHeader: string): Uint8Array[] {
  return RLP.decode(getBytes(rawHeader)) as Uint8Array[];
}

describe("chain/header", function () {
  describe("encodeBlockHeader", function () {
    it("reproduces the hash of every block Hardhat mined, genesis included", async function () {
      await loadFixture(mineTestChain);
      const blocks = await allRawBlocks();
      expect(blocks.length).to.be.greaterThan(10);
      for (const block of blocks) {
        expect(blockHashOf(block), `block ${String(block.number)}`).to.equal(block.hash);
        expect(verifyBlockHeader(block).hash).to.equal(block.hash);
      }
    });

    it("encodes the 21 Prague fields in consensus order", async function () {
      const block = await latestRawBlock();
      const items = decodeHeader(encodeBlockHeader(block));
      expect(items).to.have.length(PRAGUE_FIELDS.length);
      PRAGUE_FIELDS.forEach((field, i) => {
        const value = block[field] as string;
        if (INTEGER_FIELDS.has(field)) {
          // Minimal big-endian: no leading zero byte, and zero is the empty string.
          expect(items[i][0] === 0, `${field} has a leading zero`).to.equal(false);
          expect(items[i].length === 0 ? 0n : BigInt(hexlify(items[i])), field).to.equal(BigInt(value));
        } else {
          expect(hexlify(items[i]), field).to.equal(value);
        }
      });
      // Post-merge difficulty is 0: an empty RLP string, not 0x00.
      expect(items[7]).to.have.length(0);
      expect(items[14]).to.have.length(8);
      expect(items[13]).to.have.length(32);
    });

    it("accepts ethers-style values: bigint and number quantities, prevRandao for mixHash", async function () {
      const block = await latestRawBlock();
      const ethersStyle: Record<string, unknown> = { ...block, prevRandao: block.mixHash };
      delete ethersStyle.mixHash;
      for (const field of ["difficulty", "gasLimit", "gasUsed", "baseFeePerGas", "blobGasUsed", "excessBlobGas"]) {
        ethersStyle[field] = BigInt(block[field] as string);
      }
      ethersStyle.number = Number(block.number);
      ethersStyle.timestamp = Number(block.timestamp);
      expect(blockHashOf(ethersStyle)).to.equal(block.hash);
    });

    it("left-pads a short nonce and mixHash, as some clients send them", async function () {
      const block = await latestRawBlock();
      const short = { ...block, nonce: "0x0", mixHash: block.mixHash };
      expect(block.nonce).to.equal("0x0000000000000000");
      expect(blockHashOf(short)).to.equal(block.hash);
    });

    it("treats null fork fields as absent (pre-London layout)", async function () {
      const block = await latestRawBlock();
      const berlinShaped = { ...block, baseFeePerGas: null, withdrawalsRoot: null, blobGasUsed: null, excessBlobGas: null, parentBeaconBlockRoot: null, requestsHash: null };
      expect(decodeHeader(encodeBlockHeader(berlinShaped))).to.have.length(15);
    });
  });

  describe("verifyBlockHeader", function () {
    it("changes the hash when any header field is tampered with", async function () {
      const block = await latestRawBlock();
      const tampered: Record<string, unknown>[] = [
        { ...block, gasLimit: `0x${(BigInt(block.gasLimit as string) + 1n).toString(16)}` },
        { ...block, extraData: "0x01" },
        { ...block, receiptsRoot: keccak256("0x01") },
        { ...block, requestsHash: keccak256("0x02") },
        { ...block, nonce: "0x0000000000000001" },
      ];
      for (const header of tampered) {
        expect(blockHashOf(header)).to.not.equal(block.hash);
        expect(() => verifyBlockHeader(header)).to.throw(HeaderHashMismatchError);
      }
      const dropped: Record<string, unknown> = { ...block };
      delete dropped.requestsHash;
      expect(() => verifyBlockHeader(dropped)).to.throw(HeaderHashMismatchError);
    });

    it("throws a typed, non-retryable error carrying both hashes", async function () {
      const block = await latestRawBlock();
      const header = { ...block, timestamp: "0x1" };
      try {
        verifyBlockHeader(header);
        expect.fail("should have thrown");
      } catch (error) {
        expect(error).to.be.instanceOf(RelayerError);
        const mismatch = error as HeaderHashMismatchError;
        expect(mismatch.code).to.equal("HEADER_HASH_MISMATCH");
        expect(mismatch.retryable).to.equal(false);
        expect(mismatch.expectedHash).to.equal(block.hash);
        expect(mismatch.computedHash).to.equal(blockHashOf(header));
        expect(mismatch.blockNumber).to.equal(BigInt(block.number as string));
      }
    });

    it("checks against an explicit hash when given one", async function () {
      const block = await latestRawBlock();
      expect(() => verifyBlockHeader(block, keccak256("0x"))).to.throw(HeaderHashMismatchError);
      const withoutHash: Record<string, unknown> = { ...block };
      delete withoutHash.hash;
      expect(verifyBlockHeader(withoutHash, block.hash as string).hash).to.equal(block.hash);
      expect(() => verifyBlockHeader(withoutHash)).to.throw(MissingHeaderFieldError);
    });

    it("rejects a fork field present without the fields of earlier forks", async function () {
      const block = await latestRawBlock();
      const gap: Record<string, unknown> = { ...block };
      delete gap.withdrawalsRoot;
      expect(() => encodeBlockHeader(gap)).to.throw(MissingHeaderFieldError, /withdrawalsRoot/);
      const noBloom: Record<string, unknown> = { ...block };
      delete noBloom.logsBloom;
      expect(() => encodeBlockHeader(noBloom)).to.throw(MissingHeaderFieldError, /logsBloom/);
    });

    it("rejects malformed fields instead of guessing", async function () {
      const block = await latestRawBlock();
      for (const bad of [
        { stateRoot: "0x1234" },
        { miner: "0x00" },
        { extraData: "0x123" },
        { gasLimit: "12abc" },
        { gasUsed: -1 },
        { nonce: "0x000000000000000001" },
      ]) {
        expect(() => encodeBlockHeader({ ...block, ...bad }), JSON.stringify(bad)).to.throw(InvalidHeaderFieldError);
      }
    });
  });

  describe("real-chain header layouts", function () {
    const title = existsSync(VECTORS_DIR)
      ? "reproduces every hash and rawHeader in ../shared/vectors, Frontier through Osaka and Polygon Bor"
      : "reproduces real-chain header hashes (skipped: ../shared/vectors does not exist)";
    it(title, function () {
      if (!existsSync(VECTORS_DIR)) this.skip();
      const layouts = new Map<string, number>();
      for (const file of readdirJson(VECTORS_DIR)) {
        const data = JSON.parse(readFileSync(file, "utf8")) as VectorHeader | VectorHeader[];
        for (const vector of Array.isArray(data) ? data : [data]) {
          expect(verifyBlockHeader(vector.header, vector.hash).hash, `${file} ${vector.number}`).to.equal(vector.hash);
          if (vector.rawHeader !== undefined) expect(encodeBlockHeader(vector.header)).to.equal(vector.rawHeader);
          layouts.set(vector.fork, Object.keys(vector.header).length);
        }
      }
      // Every layout is covered: 15 (Frontier..Berlin, Bor), 16 (London), 17 (Shanghai), 20 (Cancun), 21 (Prague).
      expect(new Set(layouts.values())).to.deep.equal(new Set([15, 16, 17, 20, 21]));
    });
  });
});

interface VectorHeader {
  fork: string;
  number: number;
  hash: string;
  header: Record<string, string>;
  rawHeader?: string;
}

function readdirJson(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .map((name) => path.join(dir, name));
}
