import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { proveLog, type ExitProof } from "../../relayer/src";
import type { Messenger } from "../../typechain-types";
import {
  CHALLENGE_PERIOD,
  CHALLENGER_REWARD_BPS,
  MIN_BOND,
  VALIDATOR_CHANGE_DELAY,
  checkpoint,
  mineInOneBlock,
  passChallengePeriod,
  proveMessage,
  type ChainSide,
} from "../helpers/fixture";
import { MessageStatus, messageIdOf, messengerFixture, proveOnChild, receiptTrieOf, sendFrom } from "../helpers/proofs";

const HARDHAT_CHAIN_ID = 31337n;
const OTHER_CHAIN_ID = 424_242n;

describe("Messenger", function () {
  describe("which logs relay", function () {
    it("rejects a MessageSent log emitted by another contract with MessengerWrongEmitter(emitter, expected)", async function () {
      const { system, alice, receiver } = await loadFixture(messengerFixture);
      // Same contract, same event, another address: a messenger nobody wired to this chain.
      const rogue = (await ethers.deployContract("Messenger", [
        alice.address,
        alice.address,
        await system.main.checkpointManager.getAddress(),
      ])) as unknown as Messenger;
      await rogue.connect(alice).setRemoteMessenger(await system.child.messenger.getAddress());
      const call = receiver.interface.encodeFunctionData("receiveMessage", ["0x01"]);
      const sent = await sendFrom(rogue, alice, await receiver.getAddress(), call, 200_000);
      const checkpointed = await checkpoint(system, system.child, BigInt(sent.receipt.blockNumber));
      await passChallengePeriod();
      const proof = await proveLog(ethers.provider, {
        txHash: sent.receipt.hash,
        logIndex: sent.receipt.logs[0].index,
        checkpoint: checkpointed,
      });

      const messenger = system.child.messenger;
      await expect(messenger.relayMessage(proof))
        .to.be.revertedWithCustomError(messenger, "MessengerWrongEmitter")
        .withArgs(await rogue.getAddress(), await system.main.messenger.getAddress());
      expect(await receiver.calls()).to.equal(0);
    });

    it("rejects a log of the remote messenger that is not a MessageSent with MessengerNotAMessage(topic0, topicCount)", async function () {
      const { system } = await loadFixture(messengerFixture);
      const remote = system.main.messenger;
      // Logs the remote messenger emitted while it was deployed and wired: RoleGranted has four topics,
      // as many as MessageSent, so the topic count alone would not tell them apart.
      const [wired] = await remote.queryFilter(remote.filters.RemoteMessengerSet());
      const [granted] = await remote.queryFilter(remote.filters.RoleGranted());
      const checkpointed = await checkpoint(system, system.child);
      await passChallengePeriod();

      for (const [log, topicCount] of [
        [wired, 1],
        [granted, 4],
      ] as const) {
        const proof = await proveLog(ethers.provider, {
          txHash: log.transactionHash,
          logIndex: log.index,
          checkpoint: checkpointed,
        });
        await expect(system.child.messenger.relayMessage(proof))
          .to.be.revertedWithCustomError(system.child.messenger, "MessengerNotAMessage")
          .withArgs(log.topics[0], topicCount);
      }
    });

    it("rejects the receipt of a reverted transaction with ReceiptProofReceiptNotSuccessful", async function () {
      const { system, alice, receiver } = await loadFixture(messengerFixture);
      // A send that reverts (forbidden target) is still mined, with status 0 and no logs.
      let hash = "";
      await mineInOneBlock(() => [
        system.main.messenger
          .connect(alice)
          .sendMessage(ethers.ZeroAddress, "0x", 0, { gasLimit: 100_000 })
          .then((tx) => {
            hash = tx.hash;
          }),
      ]);
      const failed = (await ethers.provider.getTransactionReceipt(hash))!;
      expect(failed.status).to.equal(0);
      const checkpointed = await checkpoint(system, system.child, BigInt(failed.blockNumber));
      await passChallengePeriod();
      const { block, trie } = await receiptTrieOf(failed.blockNumber);
      const receiptProof = await trie.proof(failed.index);
      // Assembled by hand: the relayer's buildExitProof refuses a receipt without logs.
      const proof: ExitProof = {
        checkpointId: checkpointed.id,
        blockNumber: BigInt(failed.blockNumber),
        blockHash: failed.blockHash,
        receiptsRoot: block.receiptsRoot,
        blockProof: checkpointed.tree.proofFor(failed.blockNumber),
        receiptKey: receiptProof.key,
        receiptProof: receiptProof.proof,
        logIndex: 0n,
      };
      await expect(system.child.messenger.relayMessage(proof)).to.be.revertedWithCustomError(
        system.child.messenger,
        "ReceiptProofReceiptNotSuccessful",
      );
      expect(await receiver.calls()).to.equal(0);
    });

    it("reverts with MessengerRemoteNotSet on a messenger whose remote messenger is not wired yet", async function () {
      const { system, alice, bob } = await loadFixture(messengerFixture);
      const unwired = await ethers.deployContract("Messenger", [
        system.admin.address,
        system.admin.address,
        await system.child.checkpointManager.getAddress(),
      ]);
      const sent = await sendFrom(system.main.messenger, alice, bob.address, "0x", 100_000);
      const { proofs } = await proveOnChild(system, [sent]);
      await expect(unwired.relayMessage(proofs[0])).to.be.revertedWithCustomError(unwired, "MessengerRemoteNotSet");
      // Once wired, the same proof relays.
      await unwired.setRemoteMessenger(await system.main.messenger.getAddress());
      await expect(unwired.relayMessage(proofs[0])).to.emit(unwired, "MessageRelayed").withArgs(sent.id, 0, bob.address);
    });
  });

  describe("checkpoint finality", function () {
    it("reverts with CheckpointManagerNotFinal(id, finalizesAt) until the challenge period has passed, then relays", async function () {
      const { system, alice, receiver, relayer } = await loadFixture(messengerFixture);
      const call = receiver.interface.encodeFunctionData("receiveMessage", ["0x01"]);
      const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), call, 200_000);
      const { checkpointed, proofs } = await proveOnChild(system, [sent], false);
      const [, finalizesAt] = await system.child.checkpointManager.checkpointStatus(checkpointed.id);
      expect(finalizesAt).to.equal(BigInt(await time.latest()) + CHALLENGE_PERIOD);

      const messenger = system.child.messenger.connect(relayer);
      // Gas limits are explicit so that each transaction is mined at the timestamp set for it.
      await expect(messenger.relayMessage(proofs[0], { gasLimit: 3_000_000 }))
        .to.be.revertedWithCustomError(system.child.checkpointManager, "CheckpointManagerNotFinal")
        .withArgs(checkpointed.id, finalizesAt);
      await time.setNextBlockTimestamp(finalizesAt - 1n);
      await expect(messenger.relayMessage(proofs[0], { gasLimit: 3_000_000 }))
        .to.be.revertedWithCustomError(system.child.checkpointManager, "CheckpointManagerNotFinal")
        .withArgs(checkpointed.id, finalizesAt);
      expect(await receiver.calls()).to.equal(0);

      await time.setNextBlockTimestamp(finalizesAt);
      await expect(messenger.relayMessage(proofs[0], { gasLimit: 3_000_000 }))
        .to.emit(messenger, "MessageRelayed")
        .withArgs(sent.id, sent.message.nonce, await receiver.getAddress());
    });

    it("reverts with CheckpointManagerUnknownCheckpoint(id, count) for a checkpoint id never submitted", async function () {
      const { system, alice, receiver } = await loadFixture(messengerFixture);
      const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), "0x", 100_000);
      const { proofs } = await proveOnChild(system, [sent]);
      for (const checkpointId of [1n, 2n ** 200n]) {
        await expect(system.child.messenger.relayMessage({ ...proofs[0], checkpointId }))
          .to.be.revertedWithCustomError(system.child.checkpointManager, "CheckpointManagerUnknownCheckpoint")
          .withArgs(checkpointId, 1);
      }
    });

    it("reverts with CheckpointManagerBlockNotInCheckpoint(id, blockNumber) through a final checkpoint that does not commit the block", async function () {
      const { system, alice, receiver } = await loadFixture(messengerFixture);
      const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), "0x", 100_000);
      const { proofs } = await proveOnChild(system, [sent]);
      const later = await checkpoint(system, system.child);
      await passChallengePeriod();
      await expect(system.child.messenger.relayMessage({ ...proofs[0], checkpointId: later.id }))
        .to.be.revertedWithCustomError(system.child.checkpointManager, "CheckpointManagerBlockNotInCheckpoint")
        .withArgs(later.id, proofs[0].blockNumber);
    });
  });

  describe("chain ids and emitters", function () {
    /** A messenger wired to the main chain's messenger, whose checkpoint manager claims another source chain id. */
    async function foreignSideFixture() {
      const ctx = await messengerFixture();
      const { system } = ctx;
      const admin = system.admin.address;
      const validatorSet = await ethers.deployContract("ValidatorSet", [
        admin,
        admin,
        system.validators.map((v) => v.address),
        system.validators.map(() => 1n),
        BigInt(Math.floor((system.validators.length * 2) / 3) + 1),
        VALIDATOR_CHANGE_DELAY,
      ]);
      const firstBlock = BigInt(await ethers.provider.getBlockNumber()) + 2n;
      const checkpointManager = await ethers.deployContract("CheckpointManager", [
        admin,
        admin,
        OTHER_CHAIN_ID,
        await validatorSet.getAddress(),
        firstBlock,
        CHALLENGE_PERIOD,
        MIN_BOND,
        CHALLENGER_REWARD_BPS,
      ]);
      const messenger = await ethers.deployContract("Messenger", [admin, admin, await checkpointManager.getAddress()]);
      await messenger.setRemoteMessenger(await system.main.messenger.getAddress());
      await checkpointManager.connect(system.proposer).depositBond({ value: MIN_BOND });
      const foreign = { validatorSet, checkpointManager, messenger } as unknown as ChainSide;
      return { ...ctx, foreign };
    }

    it("computes another id on a messenger whose checkpoint manager tracks another source chain, so ids never collide across chains", async function () {
      const { system, alice, receiver, foreign } = await loadFixture(foreignSideFixture);
      expect(await foreign.messenger.remoteChainId()).to.equal(OTHER_CHAIN_ID);
      const call = receiver.interface.encodeFunctionData("burn", [1]);
      const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), call, 200_000);

      // The intended destination executes it under the id the sender got.
      const { proofs } = await proveOnChild(system, [sent]);
      await expect(system.child.messenger.relayMessage(proofs[0]))
        .to.emit(system.child.messenger, "MessageRelayed")
        .withArgs(sent.id, 0, await receiver.getAddress());

      // Validators of chain 424242 would never sign chain 31337's blocks; here they do, to show what the
      // id binds: the source chain id comes from the checkpoint manager, not from the log.
      const foreignCheckpoint = await checkpoint(system, foreign, BigInt(sent.receipt.blockNumber));
      await passChallengePeriod();
      const foreignProof = await proveMessage(system.main, sent.receipt, foreignCheckpoint);
      const foreignId = messageIdOf(OTHER_CHAIN_ID, HARDHAT_CHAIN_ID, sent.message);
      expect(foreignId).to.not.equal(sent.id);
      expect(await foreign.messenger.incomingMessageId(sent.message)).to.equal(foreignId);
      await expect(foreign.messenger.relayMessage(foreignProof))
        .to.emit(foreign.messenger, "MessageRelayed")
        .withArgs(foreignId, 0, await receiver.getAddress());
      expect(await foreign.messenger.messageStatus(sent.message)).to.equal(MessageStatus.Relayed);
    });

    it("does not execute a message on its own source chain: the messenger there expects the other side as emitter", async function () {
      const { system, alice, receiver } = await loadFixture(messengerFixture);
      const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), "0x", 100_000);
      // On the single Hardhat network the main side's checkpoint manager commits these blocks too.
      const checkpointed = await checkpoint(system, system.main, BigInt(sent.receipt.blockNumber));
      await passChallengePeriod();
      const proof = await proveMessage(system.main, sent.receipt, checkpointed);
      await expect(system.main.messenger.relayMessage(proof))
        .to.be.revertedWithCustomError(system.main.messenger, "MessengerWrongEmitter")
        .withArgs(await system.main.messenger.getAddress(), await system.child.messenger.getAddress());
    });

    it("executes a log again on any other messenger wired to the same remote: the log names no destination, so wiring must stay one-to-one", async function () {
      const { system, alice, receiver } = await loadFixture(messengerFixture);
      // A second destination that trusts the main chain's messenger (on a real network: a messenger on a
      // third chain with a checkpoint manager of the main chain). Nothing on the main side can refuse it.
      const second = await ethers.deployContract("Messenger", [
        system.admin.address,
        system.admin.address,
        await system.child.checkpointManager.getAddress(),
      ]);
      await second.setRemoteMessenger(await system.main.messenger.getAddress());
      const call = receiver.interface.encodeFunctionData("burn", [1]);
      const sent = await sendFrom(system.main.messenger, alice, await receiver.getAddress(), call, 200_000);
      const { proofs } = await proveOnChild(system, [sent]);

      await expect(system.child.messenger.relayMessage(proofs[0])).to.emit(system.child.messenger, "MessageRelayed");
      await expect(second.relayMessage(proofs[0]))
        .to.emit(second, "MessageRelayed")
        .withArgs(sent.id, 0, await receiver.getAddress());
      expect(await receiver.calls()).to.equal(2);
    });
  });
});
