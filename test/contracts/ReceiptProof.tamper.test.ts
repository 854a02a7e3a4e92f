/**
 * A valid exit proof, tampered one field at a time, relayed through `Messenger.relayMessage`:
 * it must always revert, except where the tampering names another genuine message (a logIndex
 * pointing at a neighbouring MessageSent), which must then relay that message, once, and never
 * the original a second time.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { hexlify, type TransactionResponse } from "ethers";
import { receiptTrieKey, type ExitProof } from "../../relayer/src";
import type { IMessenger } from "../../typechain-types";
import { checkpoint, deploySystem, mineInOneBlock, passChallengePeriod, proveMessage } from "../helpers/fixture";
import { MessageStatus, cloneProof, flipBit, relayOutcome, xorByte } from "../helpers/proofs";

/** Payloads of the batch: its receipt holds BatchStarted (log 0), then one MessageSent per payload (logs 1-3). */
const BATCH_PAYLOADS = ["0x01", "0x0202", "0x030303"];
/** The proven log: the middle MessageSent, so that a MessageSent sits on either side of it. */
const PROVEN_LOG_INDEX = 2n;
const FILLER_TXS = 15;

/**
 * A final exit proof of one of several messages sent in one transaction, in a block of 16
 * transactions (so the receipt proof has inner nodes), committed by checkpoint 0 of three:
 * 0 and 1 final, 2 still in its challenge window.
 */
async function tamperFixture() {
  const system = await deploySystem();
  const receiver = await ethers.deployContract("MessageReceiver", [await system.child.messenger.getAddress()]);
  const batch = await ethers.deployContract("MessengerBatchSender");
  const receiverAddress = await receiver.getAddress();
  const messengerAddress = await system.main.messenger.getAddress();
  const relayer = system.users[system.users.length - 1];
  const call = (payload: string) => receiver.interface.encodeFunctionData("receiveMessage", [payload]);

  let batchTx: TransactionResponse | undefined;
  await mineInOneBlock(() => [
    ...system.users
      .slice(0, FILLER_TXS)
      .map((user, i) =>
        system.main.messenger
          .connect(user)
          .sendMessage(receiverAddress, call(ethers.toBeHex(0xf0 + i)), 100_000, { gasLimit: 200_000 }),
      ),
    batch.sendBatch(messengerAddress, receiverAddress, BATCH_PAYLOADS.map(call), 150_000, { gasLimit: 600_000 }).then((tx) => {
      batchTx = tx;
    }),
  ]);
  const batchReceipt = (await batchTx!.wait())!;
  const committing = await checkpoint(system, system.child, BigInt(batchReceipt.blockNumber));
  await mine(2);
  await checkpoint(system, system.child);
  await passChallengePeriod();
  await checkpoint(system, system.child);
  const proof = await proveMessage(system.main, batchReceipt, committing, 1);

  // Every MessageSent log of the receipt, by its index inside the receipt, with the id it relays under.
  const messageIds = new Map<number, string>();
  let original: IMessenger.MessageStruct | undefined;
  for (const [i, log] of batchReceipt.logs.entries()) {
    const parsed = system.main.messenger.interface.parseLog(log);
    if (parsed?.name !== "MessageSent" || log.address !== messengerAddress) continue;
    const { nonce, sender, target, gasLimit, data } = parsed.args;
    const message = { nonce, sender, target, gasLimit, data };
    messageIds.set(i, await system.child.messenger.incomingMessageId(message));
    if (BigInt(i) === proof.logIndex) original = message;
  }
  return {
    system,
    receiver,
    relayer,
    batchReceipt,
    proof,
    messageIds,
    original: original!,
    originalId: messageIds.get(Number(proof.logIndex))!,
  };
}

type Mutation =
  | { field: "checkpointId"; value: bigint }
  | { field: "blockNumber"; delta: bigint }
  | { field: "blockHash" | "receiptsRoot"; bit: number }
  | { field: "blockProof"; op: "flip"; index: number; bit: number }
  | { field: "blockProof"; op: "drop"; index: number }
  | { field: "blockProof"; op: "add"; index: number; value: string }
  | { field: "receiptKey"; op: "otherIndex"; txIndex: number }
  | { field: "receiptKey"; op: "empty" }
  | { field: "receiptKey"; op: "garbage"; bytes: string }
  | { field: "receiptProof"; op: "flip"; index: number; byte: number; mask: number }
  | { field: "receiptProof"; op: "truncate"; index: number; keep: number }
  | { field: "receiptProof"; op: "drop"; index: number }
  | { field: "receiptProof"; op: "append"; bytes: string }
  | { field: "receiptProof"; op: "swap"; i: number; j: number }
  | { field: "logIndex"; value: bigint };

