import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { MessageStatus, messengerFixture, proveOnChild, relayOutcome, sendFrom } from "../helpers/proofs";

describe("Messenger", function () {
  describe("failed calls and retryMessage", function () {
    async function failedMessageFixture() {
      const ctx = await messengerFixture();
      const { system, alice, receiver } = ctx;
      await receiver.setShouldRevert(true);
      const call = receiver.interface.encodeFunctionData("receiveMessage", ["0xfa11"]);
      const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), call, 200_000);
      const { proofs } = await proveOnChild(system, [sent]);
      return { ...ctx, sent, proof: proofs[0] };
    }

    it("records a reverting call as Failed and emits MessageFailed, without reverting the relay", async function () {
      const { system, sent, proof, receiver, relayer } = await loadFixture(failedMessageFixture);
      const messenger = system.child.messenger;
      expect(await relayOutcome(messenger, relayer, proof)).to.deep.equal({ reverted: false, ids: [sent.id] });
      await expect(messenger.connect(relayer).relayMessage(proof)).to.be.revertedWithCustomError(
        messenger,
        "MessengerMessageFailed",
      );
      expect(await messenger.messageStatus(sent.message)).to.equal(MessageStatus.Failed);
      expect(await receiver.calls()).to.equal(0);
    });

    it("emits MessageFailed(id, nonce, target, reason) with the target's revert data", async function () {
      const { system, sent, proof, receiver } = await loadFixture(failedMessageFixture);
      await expect(system.child.messenger.relayMessage(proof))
        .to.emit(system.child.messenger, "MessageFailed")
        .withArgs(sent.id, sent.message.nonce, await receiver.getAddress(), receiver.interface.encodeErrorResult("MessageReceiverRefused"))
        .and.not.to.emit(system.child.messenger, "MessageRelayed");
    });

    it("refuses to relay a failed message again (MessengerMessageFailed) and lets anyone retry it once the target is fixed", async function () {
      const { system, sent, proof, receiver, outsider, alice } = await loadFixture(failedMessageFixture);
      const messenger = system.child.messenger;
      await messenger.relayMessage(proof);
      await expect(messenger.relayMessage(proof))
        .to.be.revertedWithCustomError(messenger, "MessengerMessageFailed")
        .withArgs(sent.id);

      await receiver.setShouldRevert(false);
      await expect(messenger.connect(outsider).retryMessage(sent.message))
        .to.emit(messenger, "MessageRelayed")
        .withArgs(sent.id, sent.message.nonce, await receiver.getAddress());
      expect(await receiver.calls()).to.equal(1);
      expect(await receiver.lastRemoteSender()).to.equal(alice.address);
      expect(await messenger.messageStatus(sent.message)).to.equal(MessageStatus.Relayed);

      // Relayed now: neither a retry nor a relay runs it again.
      await expect(messenger.retryMessage(sent.message))
        .to.be.revertedWithCustomError(messenger, "MessengerNotFailed")
        .withArgs(sent.id);
      await expect(messenger.relayMessage(proof))
        .to.be.revertedWithCustomError(messenger, "MessengerAlreadyRelayed")
        .withArgs(sent.id);
      expect(await receiver.calls()).to.equal(1);
    });

    it("keeps a message Failed and retryable when its retry fails again", async function () {
      const { system, sent, proof, receiver } = await loadFixture(failedMessageFixture);
      const messenger = system.child.messenger;
      await messenger.relayMessage(proof);
      await expect(messenger.retryMessage(sent.message))
        .to.emit(messenger, "MessageFailed")
        .withArgs(sent.id, sent.message.nonce, await receiver.getAddress(), receiver.interface.encodeErrorResult("MessageReceiverRefused"));
      expect(await messenger.messageStatus(sent.message)).to.equal(MessageStatus.Failed);
      await receiver.setShouldRevert(false);
      await expect(messenger.retryMessage(sent.message)).to.emit(messenger, "MessageRelayed");
    });

    it("refuses to retry a message that was never relayed, or with altered fields (MessengerNotFailed)", async function () {
      const { system, sent, proof } = await loadFixture(failedMessageFixture);
      const messenger = system.child.messenger;
      await expect(messenger.retryMessage(sent.message))
        .to.be.revertedWithCustomError(messenger, "MessengerNotFailed")
        .withArgs(sent.id);
      await messenger.relayMessage(proof);
      for (const altered of [
        { ...sent.message, data: "0x" },
        { ...sent.message, gasLimit: sent.message.gasLimit + 1n },
        { ...sent.message, sender: system.admin.address },
      ]) {
        const id = await messenger.incomingMessageId(altered);
        await expect(messenger.retryMessage(altered)).to.be.revertedWithCustomError(messenger, "MessengerNotFailed").withArgs(id);
      }
    });
  });
});
