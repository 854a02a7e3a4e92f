import { RLP, type NestedUint8Array } from "@ethereumjs/rlp";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { AbiCoder, getBytes, hexlify, keccak256 } from "ethers";
import { ethers } from "hardhat";

import {
  BlockNotInCheckpointError,
  BrokenHeaderChainError,
  CHECKPOINT_LEAF_ENCODING,
  HeaderHashMismatchError,
  LogNotFoundError,
  ReceiptTrie,
  ReceiptsRootMismatchError,
  TransactionReceiptNotFoundError,
  blockHashOf,
  buildCheckpointTree,
  buildExitProof,
  fetchBlock,
  fetchBlockReceipts,
  locateLog,
  proveLog,
  type ExitProof,
  type JsonRpcSender,
  type RpcLog,
} from "../../relayer/src";
import { expectRejection } from "./helpers/assertions";
import { LOGGER_TOPIC, mineTestChain } from "./helpers/chainActivity";
import { traverseLikeTrieProof } from "./helpers/trieProofModel";

const EXIT_PROOF_ABI =
  "tuple(uint256 checkpointId, uint256 blockNumber, bytes32 blockHash, bytes32 receiptsRoot, bytes32[] blockProof, bytes receiptKey, bytes[] receiptProof, uint256 logIndex)";

/** The log an exit proof points at, read back the way the Solidity side does: trie, then receipt RLP. */
function provenLog(proof: ExitProof): { address: string; topics: string[]; data: string } {
  const receipt = getBytes(traverseLikeTrieProof(proof.receiptsRoot, proof.receiptKey, proof.receiptProof));
  const fields = RLP.decode(receipt[0] < 0x80 ? receipt.subarray(1) : receipt) as NestedUint8Array;
  const [address, topics, data] = (fields[3] as NestedUint8Array)[Number(proof.logIndex)] as [Uint8Array, Uint8Array[], Uint8Array];
  return { address: hexlify(address), topics: topics.map((t) => hexlify(t)), data: hexlify(data) };
}