/** What each tampered field may revert with; anything else (a panic, an out-of-gas) fails the test. */
const ALLOWED_ERRORS: Record<Mutation["field"], string[]> = {
  checkpointId: ["CheckpointManagerUnknownCheckpoint", "CheckpointManagerBlockNotInCheckpoint", "CheckpointManagerNotFinal"],
  blockNumber: ["CheckpointManagerBlockNotInCheckpoint"],
  blockHash: ["CheckpointManagerBlockNotInCheckpoint"],
  receiptsRoot: ["CheckpointManagerBlockNotInCheckpoint"],
  blockProof: ["CheckpointManagerBlockNotInCheckpoint"],
  // A key that leaves the proven path can land on an empty branch slot, which the RLP decoder rejects.
  receiptKey: ["ReceiptProofInvalidTrieProof", "RLPInvalidEncoding"],
  receiptProof: ["ReceiptProofInvalidTrieProof"],
  logIndex: ["MessengerWrongEmitter", "ReceiptProofLogIndexOutOfRange"],
};

/** The proof with one field tampered, or undefined when the mutation would leave it unchanged. */
function applyMutation(base: ExitProof, m: Mutation): ExitProof | undefined {
  const proof = cloneProof(base);
  const at = (index: number, length: number) => index % length;
  switch (m.field) {
    case "checkpointId":
      if (m.value === base.checkpointId) return undefined;
      proof.checkpointId = m.value;
      break;
    case "blockNumber":
      if (m.delta === 0n || base.blockNumber + m.delta < 0n) return undefined;
      proof.blockNumber = base.blockNumber + m.delta;
      break;
    case "blockHash":
    case "receiptsRoot":
      proof[m.field] = flipBit(base[m.field], m.bit);
      break;
    case "blockProof":
      if (m.op === "flip")
        proof.blockProof[at(m.index, base.blockProof.length)] = flipBit(
          base.blockProof[at(m.index, base.blockProof.length)],
          m.bit,
        );
      else if (m.op === "drop") proof.blockProof.splice(at(m.index, base.blockProof.length), 1);
      else proof.blockProof.splice(at(m.index, base.blockProof.length + 1), 0, m.value);
      break;
    case "receiptKey":
      proof.receiptKey = m.op === "empty" ? "0x" : m.op === "garbage" ? m.bytes : receiptTrieKey(m.txIndex);
      if (proof.receiptKey === base.receiptKey) return undefined;
      break;
    case "receiptProof": {
      const nodes = proof.receiptProof;
      if (m.op === "flip") nodes[at(m.index, nodes.length)] = xorByte(nodes[at(m.index, nodes.length)], m.byte, m.mask);
      else if (m.op === "truncate") {
        const node = nodes[at(m.index, nodes.length)];
        nodes[at(m.index, nodes.length)] = ethers.dataSlice(node, 0, m.keep % ethers.dataLength(node));
      } else if (m.op === "drop") nodes.splice(at(m.index, nodes.length), 1);
      else if (m.op === "append") nodes.push(m.bytes);
      else {
        const i = at(m.i, nodes.length);
        const j = at(m.j, nodes.length) === i ? at(i + 1, nodes.length) : at(m.j, nodes.length);
        [nodes[i], nodes[j]] = [nodes[j], nodes[i]];
      }
      break;
    }
    case "logIndex":
      if (m.value === base.logIndex) return undefined;
      proof.logIndex = m.value;
      break;
  }
  return proof;
}

