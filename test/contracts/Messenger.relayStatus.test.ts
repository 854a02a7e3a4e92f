import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { TransactionResponse } from "ethers";
import { ICheckpointManager__factory } from "../../typechain-types";
import { mineInOneBlock } from "../helpers/fixture";
import {
  RelayStatus,
  TrieProofError,
  messengerFixture,
  proveOnChild,
  revertDataOf,
  sendFrom,
  sentMessagesOf,
  xorByte,
  type SentMessage,
} from "../helpers/proofs";

/** One message to the receiver, proven through a checkpoint still in its challenge window. */
async function pendingMessageFixture() {
  const ctx = await messengerFixture();
  const { system, alice, receiver } = ctx;
  const call = receiver.interface.encodeFunctionData("receiveMessage", ["0x01"]);
  const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), call, 200_000);
  const { checkpointed, proofs } = await proveOnChild(system, [sent], false);
  const [, finalizesAt] = await system.child.checkpointManager.checkpointStatus(checkpointed.id);
  return { ...ctx, sent, checkpointed, proof: proofs[0], finalizesAt };
}

describe("Messenger", function () {
  describe("relayStatus", function () {
    it("reports NotCheckpointed, with no id, time or reason, for a checkpoint id not submitted", async function () {
      const { system, proof } = await loadFixture(pendingMessageFixture);
      const status = await system.child.messenger.relayStatus({ ...proof, checkpointId: 7n });
      expect([...status]).to.deep.equal([BigInt(RelayStatus.NotCheckpointed), ethers.ZeroHash, 0n, "0x"]);
    });

    it("reports ChallengeWindow with finalizesAt, then Ready once final, then AlreadyRelayed", async function () {
      const { system, sent, proof, finalizesAt } = await loadFixture(pendingMessageFixture);
      const messenger = system.child.messenger;
      expect([...(await messenger.relayStatus(proof))]).to.deep.equal([
        BigInt(RelayStatus.ChallengeWindow),
        sent.id,
        finalizesAt,
        "0x",
      ]);

      await ethers.provider.send("evm_setNextBlockTimestamp", [Number(finalizesAt)]);
      await ethers.provider.send("evm_mine", []);
      expect([...(await messenger.relayStatus(proof))]).to.deep.equal([BigInt(RelayStatus.Ready), sent.id, finalizesAt, "0x"]);
      const [id, message] = await messenger.checkRelay(proof);
      expect(id).to.equal(sent.id);
      expect([...message]).to.deep.equal([
        sent.message.nonce,
        sent.message.sender,
        sent.message.target,
        sent.message.gasLimit,
        sent.message.data,
      ]);

      await messenger.relayMessage(proof);
      expect([...(await messenger.relayStatus(proof))]).to.deep.equal([
        BigInt(RelayStatus.AlreadyRelayed),
        sent.id,
        finalizesAt,
        "0x",
      ]);
    });

    it("reports FailedRetryable for a message whose call failed, and AlreadyRelayed once a retry succeeds", async function () {
      const { system, sent, proof, finalizesAt, receiver } = await loadFixture(pendingMessageFixture);
      const messenger = system.child.messenger;
      await receiver.setShouldRevert(true);
      await ethers.provider.send("evm_setNextBlockTimestamp", [Number(finalizesAt)]);
      await messenger.relayMessage(proof);
      expect([...(await messenger.relayStatus(proof))]).to.deep.equal([
        BigInt(RelayStatus.FailedRetryable),
        sent.id,
        finalizesAt,
        "0x",
      ]);
      await receiver.setShouldRevert(false);
      await messenger.retryMessage(sent.message);
      expect((await messenger.relayStatus(proof)).status).to.equal(RelayStatus.AlreadyRelayed);
    });

    it("reports Invalid with an encoded CheckpointManagerBlockNotInCheckpoint(id, blockNumber) for a block the checkpoint does not commit", async function () {
      const { system, proof, checkpointed, finalizesAt } = await loadFixture(pendingMessageFixture);
      const manager = ICheckpointManager__factory.createInterface();
      const expectedReason = manager.encodeErrorResult("CheckpointManagerBlockNotInCheckpoint", [
        checkpointed.id,
        proof.blockNumber,
      ]);
      for (const tampered of [
        { ...proof, blockHash: ethers.keccak256(proof.blockHash) },
        { ...proof, receiptsRoot: ethers.ZeroHash },
        { ...proof, blockProof: proof.blockProof.slice(1) },
      ]) {
        expect([...(await system.child.messenger.relayStatus(tampered))]).to.deep.equal([
          BigInt(RelayStatus.Invalid),
          ethers.ZeroHash,
          finalizesAt,
          expectedReason,
        ]);
      }
    });

    it("reports Invalid with the revert data of the failed check for a tampered receipt proof or log index", async function () {
      const { system, proof, finalizesAt } = await loadFixture(pendingMessageFixture);
      const messenger = system.child.messenger;
      expect(proof.receiptProof).to.have.length(1); // one transaction in the block: the root is the leaf
      const cases = [
        {
          proof: { ...proof, receiptProof: [xorByte(proof.receiptProof[0], 40, 0xff)] },
          reason: messenger.interface.encodeErrorResult("ReceiptProofInvalidTrieProof", [TrieProofError.INVALID_ROOT]),
        },
        {
          proof: { ...proof, receiptKey: "0x" },
          reason: messenger.interface.encodeErrorResult("ReceiptProofInvalidTrieProof", [TrieProofError.EMPTY_KEY]),
        },
        {
          proof: { ...proof, logIndex: 5n },
          reason: messenger.interface.encodeErrorResult("ReceiptProofLogIndexOutOfRange", [5n, 1n]),
        },
      ];
      for (const c of cases) {
        const [status, id, time, reason] = await messenger.relayStatus(c.proof);
        expect([status, id, time]).to.deep.equal([BigInt(RelayStatus.Invalid), ethers.ZeroHash, finalizesAt]);
        expect(reason).to.equal(c.reason);
        // The same data provenMessageId reverts with.
        let revertData: string | undefined;
        try {
          await messenger.provenMessageId(c.proof);
        } catch (error) {
          revertData = revertDataOf(error);
        }
        expect(revertData).to.equal(c.reason);
      }
    });

    it("reports Invalid, instead of reverting, when the RLP decoder reverts on a key that leaves the proven path", async function () {
      const { system, alice, receiver } = await loadFixture(messengerFixture);
      // Two transactions in one block: the trie root is a branch with empty slots.
      const responses: TransactionResponse[] = [];
      await mineInOneBlock(() =>
        [alice, system.users[1]].map((from) =>
          system.main.messenger
            .connect(from)
            .sendMessage(receiver.getAddress(), "0x", 100_000, { gasLimit: 200_000 })
            .then((tx) => responses.push(tx)),
        ),
      );
      const receipt = (await responses[0].wait())!;
      const sent: SentMessage = { receipt, message: sentMessagesOf(system.main.messenger, receipt)[0], id: ethers.ZeroHash };
      const { proofs } = await proveOnChild(system, [sent]);
      const messenger = system.child.messenger;
      const strayKey = { ...proofs[0], receiptKey: "0x20" };
      const rlpError = messenger.interface.encodeErrorResult("RLPInvalidEncoding", []);
      const [status, id, , reason] = await messenger.relayStatus(strayKey);
      expect([status, id, reason]).to.deep.equal([BigInt(RelayStatus.Invalid), ethers.ZeroHash, rlpError]);
      await expect(messenger.relayMessage(strayKey)).to.be.revertedWithCustomError(messenger, "RLPInvalidEncoding");
      expect((await messenger.relayStatus(proofs[0])).status).to.equal(RelayStatus.Ready);
    });

    it("reports Invalid with MessengerWrongEmitter or MessengerRemoteNotSet when the log cannot be a message here", async function () {
      const { system, proof, finalizesAt } = await loadFixture(pendingMessageFixture);
      const unwired = await ethers.deployContract("Messenger", [
        system.admin.address,
        system.admin.address,
        await system.child.checkpointManager.getAddress(),
      ]);
      expect([...(await unwired.relayStatus(proof))]).to.deep.equal([
        BigInt(RelayStatus.Invalid),
        ethers.ZeroHash,
        finalizesAt,
        unwired.interface.encodeErrorResult("MessengerRemoteNotSet", []),
      ]);
      await unwired.setRemoteMessenger(system.admin.address);
      const main = await system.main.messenger.getAddress();
      expect((await unwired.relayStatus(proof)).reason).to.equal(
        unwired.interface.encodeErrorResult("MessengerWrongEmitter", [main, system.admin.address]),
      );
    });

    it("reports Paused while the messenger is paused, as relayMessage reverts with EnforcedPause", async function () {
      const { system, proof, finalizesAt } = await loadFixture(pendingMessageFixture);
      const messenger = system.child.messenger;
      await ethers.provider.send("evm_setNextBlockTimestamp", [Number(finalizesAt)]);
      await messenger.connect(system.admin).pause();
      expect([...(await messenger.relayStatus(proof))]).to.deep.equal([BigInt(RelayStatus.Paused), ethers.ZeroHash, 0n, "0x"]);
      await expect(messenger.relayMessage(proof)).to.be.revertedWithCustomError(messenger, "EnforcedPause");
    });
  });
});
