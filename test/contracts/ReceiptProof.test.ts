import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { getBytes, hexlify, type TransactionResponse } from "ethers";
import { receiptTrieKey, type RpcLog } from "../../relayer/src";
import { checkpoint, deploySystem, messageLogs, mineInOneBlock, passChallengePeriod, proveMessage } from "../helpers/fixture";
import { ReceiptProofError, TrieProofError, TypedSender, fundedWallets, receiptTrieOf, xorByte } from "../helpers/proofs";

/** Transactions in the large block: well past 128, where the trie key grows from one byte to two. */
const LARGE_BLOCK_TXS = 140;
/** Logs of the multi-log receipt; their shapes cycle through 0-4 topics and several data lengths. */
const MULTI_LOG_COUNT = 12;
const LONG_PAYLOAD = hexlify(Uint8Array.from({ length: 100 }, (_, i) => i + 1));

/** Transactions and blocks mined by Hardhat, kept to be proven. */
async function minedBlocksFixture() {
  const system = await deploySystem();
  const harness = await ethers.deployContract("ReceiptProofHarness");
  const emitter = await ethers.deployContract("ReceiptProofLogEmitter");
  const receiver = await ethers.deployContract("MessageReceiver", [await system.child.messenger.getAddress()]);
  const emitterAddress = await emitter.getAddress();
  const receiverAddress = await receiver.getAddress();
  const mainMessengerAddress = await system.main.messenger.getAddress();
  const wallets = await fundedWallets(6, "ReceiptProof.test");
  const sender = await TypedSender.create(wallets);

  // A block holding one transaction (automine).
  const singleTx = await (await emitter.emitLogs(1, "0xabcdef")).wait();
  // A receipt with many logs of every shape.
  const multiLogTx = await (await emitter.emitLogs(MULTI_LOG_COUNT, LONG_PAYLOAD)).wait();

  // A failed transaction next to a successful transfer without logs, in one block.
  const failedBlockTxs: TransactionResponse[] = [];
  await mineInOneBlock(() => [
    sender
      .send(wallets[0], 2, {
        to: emitterAddress,
        data: emitter.interface.encodeFunctionData("emitThenRevert"),
        gasLimit: 100_000,
      })
      .then((tx) => failedBlockTxs.push(tx)),
    sender.send(wallets[1], 0, { to: wallets[2].address, value: 1n, gasLimit: 21_000 }).then((tx) => failedBlockTxs.push(tx)),
  ]);

  // 140 transactions of types 0, 1 and 2 from six accounts: messages, multi-log calls, reverts.
  const largeBlockTxs: TransactionResponse[] = [];
  await mineInOneBlock(() =>
    Array.from({ length: LARGE_BLOCK_TXS }, (_, i) => {
      const wallet = wallets[i % wallets.length];
      const type = (i % 3) as 0 | 1 | 2;
      let tx: { to: string; data: string; gasLimit: number };
      if (i % 10 === 7) {
        tx = { to: emitterAddress, data: emitter.interface.encodeFunctionData("emitThenRevert"), gasLimit: 100_000 };
      } else if (i % 4 === 1) {
        tx = {
          to: emitterAddress,
          data: emitter.interface.encodeFunctionData("emitLogs", [1 + (i % 4), ethers.toBeHex(i, 8)]),
          gasLimit: 300_000,
        };
      } else {
        const call = receiver.interface.encodeFunctionData("receiveMessage", [ethers.toBeHex(i, 2)]);
        tx = {
          to: mainMessengerAddress,
          data: system.main.messenger.interface.encodeFunctionData("sendMessage", [receiverAddress, call, 200_000]),
          gasLimit: 200_000,
        };
      }
      return sender.send(wallet, type, tx).then((response) => largeBlockTxs.push(response));
    }),
  );
  // Not `wait()`: it throws for the reverted transactions these blocks hold on purpose.
  const blockOf = async (tx: TransactionResponse) => {
    const receipt = await ethers.provider.getTransactionReceipt(tx.hash);
    if (receipt === null) throw new Error(`transaction ${tx.hash} was not mined with its block`);
    return receipt.blockNumber;
  };
  const largeBlockNumber = await blockOf(largeBlockTxs[0]);
  const failedBlockNumber = await blockOf(failedBlockTxs[0]);

  return {
    system,
    harness,
    emitter,
    receiver,
    singleTx: singleTx!,
    multiLogTx: multiLogTx!,
    failedBlockNumber,
    largeBlockNumber,
  };
}

