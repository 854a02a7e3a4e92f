import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { TransactionReceipt } from "ethers";
import { BatchOutcomeOnChain, buildMessageBatch, type ExitProof, type MessageBatch } from "../../relayer/src";
import { ICheckpointManager__factory } from "../../typechain-types";
import { checkpoint, mineInOneBlock, passChallengePeriod, proveMessage } from "../helpers/fixture";
import { MessageStatus, messengerFixture, sentMessagesOf, type MessageFields } from "../helpers/proofs";

/**
 * Eight messages from two blocks of the main chain: block A holds one transaction that sends three
 * messages (one receipt, three logs) and four transactions of one message each, the fourth to a
 * target that reverts; block B holds one more message. One checkpoint commits both blocks.
 */
async function batchFixture() {
  const base = await messengerFixture();
  const { system, receiver, alice } = base;
  const childMessenger = await system.child.messenger.getAddress();
  const refuser = await ethers.deployContract("MessageReceiver", [childMessenger]);
  await (await refuser.setShouldRevert(true)).wait();
  const multi = await ethers.deployContract("MessengerBatchSender");
  const call = (payload: string) => receiver.interface.encodeFunctionData("receiveMessage", [payload]);
  const target = await receiver.getAddress();
  const mainMessenger = system.main.messenger;

  const pending: Promise<TransactionReceipt | null>[] = [];
  await mineInOneBlock(() => {
    const sends = [
      multi.connect(system.users[3]).sendBatch(mainMessenger, target, [call("0x01"), call("0x02"), call("0x03")], 200_000, { gasLimit: 1_000_000 }),
      ...[4, 5, 6].map((u) => mainMessenger.connect(system.users[u]).sendMessage(target, call(`0x0${u}`), 200_000, { gasLimit: 300_000 })),
      mainMessenger.connect(system.users[7]).sendMessage(refuser, call("0x07"), 200_000, { gasLimit: 300_000 }),
    ];
    return sends.map((sent) => sent.then((tx) => pending.push(tx.wait())));
  });
  const blockA = (await Promise.all(pending)) as TransactionReceipt[];
  const blockB = (await (await mainMessenger.connect(alice).sendMessage(target, call("0x08"), 200_000)).wait())!;
  if (new Set(blockA.map((r) => r.blockNumber)).size !== 1) throw new Error("block A's transactions are not in one block");

  const checkpointed = await checkpoint(system, system.child, BigInt(blockB.blockNumber));
  const proofs: ExitProof[] = [];
  const messages: MessageFields[] = [];
  for (const receipt of [...blockA.sort((a, b) => a.index - b.index), blockB]) {
    const sent = sentMessagesOf(mainMessenger, receipt);
    for (let i = 0; i < sent.length; i++) {
      proofs.push(await proveMessage(system.main, receipt, checkpointed, i));
      messages.push(sent[i]);
    }
  }
  const refused = messages.findIndex((m) => m.target === String(refuser.target));
  return { ...base, refuser, proofs, messages, refused, checkpointed };
}

/** What a call spends before relayMessages' first line (dispatch, the guard, the pause flag): gasNeeded leaves it out. */
const ENTRY_GAS = 10_000n;

