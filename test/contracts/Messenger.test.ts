import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import { buildCheckpointTree, buildExitProof } from "../../relayer/src";
import type { Messenger } from "../../typechain-types";
import { fetchBlocks } from "../helpers/fixture";
import { MessageStatus, messageIdOf, messengerFixture, proveOnChild, receiptTrieOf, sendFrom } from "../helpers/proofs";

const HARDHAT_CHAIN_ID = 31337n;

describe("Messenger", function () {
  describe("deployment and wiring", function () {
    it("reads the remote chain id from its checkpoint manager and starts at nonce 0", async function () {
      const { system } = await loadFixture(messengerFixture);
      const messenger = system.child.messenger;
      expect(await messenger.remoteChainId()).to.equal(HARDHAT_CHAIN_ID);
      expect(await messenger.checkpointManager()).to.equal(await system.child.checkpointManager.getAddress());
      expect(await messenger.remoteMessenger()).to.equal(await system.main.messenger.getAddress());
      expect(await messenger.nextNonce()).to.equal(0);
      expect(await messenger.version()).to.equal("0.1.0");
    });

    it("refuses a zero admin or a zero checkpoint manager", async function () {
      const { system } = await loadFixture(messengerFixture);
      const factory = await ethers.getContractFactory("Messenger");
      const manager = await system.child.checkpointManager.getAddress();
      await expect(factory.deploy(ethers.ZeroAddress, system.admin.address, manager)).to.be.revertedWithCustomError(
        factory,
        "MessengerZeroAddress",
      );
      await expect(factory.deploy(system.admin.address, system.admin.address, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        factory,
        "MessengerZeroAddress",
      );
    });

    it("lets only the admin set the remote messenger, once, and never to zero", async function () {
      const { system, outsider } = await loadFixture(messengerFixture);
      const fresh = await ethers.deployContract("Messenger", [
        system.admin.address,
        system.admin.address,
        await system.child.checkpointManager.getAddress(),
      ]);
      const remote = await system.main.messenger.getAddress();
      await expect(fresh.connect(outsider).setRemoteMessenger(remote))
        .to.be.revertedWithCustomError(fresh, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, await fresh.DEFAULT_ADMIN_ROLE());
      await expect(fresh.setRemoteMessenger(ethers.ZeroAddress)).to.be.revertedWithCustomError(fresh, "MessengerZeroAddress");
      await expect(fresh.setRemoteMessenger(remote)).to.emit(fresh, "RemoteMessengerSet").withArgs(remote);
      await expect(fresh.setRemoteMessenger(outsider.address))
        .to.be.revertedWithCustomError(fresh, "MessengerRemoteAlreadySet")
        .withArgs(remote);
      expect(await fresh.remoteMessenger()).to.equal(remote);
    });
  });

  describe("sendMessage", function () {
    it("emits MessageSent with the nonce, sender, target, gas limit and data, and increments the nonce", async function () {
      const { system, alice, bob, receiver } = await loadFixture(messengerFixture);
      const messenger = system.main.messenger;
      const target = await receiver.getAddress();
      await expect(messenger.connect(alice).sendMessage(target, "0x1234", 100_000))
        .to.emit(messenger, "MessageSent")
        .withArgs(0, alice.address, target, 100_000, "0x1234");
      expect(await messenger.nextNonce()).to.equal(1);
      await expect(messenger.connect(bob).sendMessage(alice.address, "0x", 0))
        .to.emit(messenger, "MessageSent")
        .withArgs(1, bob.address, alice.address, 0, "0x");
      expect(await messenger.nextNonce()).to.equal(2);
    });

    it("returns the id that the other chain's incomingMessageId computes from both chain ids and the canonical fields", async function () {
      const { system, alice, bob } = await loadFixture(messengerFixture);
      const sent = await sendFrom(system.main.messenger, alice, bob.address, "0xabcdef", 123_456);
      expect(sent.message).to.deep.equal({
        nonce: 0n,
        sender: alice.address,
        target: bob.address,
        gasLimit: 123_456n,
        data: "0xabcdef",
      });
      expect(await system.child.messenger.incomingMessageId(sent.message)).to.equal(sent.id);
      expect(messageIdOf(HARDHAT_CHAIN_ID, HARDHAT_CHAIN_ID, sent.message)).to.equal(sent.id);

      // The relay on the other side executes it under that id.
      const { proofs } = await proveOnChild(system, [sent]);
      await expect(system.child.messenger.relayMessage(proofs[0]))
        .to.emit(system.child.messenger, "MessageRelayed")
        .withArgs(sent.id, 0, bob.address);
    });

    it("refuses the zero address and the remote messenger as targets", async function () {
      const { system, alice } = await loadFixture(messengerFixture);
      const messenger = system.main.messenger.connect(alice);
      const remote = await system.child.messenger.getAddress();
      for (const target of [ethers.ZeroAddress, remote]) {
        await expect(messenger.sendMessage(target, "0x", 100_000))
          .to.be.revertedWithCustomError(messenger, "MessengerForbiddenTarget")
          .withArgs(target);
      }
      expect(await messenger.nextNonce()).to.equal(0);
    });

    it("accepts a gas limit of MAX_GAS_LIMIT and refuses one more", async function () {
      const { system, alice, receiver } = await loadFixture(messengerFixture);
      const messenger = system.main.messenger.connect(alice);
      const max = await messenger.MAX_GAS_LIMIT();
      expect(max).to.equal(15_000_000);
      const target = await receiver.getAddress();
      await expect(messenger.sendMessage(target, "0x", max + 1n))
        .to.be.revertedWithCustomError(messenger, "MessengerGasLimitTooHigh")
        .withArgs(max + 1n, max);
      await expect(messenger.sendMessage(target, "0x", max)).to.emit(messenger, "MessageSent");
    });

    it("reverts with EnforcedPause while paused, and sends again once unpaused", async function () {
      const { system, alice, receiver } = await loadFixture(messengerFixture);
      const messenger = system.main.messenger;
      await messenger.connect(system.admin).pause();
      await expect(messenger.connect(alice).sendMessage(await receiver.getAddress(), "0x", 1)).to.be.revertedWithCustomError(
        messenger,
        "EnforcedPause",
      );
      await messenger.connect(system.admin).unpause();
      await expect(messenger.connect(alice).sendMessage(await receiver.getAddress(), "0x", 1))
        .to.emit(messenger, "MessageSent")
        .withArgs(0, alice.address, await receiver.getAddress(), 1, "0x");
    });

    it("refuses to send before the remote messenger is wired, so no message can target the future remote", async function () {
      const { system, alice } = await loadFixture(messengerFixture);
      const source = (await ethers.deployContract("Messenger", [
        system.admin.address,
        system.admin.address,
        await system.main.checkpointManager.getAddress(),
      ])) as unknown as Messenger;
      const future = ethers.Wallet.createRandom().address;
      await expect(source.connect(alice).sendMessage(future, "0xbad0", 200_000)).to.be.revertedWithCustomError(
        source,
        "MessengerRemoteNotSet",
      );
      await source.setRemoteMessenger(future);
      await expect(source.connect(alice).sendMessage(future, "0xbad0", 200_000))
        .to.be.revertedWithCustomError(source, "MessengerForbiddenTarget")
        .withArgs(future);
      await expect(source.connect(alice).sendMessage(alice.address, "0xbad0", 200_000)).to.emit(source, "MessageSent");
    });
  });

  describe("relayMessage", function () {
    it("calls the target with the data while xDomainMessageSender() returns the remote sender", async function () {
      const { system, alice, relayer, receiver } = await loadFixture(messengerFixture);
      const payload = "0xc0ffee";
      const call = receiver.interface.encodeFunctionData("receiveMessage", [payload]);
      const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), call, 200_000);
      const { proofs } = await proveOnChild(system, [sent]);

      const messenger = system.child.messenger;
      await expect(messenger.connect(relayer).relayMessage(proofs[0]))
        .to.emit(messenger, "MessageRelayed")
        .withArgs(sent.id, sent.message.nonce, await receiver.getAddress())
        .and.to.emit(receiver, "Received");
      expect(await receiver.calls()).to.equal(1);
      expect(await receiver.lastPayload()).to.equal(payload);
      // Recorded by the target from inside the call: the sender on the other chain, not the relayer.
      expect(await receiver.lastRemoteSender()).to.equal(alice.address);
      expect(await messenger.messageStatus(sent.message)).to.equal(MessageStatus.Relayed);
    });

    it("reverts xDomainMessageSender() with MessengerNoActiveMessage outside a message call, so a direct call to a target fails", async function () {
      const { system, alice, receiver } = await loadFixture(messengerFixture);
      const messenger = system.child.messenger;
      await expect(messenger.xDomainMessageSender()).to.be.revertedWithCustomError(messenger, "MessengerNoActiveMessage");
      await expect(receiver.connect(alice).receiveMessage("0x01")).to.be.revertedWithCustomError(
        messenger,
        "MessengerNoActiveMessage",
      );

      // Cleared again after a relay.
      const call = receiver.interface.encodeFunctionData("receiveMessage", ["0x01"]);
      const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), call, 200_000);
      const { proofs } = await proveOnChild(system, [sent]);
      await messenger.relayMessage(proofs[0]);
      await expect(messenger.xDomainMessageSender()).to.be.revertedWithCustomError(messenger, "MessengerNoActiveMessage");
    });

    it("counts a call to an address without code as relayed (the EVM call succeeds)", async function () {
      const { system, alice, bob } = await loadFixture(messengerFixture);
      const sent = await sendFrom(system.main.messenger, alice, bob.address, "0x1234", 50_000);
      const { proofs } = await proveOnChild(system, [sent]);
      await expect(system.child.messenger.relayMessage(proofs[0]))
        .to.emit(system.child.messenger, "MessageRelayed")
        .withArgs(sent.id, sent.message.nonce, bob.address);
    });
  });

  describe("exactly once", function () {
    it("refuses a replay with MessengerAlreadyRelayed(id) and calls the target once", async function () {
      const { system, alice, relayer, outsider, receiver } = await loadFixture(messengerFixture);
      const call = receiver.interface.encodeFunctionData("receiveMessage", ["0x01"]);
      const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), call, 200_000);
      const { proofs } = await proveOnChild(system, [sent]);
      const messenger = system.child.messenger;
      await messenger.connect(relayer).relayMessage(proofs[0]);
      for (const who of [relayer, outsider]) {
        await expect(messenger.connect(who).relayMessage(proofs[0]))
          .to.be.revertedWithCustomError(messenger, "MessengerAlreadyRelayed")
          .withArgs(sent.id);
      }
      await expect(messenger.checkRelay(proofs[0]))
        .to.be.revertedWithCustomError(messenger, "MessengerAlreadyRelayed")
        .withArgs(sent.id);
      expect(await receiver.calls()).to.equal(1);
    });

    it("executes a message once even when two final checkpoints commit its block (overlapping checkpoints of a mock manager)", async function () {
      const { system, alice, receiver } = await loadFixture(messengerFixture);
      // The real CheckpointManager keeps checkpoints contiguous and never reverts a final one, so one block
      // is never in two final checkpoints; a manager that allows it shows the id does not depend on the proof.
      const manager = await ethers.deployContract("MessengerCheckpointManagerMock", [HARDHAT_CHAIN_ID]);
      const messenger = await ethers.deployContract("Messenger", [
        system.admin.address,
        system.admin.address,
        await manager.getAddress(),
      ]);
      await messenger.setRemoteMessenger(await system.main.messenger.getAddress());

      const call = receiver.interface.encodeFunctionData("burn", [1]);
      const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), call, 200_000);
      const block = BigInt(sent.receipt.blockNumber);
      await mine(2);
      const first = buildCheckpointTree(await fetchBlocks(block - 3n, block));
      const second = buildCheckpointTree(await fetchBlocks(block, block + 2n));
      await manager.addCheckpoint(block - 3n, block, first.root, 0);
      await manager.addCheckpoint(block, block + 2n, second.root, 0);

      const { trie } = await receiptTrieOf(block);
      const receiptProof = await trie.proof(sent.receipt.index);
      const viaFirst = buildExitProof({ checkpointId: 0, checkpointTree: first, blockNumber: block, receiptProof, logIndex: 0 });
      const viaSecond = buildExitProof({
        checkpointId: 1,
        checkpointTree: second,
        blockNumber: block,
        receiptProof,
        logIndex: 0,
      });
      expect(viaFirst.blockProof).to.not.deep.equal(viaSecond.blockProof);

      await expect(messenger.relayMessage(viaFirst))
        .to.emit(messenger, "MessageRelayed")
        .withArgs(sent.id, 0, await receiver.getAddress());
      await expect(messenger.relayMessage(viaSecond))
        .to.be.revertedWithCustomError(messenger, "MessengerAlreadyRelayed")
        .withArgs(sent.id);
      expect(await receiver.calls()).to.equal(1);
    });

    it("reports a used nonce as Relayed even for fields that were never sent (replay protection is keyed by nonce)", async function () {
      const { system, alice, receiver } = await loadFixture(messengerFixture);
      const call = receiver.interface.encodeFunctionData("receiveMessage", ["0x01"]);
      const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), call, 200_000);
      const { proofs } = await proveOnChild(system, [sent]);
      const messenger = system.child.messenger;
      const forged = { ...sent.message, data: "0xdeadbeef" };
      expect(await messenger.messageStatus(forged)).to.equal(MessageStatus.None);
      await messenger.relayMessage(proofs[0]);
      // The remote messenger numbers its messages one by one, so no genuine message shares the nonce.
      expect(await messenger.messageStatus(forged)).to.equal(MessageStatus.Relayed);
      expect(await messenger.messageStatus({ ...sent.message, nonce: 1n })).to.equal(MessageStatus.None);
    });
  });

  describe("pause and unpause", function () {
    it("lets only a guardian pause and only the admin unpause", async function () {
      const { system, outsider, bob } = await loadFixture(messengerFixture);
      const messenger = system.child.messenger;
      const guardianRole = await messenger.GUARDIAN_ROLE();
      const adminRole = await messenger.DEFAULT_ADMIN_ROLE();
      await expect(messenger.connect(outsider).pause())
        .to.be.revertedWithCustomError(messenger, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, guardianRole);

      await messenger.connect(system.admin).grantRole(guardianRole, bob.address);
      await expect(messenger.connect(bob).pause()).to.emit(messenger, "Paused").withArgs(bob.address);
      expect(await messenger.paused()).to.equal(true);
      await expect(messenger.connect(bob).unpause())
        .to.be.revertedWithCustomError(messenger, "AccessControlUnauthorizedAccount")
        .withArgs(bob.address, adminRole);
      await expect(messenger.connect(system.admin).unpause()).to.emit(messenger, "Unpaused").withArgs(system.admin.address);
      expect(await messenger.paused()).to.equal(false);
      await expect(messenger.connect(system.admin).unpause()).to.be.revertedWithCustomError(messenger, "ExpectedPause");
    });

    it("blocks relayMessage and retryMessage while paused; a failed message stays retryable after unpausing", async function () {
      const { system, alice, receiver } = await loadFixture(messengerFixture);
      const messenger = system.child.messenger;
      await receiver.setShouldRevert(true);
      const call = receiver.interface.encodeFunctionData("receiveMessage", ["0x01"]);
      const failing = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), call, 200_000);
      const waiting = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), call, 200_000);
      const { proofs } = await proveOnChild(system, [failing, waiting]);
      await messenger.relayMessage(proofs[0]);
      await receiver.setShouldRevert(false);

      await messenger.connect(system.admin).pause();
      await expect(messenger.relayMessage(proofs[1])).to.be.revertedWithCustomError(messenger, "EnforcedPause");
      await expect(messenger.retryMessage(failing.message)).to.be.revertedWithCustomError(messenger, "EnforcedPause");
      expect(await messenger.messageStatus(failing.message)).to.equal(MessageStatus.Failed);
      expect(await messenger.messageStatus(waiting.message)).to.equal(MessageStatus.None);

      await messenger.connect(system.admin).unpause();
      await expect(messenger.retryMessage(failing.message))
        .to.emit(messenger, "MessageRelayed")
        .withArgs(failing.id, 0, await receiver.getAddress());
      await expect(messenger.relayMessage(proofs[1]))
        .to.emit(messenger, "MessageRelayed")
        .withArgs(waiting.id, 1, await receiver.getAddress());
      expect(await receiver.calls()).to.equal(2);
    });
  });
});