function expectLog(actual: { emitter: string; topics: readonly string[]; data: string }, expected: RpcLog): void {
  expect(actual.emitter).to.equal(ethers.getAddress(expected.address));
  expect([...actual.topics]).to.deep.equal(expected.topics.map((t) => t.toLowerCase()));
  expect(actual.data).to.equal(expected.data.toLowerCase());
}

describe("ReceiptProof", function () {
  describe("extractLog on blocks mined by Hardhat", function () {
    it("proves the log of the only transaction of a block", async function () {
      const { harness, singleTx } = await loadFixture(minedBlocksFixture);
      const { block, receipts, trie } = await receiptTrieOf(singleTx.blockNumber);
      expect(block.transactions).to.have.length(1);
      const proof = await trie.proof(0);
      expect(proof.key).to.equal("0x80");
      // A trie of one receipt is its leaf alone.
      expect(proof.proof).to.have.length(1);

      const log = await harness.extractLog(block.receiptsRoot, proof.key, proof.proof, 0);
      expectLog(log, receipts[0].logs[0]);
      expect(log.emitter).to.equal(singleTx.logs[0].address);
    });

    it(`proves receipts of a block of ${LARGE_BLOCK_TXS} legacy, EIP-2930 and EIP-1559 transactions, keys 0, 127, 128 and the last included`, async function () {
      const { harness, largeBlockNumber } = await loadFixture(minedBlocksFixture);
      const { block, receipts, trie } = await receiptTrieOf(largeBlockNumber);
      expect(block.transactions).to.have.length(LARGE_BLOCK_TXS);
      expect(new Set(receipts.map((r) => Number(r.type)))).to.deep.equal(new Set([0, 1, 2]));
      expect(receipts.filter((r) => Number(r.status) === 0)).to.have.length.greaterThan(5);

      // rlp(txIndex): one byte up to 127, two from 128 on (0x81 prefix), and 0x80 for index 0.
      const keys = { 0: "0x80", 1: "0x01", 127: "0x7f", 128: "0x8180", 129: "0x8181", 139: "0x818b" } as Record<number, string>;
      for (const [index, key] of Object.entries(keys)) expect((await trie.proof(Number(index))).key).to.equal(key);

      // Every key-length edge, the first receipt of each type, and the first failed one. (Not all of them:
      // each proof check is an eth_call of ~100 ms under Hardhat's tracing EVM.)
      const sample = new Set([0, 1, 15, 16, 17, 127, 128, LARGE_BLOCK_TXS - 1]);
      for (const type of [0, 1, 2]) sample.add(receipts.findIndex((r) => Number(r.type) === type && Number(r.status) === 1));
      sample.add(receipts.findIndex((r) => Number(r.status) === 0));
      for (const i of sample) {
        const proof = await trie.proof(i);
        const receipt = receipts[i];
        const [first, firstErr] = await harness.tryExtractLog(block.receiptsRoot, proof.key, proof.proof, 0);
        if (Number(receipt.status) === 0) {
          expect(firstErr, `receipt ${i}`).to.equal(ReceiptProofError.ReceiptNotSuccessful);
          continue;
        }
        expect(firstErr, `receipt ${i}`).to.equal(ReceiptProofError.None);
        expectLog(first, receipt.logs[0]);
        const lastIndex = receipt.logs.length - 1;
        if (lastIndex > 0) {
          const [last, lastErr] = await harness.tryExtractLog(block.receiptsRoot, proof.key, proof.proof, lastIndex);
          expect(lastErr).to.equal(ReceiptProofError.None);
          expectLog(last, receipt.logs[lastIndex]);
        }
      }

      // The reverting twin agrees at the edges of the key space.
      for (const i of [0, 127, 128, LARGE_BLOCK_TXS - 1]) {
        const proof = await trie.proof(i);
        const call = harness.extractLog(block.receiptsRoot, proof.key, proof.proof, 0);
        if (Number(receipts[i].status) === 0)
          await expect(call).to.be.revertedWithCustomError(harness, "ReceiptProofReceiptNotSuccessful");
        else expectLog(await call, receipts[i].logs[0]);
      }
    });

    it(`relays messages whose receipts sit at (or next to) index 0, 127, 128 and the last of the ${LARGE_BLOCK_TXS}-transaction block`, async function () {
      const { system, receiver, largeBlockNumber } = await loadFixture(minedBlocksFixture);
      const { receipts } = await receiptTrieOf(largeBlockNumber);
      const checkpointed = await checkpoint(system, system.child, BigInt(largeBlockNumber));
      await passChallengePeriod();

      const messengerAddress = (await system.main.messenger.getAddress()).toLowerCase();
      const isMessage = (i: number) =>
        Number(receipts[i].status) === 1 && receipts[i].logs[0]?.address.toLowerCase() === messengerAddress;
      const wanted = [0, 127, 128, LARGE_BLOCK_TXS - 1];
      // The mempool orders the block, not the test: take the nearest message receipt to each wanted index.
      const chosen = wanted.map((w) => {
        for (let d = 0; d < LARGE_BLOCK_TXS; d++) {
          for (const i of [w - d, w + d]) if (i >= 0 && i < LARGE_BLOCK_TXS && isMessage(i)) return i;
        }
        throw new Error("no message in the block");
      });
      const twoByteKey = receipts.findIndex((_, i) => i >= 128 && isMessage(i));
      expect(twoByteKey, "a message with a two-byte trie key").to.be.greaterThanOrEqual(128);
      chosen.push(twoByteKey);

      for (const txIndex of new Set(chosen)) {
        const txReceipt = await ethers.provider.getTransactionReceipt(receipts[txIndex].transactionHash as string);
        const [log] = await messageLogs(system.main.messenger, txReceipt!);
        const proof = await proveMessage(system.main, txReceipt!, checkpointed);
        expect(proof.receiptKey).to.equal(receiptTrieKey(txIndex));
        const { args } = system.main.messenger.interface.parseLog(log)!;
        const id = await system.child.messenger.incomingMessageId({
          nonce: args.nonce,
          sender: args.sender,
          target: args.target,
          gasLimit: args.gasLimit,
          data: args.data,
        });
        await expect(system.child.messenger.relayMessage(proof))
          .to.emit(system.child.messenger, "MessageRelayed")
          .withArgs(id, args.nonce, await receiver.getAddress());
      }
      expect(await receiver.calls()).to.equal(new Set(chosen).size);
    });

    it("proves each log of a receipt with several logs by its index inside the receipt", async function () {
      const { harness, multiLogTx } = await loadFixture(minedBlocksFixture);
      const { block, receipts, trie } = await receiptTrieOf(multiLogTx.blockNumber);
      const txIndex = multiLogTx.index;
      const logs = receipts[txIndex].logs;
      expect(logs).to.have.length(MULTI_LOG_COUNT);
      // Shapes covered: 0 to 4 topics, empty data and data past the 55-byte short RLP string.
      expect(new Set(logs.map((l) => l.topics.length))).to.deep.equal(new Set([0, 1, 2, 3, 4]));
      const dataLengths = logs.map((l) => getBytes(l.data).length);
      expect(dataLengths).to.include(0);
      expect(Math.max(...dataLengths)).to.be.greaterThan(55);

      const proof = await trie.proof(txIndex);
      for (let i = 0; i < logs.length; i++) {
        expectLog(await harness.extractLog(block.receiptsRoot, proof.key, proof.proof, i), logs[i]);
      }
    });

    it("reverts with ReceiptProofLogIndexOutOfRange(logIndex, logCount) past the receipt's last log", async function () {
      const { harness, multiLogTx, failedBlockNumber } = await loadFixture(minedBlocksFixture);
      const { block, trie } = await receiptTrieOf(multiLogTx.blockNumber);
      const proof = await trie.proof(multiLogTx.index);
      for (const logIndex of [BigInt(MULTI_LOG_COUNT), BigInt(MULTI_LOG_COUNT) + 1n, ethers.MaxUint256]) {
        await expect(harness.extractLog(block.receiptsRoot, proof.key, proof.proof, logIndex))
          .to.be.revertedWithCustomError(harness, "ReceiptProofLogIndexOutOfRange")
          .withArgs(logIndex, MULTI_LOG_COUNT);
      }

      // A successful transfer has no log at all.
      const failedBlock = await receiptTrieOf(failedBlockNumber);
      const transfer = failedBlock.receipts.findIndex((r) => Number(r.status) === 1);
      expect(failedBlock.receipts[transfer].logs).to.be.empty;
      const transferProof = await failedBlock.trie.proof(transfer);
      await expect(harness.extractLog(failedBlock.block.receiptsRoot, transferProof.key, transferProof.proof, 0))
        .to.be.revertedWithCustomError(harness, "ReceiptProofLogIndexOutOfRange")
        .withArgs(0, 0);
    });

    it("rejects the receipt of a reverted transaction with ReceiptProofReceiptNotSuccessful", async function () {
      const { harness, failedBlockNumber } = await loadFixture(minedBlocksFixture);
      const { block, receipts, trie } = await receiptTrieOf(failedBlockNumber);
      const failed = receipts.findIndex((r) => Number(r.status) === 0);
      expect(failed).to.be.greaterThanOrEqual(0);
      const proof = await trie.proof(failed);
      await expect(harness.extractLog(block.receiptsRoot, proof.key, proof.proof, 0)).to.be.revertedWithCustomError(
        harness,
        "ReceiptProofReceiptNotSuccessful",
      );
    });
  });

  describe("trie proof errors", function () {
    async function largeProof() {
      const fixture = await loadFixture(minedBlocksFixture);
      const mined = await receiptTrieOf(fixture.largeBlockNumber);
      const proof = await mined.trie.proof(128);
      expect(proof.proof.length).to.be.greaterThanOrEqual(3);
      return { ...fixture, ...mined, proof, root: mined.block.receiptsRoot };
    }

    it("reverts with InvalidTrieProof(INVALID_ROOT) under another block's receipts root", async function () {
      const { harness, proof, singleTx } = await largeProof();
      const otherRoot = (await receiptTrieOf(singleTx.blockNumber)).block.receiptsRoot;
      await expect(harness.extractLog(otherRoot, proof.key, proof.proof, 0))
        .to.be.revertedWithCustomError(harness, "ReceiptProofInvalidTrieProof")
        .withArgs(TrieProofError.INVALID_ROOT);
    });

    it("reverts with InvalidTrieProof(EMPTY_KEY) for an empty key", async function () {
      const { harness, proof, root } = await largeProof();
      await expect(harness.extractLog(root, "0x", proof.proof, 0))
        .to.be.revertedWithCustomError(harness, "ReceiptProofInvalidTrieProof")
        .withArgs(TrieProofError.EMPTY_KEY);
    });

    it("reverts with InvalidTrieProof(INVALID_LARGE_NODE) when a node below the root is altered", async function () {
      const { harness, proof, root } = await largeProof();
      for (let n = 1; n < proof.proof.length; n++) {
        const nodes = [...proof.proof];
        nodes[n] = xorByte(nodes[n], Math.floor(getBytes(nodes[n]).length / 2), 0x01);
        await expect(harness.extractLog(root, proof.key, nodes, 0))
          .to.be.revertedWithCustomError(harness, "ReceiptProofInvalidTrieProof")
          .withArgs(TrieProofError.INVALID_LARGE_NODE);
      }
    });

    it("reverts with InvalidTrieProof(INVALID_EXTRA_PROOF_ELEMENT) when a node follows the leaf", async function () {
      const { harness, proof, root } = await largeProof();
      await expect(harness.extractLog(root, proof.key, [...proof.proof, proof.proof[0]], 0))
        .to.be.revertedWithCustomError(harness, "ReceiptProofInvalidTrieProof")
        .withArgs(TrieProofError.INVALID_EXTRA_PROOF_ELEMENT);
    });

    it("reverts with InvalidTrieProof(INVALID_PROOF) when the proof stops before the leaf", async function () {
      const { harness, proof, root } = await largeProof();
      for (const nodes of [proof.proof.slice(0, -1), []]) {
        await expect(harness.extractLog(root, proof.key, nodes, 0))
          .to.be.revertedWithCustomError(harness, "ReceiptProofInvalidTrieProof")
          .withArgs(TrieProofError.INVALID_PROOF);
      }
    });

    it("reverts with InvalidTrieProof when the key is another receipt's or extends this one's", async function () {
      const { harness, proof, root } = await largeProof();
      // Index 129 shares every node but the leaf with 128; index 5 leaves the path at the root.
      await expect(harness.extractLog(root, receiptTrieKey(129), proof.proof, 0))
        .to.be.revertedWithCustomError(harness, "ReceiptProofInvalidTrieProof")
        .withArgs(TrieProofError.INVALID_LARGE_NODE);
      await expect(harness.extractLog(root, receiptTrieKey(5), proof.proof, 0))
        .to.be.revertedWithCustomError(harness, "ReceiptProofInvalidTrieProof")
        .withArgs(TrieProofError.INVALID_LARGE_NODE);
      await expect(harness.extractLog(root, `${proof.key}00`, proof.proof, 0))
        .to.be.revertedWithCustomError(harness, "ReceiptProofInvalidTrieProof")
        .withArgs(TrieProofError.MISMATCH_LEAF_PATH_KEY_REMAINDER);
    });
  });
});
