import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { MessageStatus, messengerFixture, proveOnChild, relayOutcome, sendFrom } from "../helpers/proofs";

/** Iterations of MessageReceiver.burn: about 22,000 gas each (a fresh storage slot), ~0.9M in all. */
const BURN_ITERATIONS = 40;
const BURN_GAS_LIMIT = 1_000_000n;

/** A final, proven message whose call needs most of its 1,000,000 gas limit. */
async function burnFixture() {
  const ctx = await messengerFixture();
  const { system, alice, receiver } = ctx;
  const call = receiver.interface.encodeFunctionData("burn", [BURN_ITERATIONS]);
  const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), call, BURN_GAS_LIMIT);
  const { proofs } = await proveOnChild(system, [sent]);
  const reserve = await system.child.messenger.RELAY_GAS_RESERVE();
  const required = BURN_GAS_LIMIT + BURN_GAS_LIMIT / 63n + reserve;
  return { ...ctx, sent, proof: proofs[0], required };
}

describe("Messenger", function () {
  describe("gas griefing", function () {
    it("gives the call a gas limit it needs most of: burn(40) costs over 85% of 1,000,000", async function () {
      const { receiver } = await loadFixture(burnFixture);
      const intrinsic = 21_000n + 16n * 36n;
      expect((await receiver.burn.estimateGas(BURN_ITERATIONS)) - intrinsic).to.be.within(850_000n, BURN_GAS_LIMIT);
    });

    it("reverts with MessengerInsufficientGas(id, gasLeft, required) and changes nothing when the relay transaction is short of gas", async function () {
      const { system, sent, proof, required, receiver, relayer } = await loadFixture(burnFixture);
      const messenger = system.child.messenger;
      for (const gasLimit of [1_000_000n, required]) {
        await expect(messenger.connect(relayer).relayMessage(proof, { gasLimit }))
          .to.be.revertedWithCustomError(messenger, "MessengerInsufficientGas")
          .withArgs(sent.id, (gasLeft: bigint) => gasLeft < required, required);
      }
      expect(await messenger.messageStatus(sent.message)).to.equal(MessageStatus.None);
      expect(await receiver.calls()).to.equal(0);
      // The relay goes through with enough gas.
      await expect(messenger.connect(relayer).relayMessage(proof, { gasLimit: 3_000_000 })).to.emit(messenger, "MessageRelayed");
      expect(await receiver.calls()).to.equal(1);
    });

    it("never records a message Failed for lack of relay gas, whatever transaction gas limit the relayer picks around the threshold", async function () {
      const { system, proof, relayer } = await loadFixture(burnFixture);
      const messenger = system.child.messenger;
      // The least transaction gas limit with which the relay does not revert (real transactions, bisected).
      let low = 1_000_000n;
      let high = 3_000_000n;
      while (high - low > 1n) {
        const middle = (low + high) / 2n;
        await loadFixture(burnFixture);
        if ((await relayOutcome(messenger, relayer, proof, middle)).reverted) low = middle;
        else high = middle;
      }
      const threshold = high;

      const gasLimits = [threshold - 1n, threshold, threshold + 1n];
      for (let delta = -60_000n; delta <= 120_000n; delta += 7_919n) gasLimits.push(threshold + delta);
      for (const gasLimit of gasLimits) {
        const { sent, receiver } = await loadFixture(burnFixture);
        const outcome = await relayOutcome(messenger, relayer, proof, gasLimit);
        const status = await messenger.messageStatus(sent.message);
        if (outcome.reverted) {
          expect(gasLimit, `reverted at ${gasLimit}`).to.be.lessThan(threshold);
          // Either the messenger's own check, or out of gas before it: both leave the message untouched.
          expect(["MessengerInsufficientGas", "(empty)"], `at ${gasLimit}`).to.include(outcome.error);
          expect(status, `at ${gasLimit}`).to.equal(MessageStatus.None);
          expect(await receiver.calls()).to.equal(0);
        } else {
          expect(gasLimit, `went through at ${gasLimit}`).to.be.greaterThanOrEqual(threshold);
          expect(status, `Failed at ${gasLimit}`).to.equal(MessageStatus.Relayed);
          expect(await receiver.calls()).to.equal(1);
        }
      }
      // Just below the threshold it is the messenger's check that stops the relay, not an out-of-gas.
      await loadFixture(burnFixture);
      expect(await relayOutcome(messenger, relayer, proof, threshold - 1n)).to.deep.equal({
        reverted: true,
        error: "MessengerInsufficientGas",
      });
    });

    it("marks Failed a message whose call needs more than a bare relay gives it, and relays it on a retry with more gas: the limit is a floor (M-2)", async function () {
      const { system, alice, receiver, relayer } = await loadFixture(messengerFixture);
      const call = receiver.interface.encodeFunctionData("burn", [BURN_ITERATIONS]);
      const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), call, 100_000);
      const { proofs } = await proveOnChild(system, [sent]);
      const messenger = system.child.messenger;
      // The least gas the relay succeeds with gives the call about its 100,000: too little.
      const least = await messenger.connect(relayer).relayMessage.estimateGas(proofs[0]);
      await expect(messenger.connect(relayer).relayMessage(proofs[0], { gasLimit: least }))
        .to.emit(messenger, "MessageFailed")
        .withArgs(sent.id, sent.message.nonce, await receiver.getAddress(), "0x");
      expect(await messenger.messageStatus(sent.message)).to.equal(MessageStatus.Failed);
      // A retry forwards all the gas it has beyond the reserve, not just the message's 100,000.
      await expect(messenger.retryMessage(sent.message, { gasLimit: 5_000_000 })).to.emit(messenger, "MessageRelayed");
      expect(await receiver.calls()).to.equal(1);
      expect(await messenger.messageStatus(sent.message)).to.equal(MessageStatus.Relayed);
    });

    it("forwards a first relay's spare gas too: a message whose call needs more than its limit can succeed at once", async function () {
      const { system, alice, receiver, relayer } = await loadFixture(messengerFixture);
      const call = receiver.interface.encodeFunctionData("burn", [BURN_ITERATIONS]);
      const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), call, 100_000);
      const { proofs } = await proveOnChild(system, [sent]);
      await expect(system.child.messenger.connect(relayer).relayMessage(proofs[0], { gasLimit: 5_000_000 })).to.emit(
        system.child.messenger,
        "MessageRelayed",
      );
      expect(await receiver.calls()).to.equal(1);
    });

    it("protects retryMessage the same way: MessengerInsufficientGas, and the message stays Failed", async function () {
      const { system, alice, receiver, relayer } = await loadFixture(messengerFixture);
      await receiver.setShouldRevert(true);
      const call = receiver.interface.encodeFunctionData("receiveMessage", ["0x01"]);
      const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), call, BURN_GAS_LIMIT);
      const { proofs } = await proveOnChild(system, [sent]);
      const messenger = system.child.messenger;
      await messenger.connect(relayer).relayMessage(proofs[0], { gasLimit: 3_000_000 });
      await receiver.setShouldRevert(false);

      const required = BURN_GAS_LIMIT + BURN_GAS_LIMIT / 63n + (await messenger.RELAY_GAS_RESERVE());
      await expect(messenger.connect(relayer).retryMessage(sent.message, { gasLimit: 600_000 }))
        .to.be.revertedWithCustomError(messenger, "MessengerInsufficientGas")
        .withArgs(sent.id, (gasLeft: bigint) => gasLeft < required, required);
      expect(await messenger.messageStatus(sent.message)).to.equal(MessageStatus.Failed);
      await expect(messenger.connect(relayer).retryMessage(sent.message, { gasLimit: 3_000_000 })).to.emit(
        messenger,
        "MessageRelayed",
      );
    });
  });

  describe("return bomb", function () {
    it("relays a message whose target returns 1 MB without copying it", async function () {
      const { system, alice, receiver, relayer } = await loadFixture(messengerFixture);
      const call = receiver.interface.encodeFunctionData("returnBomb");
      // The target itself pays ~2.0M gas to expand its memory to 1 MB; copying it back would cost the relay as much again.
      const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), call, 3_000_000);
      const { proofs } = await proveOnChild(system, [sent]);
      const messenger = system.child.messenger;
      const tx = await messenger.connect(relayer).relayMessage(proofs[0], { gasLimit: 8_000_000 });
      await expect(tx)
        .to.emit(messenger, "MessageRelayed")
        .withArgs(sent.id, sent.message.nonce, await receiver.getAddress());
      const receipt = await tx.wait();
      expect(receipt!.gasUsed).to.be.within(2_000_000n, 2_600_000n);
      expect(await messenger.messageStatus(sent.message)).to.equal(MessageStatus.Relayed);
    });

    it("fails the message, not the relay, when the return bomb runs out of its own gas", async function () {
      const { system, alice, receiver, relayer } = await loadFixture(messengerFixture);
      const call = receiver.interface.encodeFunctionData("returnBomb");
      const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), call, 500_000);
      const { proofs } = await proveOnChild(system, [sent]);
      const messenger = system.child.messenger;
      // With the least gas the relay accepts, the call gets about its 500,000, not the 2M the bomb needs.
      const least = await messenger.connect(relayer).relayMessage.estimateGas(proofs[0]);
      await expect(messenger.connect(relayer).relayMessage(proofs[0], { gasLimit: least }))
        .to.emit(messenger, "MessageFailed")
        .withArgs(sent.id, sent.message.nonce, await receiver.getAddress(), "0x");
    });

    it("fails the message with the first MAX_REASON_BYTES of a 1 MB revert, for about the gas of a short one", async function () {
      const { system, alice, receiver, relayer } = await loadFixture(messengerFixture);
      const messenger = system.child.messenger;
      const cap = await messenger.MAX_REASON_BYTES();
      expect(cap).to.equal(256n);
      const bomb = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), receiver.interface.encodeFunctionData("revertBomb"), 3_000_000);
      const short = await sendFrom(
        system.main.messenger,
        alice,
        await receiver.getAddress(),
        receiver.interface.encodeFunctionData("revertWith", [ethers.hexlify(new Uint8Array(Number(cap)).fill(0xab))]),
        3_000_000,
      );
      const { proofs } = await proveOnChild(system, [bomb, short]);
      // The target's memory expansion to 1 MB (all zero) is paid from the message's own 3M gas.
      const bombRelay = await messenger.connect(relayer).relayMessage(proofs[0], { gasLimit: 8_000_000 });
      await expect(bombRelay)
        .to.emit(messenger, "MessageFailed")
        .withArgs(bomb.id, bomb.message.nonce, await receiver.getAddress(), ethers.hexlify(new Uint8Array(Number(cap))));
      const shortRelay = await messenger.connect(relayer).relayMessage(proofs[1], { gasLimit: 8_000_000 });
      await expect(shortRelay)
        .to.emit(messenger, "MessageFailed")
        .withArgs(short.id, short.message.nonce, await receiver.getAddress(), ethers.hexlify(new Uint8Array(Number(cap)).fill(0xab)));
      // What the messenger itself spends on the bomb's revert data is what it spends on 256 bytes:
      // the difference is the target's own memory expansion (~2.0M gas), not copying.
      const bombGas = (await bombRelay.wait())!.gasUsed;
      const shortGas = (await shortRelay.wait())!.gasUsed;
      expect(bombGas - shortGas).to.be.within(1_900_000n, 2_300_000n);
      expect(await messenger.messageStatus(bomb.message)).to.equal(MessageStatus.Failed);
    });
  });

  describe("revert reason cap", function () {
    for (const length of [0, 1, 4, 255, 256, 257, 1_000]) {
      it(`carries ${length} bytes of revert data as ${Math.min(length, 256)} bytes in MessageFailed`, async function () {
        const { system, alice, receiver, relayer } = await loadFixture(messengerFixture);
        const messenger = system.child.messenger;
        const data = ethers.hexlify(Uint8Array.from({ length }, (_, i) => (i * 7 + 1) % 256));
        const sent = await sendFrom(
          system.main.messenger,
          alice,
          await receiver.getAddress(),
          receiver.interface.encodeFunctionData("revertWith", [data]),
          200_000,
        );
        const { proofs } = await proveOnChild(system, [sent]);
        await expect(messenger.connect(relayer).relayMessage(proofs[0]))
          .to.emit(messenger, "MessageFailed")
          .withArgs(sent.id, sent.message.nonce, await receiver.getAddress(), ethers.dataSlice(data, 0, Math.min(length, 256)));
        expect(await messenger.messageStatus(sent.message)).to.equal(MessageStatus.Failed);
      });
    }

    it("carries the reason of a retry that fails again", async function () {
      const { system, alice, receiver } = await loadFixture(messengerFixture);
      const messenger = system.child.messenger;
      const reason = receiver.interface.encodeErrorResult("MessageReceiverRefused");
      await receiver.setShouldRevert(true);
      const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), receiver.interface.encodeFunctionData("receiveMessage", ["0x"]), 200_000);
      const { proofs } = await proveOnChild(system, [sent]);
      await messenger.relayMessage(proofs[0]);
      await expect(messenger.retryMessage(sent.message))
        .to.emit(messenger, "MessageFailed")
        .withArgs(sent.id, sent.message.nonce, await receiver.getAddress(), reason);
    });
  });

  describe("reentrancy", function () {
    async function reentrantFixture() {
      const ctx = await messengerFixture();
      const { system, alice, reentrant, receiver } = ctx;
      const toReentrant = reentrant.interface.encodeFunctionData("receiveMessage", ["0x"]);
      const outer = await sendFrom(system.main.messenger, alice, await reentrant.getAddress(), toReentrant, 1_000_000);
      const other = await sendFrom(
        system.main.messenger,
        alice,
        await receiver.getAddress(),
        receiver.interface.encodeFunctionData("receiveMessage", ["0x02"]),
        200_000,
      );
      const { proofs } = await proveOnChild(system, [outer, other]);
      const guardError = system.child.messenger.interface.encodeErrorResult("ReentrancyGuardReentrantCall", []);
      return { ...ctx, outer, other, outerProof: proofs[0], otherProof: proofs[1], guardError };
    }

    it("stops a target that relays its own message again during the call; the message runs once", async function () {
      const { system, reentrant, outer, outerProof, guardError } = await loadFixture(reentrantFixture);
      const messenger = system.child.messenger;
      await reentrant.setReentryCall(messenger.interface.encodeFunctionData("relayMessage", [outerProof]));
      const receipt = await (await messenger.relayMessage(outerProof)).wait();
      const relayed = receipt!.logs.filter((log) => messenger.interface.parseLog(log)?.name === "MessageRelayed");
      expect(relayed).to.have.length(1);
      expect(await reentrant.reentrySucceeded()).to.equal(false);
      expect(await reentrant.reentryError()).to.equal(guardError);
      expect(await messenger.messageStatus(outer.message)).to.equal(MessageStatus.Relayed);
      await expect(messenger.relayMessage(outerProof)).to.be.revertedWithCustomError(messenger, "MessengerAlreadyRelayed");
    });

    it("stops a target that relays another message during the call; that message stays relayable", async function () {
      const { system, reentrant, receiver, other, otherProof, outerProof, guardError } = await loadFixture(reentrantFixture);
      const messenger = system.child.messenger;
      await reentrant.setReentryCall(messenger.interface.encodeFunctionData("relayMessage", [otherProof]));
      await expect(messenger.relayMessage(outerProof)).to.emit(messenger, "MessageRelayed");
      expect(await reentrant.reentryError()).to.equal(guardError);
      expect(await messenger.messageStatus(other.message)).to.equal(MessageStatus.None);
      expect(await receiver.calls()).to.equal(0);
      await expect(messenger.relayMessage(otherProof))
        .to.emit(messenger, "MessageRelayed")
        .withArgs(other.id, other.message.nonce, await receiver.getAddress());
    });

    it("stops a target that retries a failed message during the call; the failed message stays Failed", async function () {
      const { system, reentrant, receiver, other, otherProof, outerProof, guardError } = await loadFixture(reentrantFixture);
      const messenger = system.child.messenger;
      await receiver.setShouldRevert(true);
      await messenger.relayMessage(otherProof);
      await receiver.setShouldRevert(false);
      await reentrant.setReentryCall(messenger.interface.encodeFunctionData("retryMessage", [other.message]));
      await expect(messenger.relayMessage(outerProof)).to.emit(messenger, "MessageRelayed");
      expect(await reentrant.reentrySucceeded()).to.equal(false);
      expect(await reentrant.reentryError()).to.equal(guardError);
      expect(await messenger.messageStatus(other.message)).to.equal(MessageStatus.Failed);
      await expect(messenger.retryMessage(other.message)).to.emit(messenger, "MessageRelayed");
    });

    it("lets a target call the view xDomainMessageSender() on the messenger during the call", async function () {
      const { system, alice, reentrant, outerProof } = await loadFixture(reentrantFixture);
      const messenger = system.child.messenger;
      await reentrant.setReentryCall(messenger.interface.encodeFunctionData("xDomainMessageSender"));
      await messenger.relayMessage(outerProof);
      expect(await reentrant.reentrySucceeded()).to.equal(true);
      expect(await reentrant.reentryError()).to.equal(ethers.zeroPadValue(alice.address.toLowerCase(), 32));
    });

    it("lets a target send a reply to the other chain during the call (sendMessage is not guarded)", async function () {
      const { system, alice, reentrant, outerProof } = await loadFixture(reentrantFixture);
      const messenger = system.child.messenger;
      await reentrant.setReentryCall(messenger.interface.encodeFunctionData("sendMessage", [alice.address, "0x5eed", 50_000]));
      await expect(messenger.relayMessage(outerProof))
        .to.emit(messenger, "MessageSent")
        .withArgs(0, await reentrant.getAddress(), alice.address, 50_000, "0x5eed");
      expect(await reentrant.reentrySucceeded()).to.equal(true);
    });
  });
});