describe("Messenger", function () {
  describe("relayMessages", function () {
    it("relays the messages of two blocks in one transaction, each block leaf and trie node sent once", async function () {
      const { system, proofs, messages, refused, relayer, receiver } = await loadFixture(batchFixture);
      await passChallengePeriod();
      const batch = buildMessageBatch(proofs);
      expect(batch.blocks).to.have.length(2);
      // Three entries share one receipt, and all of block A's share its upper nodes.
      const sentSingly = proofs.reduce((n, p) => n + p.receiptProof.length, 0);
      expect(batch.nodes.length).to.be.lessThan(sentSingly);
      expect(new Set(batch.nodes).size).to.equal(batch.nodes.length);

      const messenger = system.child.messenger.connect(relayer);
      const [outcomes] = await messenger.relayMessages.staticCall(batch);
      const expected = messages.map((_, i) => (i === refused ? BatchOutcomeOnChain.Failed : BatchOutcomeOnChain.Relayed));
      expect(outcomes.map(Number)).to.deep.equal(expected);
      const receipt = (await (await messenger.relayMessages(batch)).wait())!;
      const events = receipt.logs.map((l) => system.child.messenger.interface.parseLog(l)).filter((e) => e !== null);
      expect(events.filter((e) => e.name === "MessageRelayed")).to.have.length(messages.length - 1);
      expect(events.filter((e) => e.name === "MessageFailed")).to.have.length(1);
      expect(await receiver.calls()).to.equal(messages.length - 1);
      for (let i = 0; i < messages.length; i++) {
        expect(await system.child.messenger.messageStatus(messages[i])).to.equal(i === refused ? MessageStatus.Failed : MessageStatus.Relayed);
      }
    });

    it("marks only the message whose target reverts failed, and it can be retried alone", async function () {
      const { system, proofs, messages, refused, refuser, relayer } = await loadFixture(batchFixture);
      await passChallengePeriod();
      const messenger = system.child.messenger.connect(relayer);
      await (await messenger.relayMessages(buildMessageBatch(proofs))).wait();
      expect(await messenger.failedMessages(await messenger.incomingMessageId(messages[refused]))).to.equal(true);
      await (await refuser.setShouldRevert(false)).wait();
      await expect(messenger.retryMessage(messages[refused])).to.emit(messenger, "MessageRelayed");
      expect(await refuser.calls()).to.equal(1);
    });

    it("skips messages relayed before, or twice in one batch, with MessageSkipped instead of reverting", async function () {
      const { system, proofs, messages, refused, relayer, receiver } = await loadFixture(batchFixture);
      await passChallengePeriod();
      const messenger = system.child.messenger.connect(relayer);
      // Three messages whose target accepts them (the refusing one's place varies with block A's order).
      const [a, b, c] = proofs.map((_, i) => i).filter((i) => i !== refused);
      await (await messenger.relayMessage(proofs[b])).wait();
      const batch = buildMessageBatch([proofs[a], proofs[b], proofs[c], proofs[a]]);
      const [outcomes] = await messenger.relayMessages.staticCall(batch);
      expect(outcomes.map(Number)).to.deep.equal([1, 3, 1, 3]);
      const idB = await messenger.incomingMessageId(messages[b]);
      const idA = await messenger.incomingMessageId(messages[a]);
      await expect(messenger.relayMessages(batch))
        .to.emit(messenger, "MessageSkipped")
        .withArgs(idB, messages[b].nonce, MessageStatus.Relayed)
        .and.to.emit(messenger, "MessageSkipped")
        .withArgs(idA, messages[a].nonce, MessageStatus.Relayed);
      expect(await receiver.calls()).to.equal(3);
    });

    it("stops cleanly when gas runs short, leaving the rest untouched for a later relay", async function () {
      const { system, proofs, messages, refused, relayer, receiver } = await loadFixture(batchFixture);
      await passChallengePeriod();
      const messenger = system.child.messenger.connect(relayer);
      // Four messages whose target accepts them: where the refusing one falls depends on the order
      // the node put block A's transactions in.
      const picked = proofs.map((_, i) => i).filter((i) => i !== refused).slice(0, 4);
      const batch = buildMessageBatch(picked.map((i) => proofs[i]));
      // Enough for about two of the four calls at their 200,000 floor.
      const receipt = (await (await messenger.relayMessages(batch, { gasLimit: 620_000 })).wait())!;
      const events = receipt.logs.map((l) => messenger.interface.parseLog(l)).filter((e) => e !== null);
      const stopped = events.find((e) => e.name === "MessageBatchStopped");
      expect(stopped, "MessageBatchStopped").to.not.equal(undefined);
      const next = Number(stopped!.args.nextEntry);
      expect(next).to.be.greaterThan(0).and.lessThan(4);
      expect(events.filter((e) => e.name === "MessageRelayed")).to.have.length(next);
      expect(events.filter((e) => e.name === "MessageFailed")).to.have.length(0);
      for (let k = 0; k < 4; k++) {
        expect(await messenger.messageStatus(messages[picked[k]])).to.equal(k < next ? MessageStatus.Relayed : MessageStatus.None);
      }
      // The rest go through later, in a batch with enough gas.
      await (await messenger.relayMessages(buildMessageBatch(picked.slice(next).map((i) => proofs[i])))).wait();
      expect(await receiver.calls()).to.equal(4);
    });

    it("reverts with MessengerInsufficientGas when gas runs short before anything was executed", async function () {
      const { system, proofs, messages, relayer } = await loadFixture(batchFixture);
      await passChallengePeriod();
      const messenger = system.child.messenger.connect(relayer);
      await expect(messenger.relayMessages(buildMessageBatch(proofs.slice(0, 2)), { gasLimit: 200_000 })).to.be.revertedWithCustomError(
        messenger,
        "MessengerInsufficientGas",
      );
      expect(await messenger.messageStatus(messages[0])).to.equal(MessageStatus.None);
    });

    it("needs no more than gasNeeded plus the intrinsic gas and the call's entry: at that limit no entry stops", async function () {
      const { system, proofs, messages, relayer } = await loadFixture(batchFixture);
      await passChallengePeriod();
      const messenger = system.child.messenger.connect(relayer);
      const batch = buildMessageBatch(proofs);
      const [, gasNeeded] = await messenger.relayMessages.staticCall(batch, { gasLimit: 10_000_000 });
      const data = messenger.interface.encodeFunctionData("relayMessages", [batch]);
      const bytes = ethers.getBytes(data);
      const zeros = bytes.filter((b) => b === 0).length;
      const intrinsic = 21_000n + 4n * BigInt(zeros) + 16n * BigInt(bytes.length - zeros);
      const receipt = (await (await messenger.relayMessages(batch, { gasLimit: intrinsic + gasNeeded + ENTRY_GAS })).wait())!;
      const names = receipt.logs.map((l) => messenger.interface.parseLog(l)?.name);
      expect(names).to.not.include("MessageBatchStopped");
      expect(names.filter((n) => n === "MessageRelayed" || n === "MessageFailed")).to.have.length(messages.length);
    });

    describe("the single path's checks, for every entry", function () {
      async function refusal(batch: MessageBatch, fixture: Awaited<ReturnType<typeof batchFixture>>): Promise<string> {
        const messenger = fixture.system.child.messenger.connect(fixture.relayer);
        try {
          await (await messenger.relayMessages(batch, { gasLimit: 5_000_000 })).wait();
        } catch (error) {
          const data = (error as { data?: string }).data ?? "";
          for (const iface of [messenger.interface, ICheckpointManager__factory.createInterface()]) {
            const parsed = iface.parseError(data);
            if (parsed !== null) return parsed.name;
          }
          return String(error);
        }
        return "(relayed)";
      }

      it("refuses a checkpoint still in its challenge period", async function () {
        const fixture = await loadFixture(batchFixture);
        expect(await refusal(buildMessageBatch(fixture.proofs), fixture)).to.equal("CheckpointManagerNotFinal");
      });

      it("refuses a block leaf the checkpoint does not commit", async function () {
        const fixture = await loadFixture(batchFixture);
        await passChallengePeriod();
        const batch = buildMessageBatch(fixture.proofs);
        batch.blocks[1].receiptsRoot = batch.blocks[0].receiptsRoot;
        expect(await refusal(batch, fixture)).to.equal("CheckpointManagerBlockNotInCheckpoint");
      });

      it("refuses an entry whose path names another receipt's node, a missing node, a missing block or the wrong key", async function () {
        const fixture = await loadFixture(batchFixture);
        await passChallengePeriod();
        const swapped = buildMessageBatch(fixture.proofs);
        // Two entries of block A from different receipts (the order of A's transactions is the node's).
        const [a, b] = [0, swapped.entries.findIndex((e) => e.blockIndex === 0n && e.txIndex !== swapped.entries[0].txIndex)];
        // Entry a's path ending in entry b's leaf: the branch names another hash.
        swapped.entries[a].nodePath = `${swapped.entries[a].nodePath.slice(0, -4)}${swapped.entries[b].nodePath.slice(-4)}`;
        expect(await refusal(swapped, fixture)).to.equal("ReceiptProofInvalidTrieProof");
        const beyond = buildMessageBatch(fixture.proofs);
        beyond.entries[0].nodePath = `${beyond.entries[0].nodePath}ffff`;
        expect(await refusal(beyond, fixture)).to.equal("MessengerBatchNodeOutOfRange");
        const odd = buildMessageBatch(fixture.proofs);
        odd.entries[0].nodePath = "0x00";
        expect(await refusal(odd, fixture)).to.equal("MessengerBatchInvalidNodePath");
        const noBlock = buildMessageBatch(fixture.proofs);
        noBlock.entries[0].blockIndex = 2n;
        expect(await refusal(noBlock, fixture)).to.equal("MessengerBatchBlockOutOfRange");
        const wrongKey = buildMessageBatch(fixture.proofs);
        wrongKey.entries[a].txIndex = wrongKey.entries[b].txIndex;
        expect(await refusal(wrongKey, fixture)).to.equal("ReceiptProofInvalidTrieProof");
      });

      it("refuses an empty batch, and any batch while paused", async function () {
        const fixture = await loadFixture(batchFixture);
        await passChallengePeriod();
        const empty = { ...buildMessageBatch(fixture.proofs), entries: [] };
        expect(await refusal(empty, fixture)).to.equal("MessengerEmptyBatch");
        await (await fixture.system.child.messenger.connect(fixture.system.admin).pause()).wait();
        expect(await refusal(buildMessageBatch(fixture.proofs), fixture)).to.equal("EnforcedPause");
      });

      it("refuses a target's reentrant batch relay", async function () {
        const { system, reentrant, alice, relayer } = await loadFixture(messengerFixture);
        const messenger = system.child.messenger;
        const call = reentrant.interface.encodeFunctionData("receiveMessage", ["0x"]);
        const receipt = (await (await system.main.messenger.connect(alice).sendMessage(reentrant, call, 500_000)).wait())!;
        const checkpointed = await checkpoint(system, system.child, BigInt(receipt.blockNumber));
        await passChallengePeriod();
        const batch = buildMessageBatch([await proveMessage(system.main, receipt, checkpointed)]);
        await (await reentrant.setReentryCall(messenger.interface.encodeFunctionData("relayMessages", [batch]))).wait();
        await (await messenger.connect(relayer).relayMessages(batch)).wait();
        expect(await reentrant.reentrySucceeded()).to.equal(false);
        expect(messenger.interface.parseError(await reentrant.reentryError())?.name).to.equal("ReentrancyGuardReentrantCall");
      });
    });
  });
});