/** Relays the tampered proof and checks that it reverts, or relays another message than the original, once. */
async function checkMutation(m: Mutation, seen: Map<string, number>): Promise<void> {
  const { system, receiver, relayer, proof, messageIds, original, originalId } = await loadFixture(tamperFixture);
  const messenger = system.child.messenger;
  const mutated = applyMutation(proof, m);
  if (mutated === undefined) return;
  const outcome = await relayOutcome(messenger, relayer, mutated);
  const label = JSON.stringify(m, (_, v) => (typeof v === "bigint" ? v.toString() : v));

  const otherId = m.field === "logIndex" && m.value < 1000n ? messageIds.get(Number(m.value)) : undefined;
  if (otherId !== undefined) {
    // Another MessageSent of the same receipt: a valid proof of a DIFFERENT message, which relays once.
    expect(outcome, label).to.deep.equal({ reverted: false, ids: [otherId] });
    expect(otherId).to.not.equal(originalId);
    expect(await messenger.messageStatus(original)).to.equal(MessageStatus.None);
    expect(await relayOutcome(messenger, relayer, proof)).to.deep.equal({ reverted: false, ids: [originalId] });
    for (const again of [proof, mutated]) {
      expect(await relayOutcome(messenger, relayer, again), label).to.deep.equal({
        reverted: true,
        error: "MessengerAlreadyRelayed",
      });
    }
    expect(await receiver.calls()).to.equal(2);
    seen.set("(relayed another message)", (seen.get("(relayed another message)") ?? 0) + 1);
    return;
  }
  expect(outcome.reverted, label).to.equal(true);
  const error = (outcome as { error: string }).error;
  expect(ALLOWED_ERRORS[m.field], `${label} reverted with ${error}`).to.include(error);
  expect(await messenger.messageStatus(original)).to.equal(MessageStatus.None);
  expect(await receiver.calls()).to.equal(0);
  seen.set(error, (seen.get(error) ?? 0) + 1);
}

/** Every structural mutation of the proof's fields, each alone. */
function exhaustiveMutations(proof: ExitProof, txCount: number): Mutation[] {
  const list: Mutation[] = [];
  for (const value of [1n, 2n, 3n, 1n << 255n]) list.push({ field: "checkpointId", value });
  for (const delta of [1n, -1n, 1000n, -proof.blockNumber]) list.push({ field: "blockNumber", delta });
  for (const field of ["blockHash", "receiptsRoot"] as const) for (const bit of [0, 7, 128, 255]) list.push({ field, bit });
  proof.blockProof.forEach((_, index) => {
    list.push({ field: "blockProof", op: "flip", index, bit: 0 }, { field: "blockProof", op: "flip", index, bit: 255 });
    list.push({ field: "blockProof", op: "drop", index });
  });
  for (const index of [0, proof.blockProof.length >> 1, proof.blockProof.length]) {
    list.push({ field: "blockProof", op: "add", index, value: ethers.keccak256(ethers.toBeHex(index, 32)) });
    list.push({ field: "blockProof", op: "add", index, value: proof.blockProof[0] });
  }
  for (let txIndex = 0; txIndex <= txCount; txIndex++) list.push({ field: "receiptKey", op: "otherIndex", txIndex });
  list.push({ field: "receiptKey", op: "empty" });
  for (const bytes of ["0x00", "0x8180", `${proof.receiptKey}00`, `0x${"ff".repeat(32)}`])
    list.push({ field: "receiptKey", op: "garbage", bytes });
  proof.receiptProof.forEach((node, index) => {
    const length = ethers.dataLength(node);
    for (const byte of [0, 1, length >> 1, length - 1]) list.push({ field: "receiptProof", op: "flip", index, byte, mask: 0x01 });
    for (const keep of [0, 1, length - 1]) list.push({ field: "receiptProof", op: "truncate", index, keep });
    list.push({ field: "receiptProof", op: "drop", index });
    list.push({ field: "receiptProof", op: "append", bytes: node });
  });
  list.push({ field: "receiptProof", op: "append", bytes: "0x" }, { field: "receiptProof", op: "append", bytes: "0xc0" });
  for (let i = 0; i < proof.receiptProof.length; i++) {
    for (let j = i + 1; j < proof.receiptProof.length; j++) list.push({ field: "receiptProof", op: "swap", i, j });
  }
  for (const value of [0n, 1n, 3n, 4n, 5n, ethers.MaxUint256]) list.push({ field: "logIndex", value });
  return list;
}