describe("proof/exitProof", function () {
  describe("proveLog", function () {
    it("proves every log of a multi-transaction block, converting the block-wide logIndex", async function () {
      const { blocks, loggerAddress } = await loadFixture(mineTestChain);
      const checkpoint = { id: 7n, startBlock: blocks.mixed - 2, endBlock: blocks.mixed + 1 };
      const tree = buildCheckpointTree(
        await Promise.all([0, 1, 2, 3].map((i) => fetchBlock(ethers.provider, checkpoint.startBlock + i))),
      );
      const receipts = await fetchBlockReceipts(ethers.provider, blocks.mixed);
      let proven = 0;
      for (const receipt of receipts) {
        for (const [inReceipt, log] of (receipt.logs as RpcLog[]).entries()) {
          const proof = await proveLog(ethers.provider, { txHash: receipt.transactionHash!, logIndex: BigInt(log.logIndex!), checkpoint });
          expect(proof.checkpointId).to.equal(7n);
          expect(proof.blockNumber).to.equal(BigInt(blocks.mixed));
          expect(proof.blockHash).to.equal(receipt.blockHash);
          expect(proof.logIndex).to.equal(BigInt(inReceipt));
          expect(proof.receiptKey).to.equal(hexlify(RLP.encode(Number(receipt.transactionIndex))));
          const leafValue = [proof.blockNumber, proof.blockHash, proof.receiptsRoot];
          expect(StandardMerkleTree.verify(tree.root, [...CHECKPOINT_LEAF_ENCODING], leafValue, proof.blockProof)).to.equal(true);
          expect(provenLog(proof)).to.deep.equal({ address: log.address, topics: log.topics, data: log.data });
          proven++;
        }
      }
      // Five logger calls, two logs each, so later transactions have block-wide indexes past 1.
      expect(proven).to.equal(10);
      expect(receipts.every((r) => (r.logs as RpcLog[])[0].topics[0] === LOGGER_TOPIC && r.logs[0].address === loggerAddress.toLowerCase())).to.equal(true);
    });

    it("returns exactly the fields of the Solidity ExitProof struct, encodable by ethers", async function () {
      const { blocks, mixedTxHashes } = await loadFixture(mineTestChain);
      const proof = await proveLog(ethers.provider, {
        txHash: mixedTxHashes[2],
        logIndex: BigInt((await ethers.provider.getTransactionReceipt(mixedTxHashes[2]))!.logs[1].index),
        checkpoint: { id: 1, startBlock: blocks.mixed, endBlock: blocks.mixed },
      });
      expect(Object.keys(proof)).to.deep.equal([
        "checkpointId", "blockNumber", "blockHash", "receiptsRoot", "blockProof", "receiptKey", "receiptProof", "logIndex",
      ]);
      expect(proof.logIndex).to.equal(1n);
      expect(proof.blockProof).to.deep.equal([]); // one-block checkpoint: the root is the leaf
      const encoded = AbiCoder.defaultAbiCoder().encode([EXIT_PROOF_ABI], [proof]);
      const [decoded] = AbiCoder.defaultAbiCoder().decode([EXIT_PROOF_ABI], encoded);
      expect(decoded.receiptsRoot).to.equal(proof.receiptsRoot);
      expect([...decoded.receiptProof]).to.deep.equal(proof.receiptProof);
    });

    it("proves logs of EIP-7702 and legacy transactions and of the 130-transaction block", async function () {
      const { blocks } = await loadFixture(mineTestChain);
      for (const number of [blocks.setCode, blocks.legacy, blocks.accessList, blocks.large]) {
        const receipts = await fetchBlockReceipts(ethers.provider, number);
        const withLogs = receipts.filter((r) => r.logs.length > 0);
        const receipt = withLogs[withLogs.length - 1];
        const log = receipt.logs[receipt.logs.length - 1];
        const proof = await proveLog(ethers.provider, {
          txHash: receipt.transactionHash!,
          logIndex: BigInt(log.logIndex!),
          checkpoint: { id: 0, startBlock: number - 1, endBlock: number },
        });
        expect(provenLog(proof).data, `block ${number}`).to.equal(log.data);
      }
    });

    it("refuses a transaction outside the checkpoint, a log of another transaction and an unknown transaction", async function () {
      const { blocks, mixedTxHashes } = await loadFixture(mineTestChain);
      const checkpoint = { id: 0, startBlock: blocks.mixed, endBlock: blocks.mixed };
      await expectRejection(
        proveLog(ethers.provider, { txHash: mixedTxHashes[0], logIndex: 0, checkpoint: { ...checkpoint, startBlock: blocks.mixed + 1, endBlock: blocks.mixed + 2 } }),
        BlockNotInCheckpointError,
      );
      const first = (await ethers.provider.getTransactionReceipt(mixedTxHashes[0]))!;
      const otherLog = first.logs[0].index === 0 ? 9 : 0;
      await expectRejection(proveLog(ethers.provider, { txHash: mixedTxHashes[0], logIndex: otherLog, checkpoint }), LogNotFoundError);
      await expectRejection(proveLog(ethers.provider, { txHash: mixedTxHashes[0], logIndex: 10, checkpoint }), LogNotFoundError);
      const missing = await expectRejection(
        proveLog(ethers.provider, { txHash: keccak256("0x1234"), logIndex: 0, checkpoint }),
        TransactionReceiptNotFoundError,
      );
      expect(missing.retryable).to.equal(true);
    });

    it("refuses a node whose header does not hash to the block hash, or whose blocks do not chain", async function () {
      const { blocks, mixedTxHashes } = await loadFixture(mineTestChain);
      const checkpoint = { id: 0, startBlock: blocks.mixed - 1, endBlock: blocks.mixed };
      const logIndex = (await ethers.provider.getTransactionReceipt(mixedTxHashes[0]))!.logs[0].index;
      const nodeServing = (rewrite: (block: Record<string, unknown>) => Record<string, unknown>): JsonRpcSender => ({
        send: async (method, params) => {
          const result = await ethers.provider.send(method, params as unknown[]);
          return method === "eth_getBlockByNumber" && Number(result.number) === blocks.mixed - 1 ? rewrite(result) : result;
        },
      });
      const lying = nodeServing((block) => ({ ...block, gasUsed: "0x1" }));
      await expectRejection(proveLog(lying, { txHash: mixedTxHashes[0], logIndex, checkpoint }), HeaderHashMismatchError);
      // A self-consistent header from another fork: its hash checks out, its child does not point at it.
      const forked = nodeServing((block) => {
        const other = { ...block, extraData: "0x0f0f" };
        return { ...other, hash: blockHashOf(other) };
      });
      const broken = await expectRejection(proveLog(forked, { txHash: mixedTxHashes[0], logIndex, checkpoint }), BrokenHeaderChainError);
      expect(broken.retryable).to.equal(true);
    });
  });

  describe("buildExitProof", function () {
    it("refuses a receipt proof of another block's receipts root, and a log index past the receipt's logs", async function () {
      const { blocks } = await loadFixture(mineTestChain);
      const block = await fetchBlock(ethers.provider, blocks.mixed);
      const tree = buildCheckpointTree([block]);
      const trie = await ReceiptTrie.fromReceipts(await fetchBlockReceipts(ethers.provider, blocks.mixed));
      const receiptProof = await trie.proof(0);
      const args = { checkpointId: 3, checkpointTree: tree, blockNumber: blocks.mixed, receiptProof, logIndex: 1 };
      expect(buildExitProof(args).logIndex).to.equal(1n);
      expect(() => buildExitProof({ ...args, logIndex: 2 })).to.throw(LogNotFoundError);
      const otherTrie = await ReceiptTrie.fromReceipts(await fetchBlockReceipts(ethers.provider, blocks.legacy));
      expect(() => buildExitProof({ ...args, receiptProof: { ...receiptProof, root: otherTrie.root } })).to.throw(ReceiptsRootMismatchError);
      expect(() => buildExitProof({ ...args, blockNumber: blocks.mixed + 1 })).to.throw(BlockNotInCheckpointError);
    });
  });

  describe("locateLog", function () {
    it("maps a block-wide logIndex to its transaction and its position in the receipt, with or without logIndex fields", async function () {
      const { blocks } = await loadFixture(mineTestChain);
      const receipts = await fetchBlockReceipts(ethers.provider, blocks.mixed);
      const stripped = receipts.map((r) => ({ ...r, logs: r.logs.map(({ logIndex: _ignored, ...log }) => log) }));
      for (let blockWide = 0; blockWide < 10; blockWide++) {
        const expected = { txIndex: Math.floor(blockWide / 2), logIndexInReceipt: blockWide % 2 };
        const located = locateLog(receipts, blockWide);
        expect({ txIndex: located.txIndex, logIndexInReceipt: located.logIndexInReceipt }).to.deep.equal(expected);
        const counted = locateLog(stripped, blockWide);
        expect({ txIndex: counted.txIndex, logIndexInReceipt: counted.logIndexInReceipt }).to.deep.equal(expected);
      }
      expect(() => locateLog(receipts, 10)).to.throw(LogNotFoundError);
    });
  });
});