const hex = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((b) => hexlify(b));
const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    field: fc.constant("checkpointId" as const),
    value: fc.oneof(fc.bigInt(0n, 8n), fc.bigInt(0n, (1n << 256n) - 1n)),
  }),
  fc.record({ field: fc.constant("blockNumber" as const), delta: fc.bigInt(-20n, 20n) }),
  fc.record({ field: fc.constantFrom("blockHash" as const, "receiptsRoot" as const), bit: fc.nat(255) }),
  fc.record({ field: fc.constant("blockProof" as const), op: fc.constant("flip" as const), index: fc.nat(), bit: fc.nat(255) }),
  fc.record({ field: fc.constant("blockProof" as const), op: fc.constant("drop" as const), index: fc.nat() }),
  fc.record({ field: fc.constant("blockProof" as const), op: fc.constant("add" as const), index: fc.nat(), value: hex(32, 32) }),
  fc.record({ field: fc.constant("receiptKey" as const), op: fc.constant("otherIndex" as const), txIndex: fc.nat(300) }),
  fc.record({ field: fc.constant("receiptKey" as const), op: fc.constant("garbage" as const), bytes: hex(1, 40) }),
  fc.record({
    field: fc.constant("receiptProof" as const),
    op: fc.constant("flip" as const),
    index: fc.nat(),
    byte: fc.nat(),
    mask: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({
    field: fc.constant("receiptProof" as const),
    op: fc.constant("truncate" as const),
    index: fc.nat(),
    keep: fc.nat(),
  }),
  fc.record({ field: fc.constant("receiptProof" as const), op: fc.constant("drop" as const), index: fc.nat() }),
  fc.record({ field: fc.constant("receiptProof" as const), op: fc.constant("append" as const), bytes: hex(0, 600) }),
  fc.record({ field: fc.constant("receiptProof" as const), op: fc.constant("swap" as const), i: fc.nat(), j: fc.nat() }),
  fc.record({ field: fc.constant("logIndex" as const), value: fc.oneof(fc.bigInt(0n, 6n), fc.bigInt(0n, (1n << 256n) - 1n)) }),
);
describe("ReceiptProof", function () {
  describe("exit proofs tampered field by field, relayed through Messenger.relayMessage", function () {
    it("relays the untampered proof: the middle of three MessageSent logs, behind a foreign log", async function () {
      const { system, receiver, relayer, proof, messageIds, originalId } = await loadFixture(tamperFixture);
      expect(proof.logIndex).to.equal(PROVEN_LOG_INDEX);
      expect([...messageIds.keys()]).to.deep.equal([1, 2, 3]);
      expect(proof.blockProof.length).to.be.greaterThanOrEqual(3);
      expect(proof.receiptProof.length).to.be.greaterThanOrEqual(2);
      expect(await relayOutcome(system.child.messenger, relayer, proof)).to.deep.equal({ reverted: false, ids: [originalId] });
      expect(await receiver.lastPayload()).to.equal(BATCH_PAYLOADS[1]);
    });

    it("never relays a proof with one field tampered, except a logIndex naming another MessageSent, which relays that message once (exhaustive)", async function () {
      const { proof, batchReceipt } = await loadFixture(tamperFixture);
      const block = await ethers.provider.getBlock(batchReceipt.blockNumber);
      const mutations = exhaustiveMutations(proof, block!.transactions.length);
      const seen = new Map<string, number>();
      for (const m of mutations) await checkMutation(m, seen);
      // Each way to fail was reached, and both neighbouring messages were relayed instead.
      expect(seen.get("(relayed another message)")).to.equal(2);
      for (const error of [
        "CheckpointManagerUnknownCheckpoint",
        "CheckpointManagerNotFinal",
        "CheckpointManagerBlockNotInCheckpoint",
        "ReceiptProofInvalidTrieProof",
        "MessengerWrongEmitter",
        "ReceiptProofLogIndexOutOfRange",
      ]) {
        expect(seen.get(error), error).to.be.greaterThan(0);
      }
    });

    it("never relays a proof with one field tampered at random, nor the same message twice (fast-check)", async function () {
      const seen = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(mutationArbitrary, (m) => checkMutation(m, seen)),
        { numRuns: 200 },
      );
      expect([...seen.values()].reduce((a, b) => a + b, 0)).to.be.greaterThan(150);
    });
  });
});
