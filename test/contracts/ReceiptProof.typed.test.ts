import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { RLP } from "@ethereumjs/rlp";
import { getBytes, hexlify } from "ethers";
import { ReceiptTrie, buildCheckpointTree, buildExitProof } from "../../relayer/src";
import { ReceiptProofError, messageIdOf, syntheticReceipt, type MessageFields, type SyntheticLog } from "../helpers/proofs";

const LONG_PAYLOAD = hexlify(Uint8Array.from({ length: 100 }, (_, i) => i + 1));

/**
 * Receipts no Hardhat block holds (types 0x03, 0x04, 0x7e, 0x7f, pre-Byzantium, malformed), put
 * in a receipts trie built with ethereumjs and proven through the library's harness.
 */
describe("ReceiptProof", function () {
  describe("typed receipts of any type byte (synthetic receipts trie)", function () {
    const emitterA = "0x00000000000000000000000000000000000a11ce";
    const topic = (n: number) => ethers.zeroPadValue(ethers.toBeHex(n), 32);
    const logOf = (n: number, data = "0x"): SyntheticLog => ({
      address: ethers.getAddress(`0x${n.toString(16).padStart(40, "b")}`),
      topics: Array.from({ length: n % 5 }, (_, t) => topic(n * 10 + t)),
      data,
    });
    const stateRoot = ethers.keccak256("0x1234");

    /** What each receipt is, and what the library must make of its log 0. */
    const cases: { name: string; encoded: string; expected: number | "revert"; logs?: SyntheticLog[] }[] = [];
    const accepted = (name: string, type: number | "legacy", logs: SyntheticLog[]) =>
      cases.push({ name, encoded: syntheticReceipt({ type, outcome: 1, logs }), expected: ReceiptProofError.None, logs });
    accepted("legacy (no type byte)", "legacy", [logOf(1), logOf(2, "0x01")]);
    accepted("EIP-2930 (0x01)", 0x01, [logOf(3, "0xdeadbeef")]);
    accepted("EIP-1559 (0x02)", 0x02, [logOf(4, LONG_PAYLOAD), logOf(5), logOf(6)]);
    accepted("EIP-4844 (0x03)", 0x03, [logOf(7)]);
    accepted("EIP-7702 (0x04)", 0x04, [logOf(8, "0x00")]);
    accepted("a future type (0x7e)", 0x7e, [logOf(9)]);
    accepted("the highest type byte (0x7f)", 0x7f, [logOf(10)]);
    // Never in a real trie (legacy receipts carry no type byte), and harmless: the root commits to the bytes.
    accepted("a type byte 0x00 before the list", 0x00, [logOf(11)]);
    cases.push({
      name: "pre-Byzantium (32-byte state root instead of status)",
      encoded: syntheticReceipt({ type: "legacy", outcome: stateRoot, logs: [logOf(12)] }),
      expected: ReceiptProofError.ReceiptNotSuccessful,
    });
    cases.push({
      name: "state root whose last byte is 0x01",
      encoded: syntheticReceipt({ type: "legacy", outcome: ethers.zeroPadValue("0x01", 32), logs: [logOf(13)] }),
      expected: ReceiptProofError.ReceiptNotSuccessful,
    });
    cases.push({
      name: "status 0 with logs",
      encoded: syntheticReceipt({ type: 2, outcome: 0, logs: [logOf(14)] }),
      expected: ReceiptProofError.ReceiptNotSuccessful,
    });
    cases.push({
      name: "status 2",
      encoded: syntheticReceipt({ type: 2, outcome: "0x02", logs: [logOf(15)] }),
      expected: ReceiptProofError.ReceiptNotSuccessful,
    });
    cases.push({ name: "a type byte alone", encoded: "0x02", expected: ReceiptProofError.InvalidReceiptEncoding });
    cases.push({ name: "an RLP string", encoded: "0x83abcdef", expected: ReceiptProofError.InvalidReceiptEncoding });
    cases.push({
      name: "a type byte before an RLP string",
      encoded: "0x0183abcdef",
      expected: ReceiptProofError.InvalidReceiptEncoding,
    });
    cases.push({
      name: "a list of three fields",
      encoded: hexlify(RLP.encode([Uint8Array.of(1), Uint8Array.of(0x52, 0x08), new Uint8Array(256)])),
      expected: ReceiptProofError.InvalidReceiptEncoding,
    });
    // op-geth commits depositNonce and depositReceiptVersion as extra fields of deposit (0x7e) receipts:
    // the library reads the four standard fields and ignores what follows.
    cases.push({
      name: "an OP-stack deposit receipt with depositNonce and depositReceiptVersion (6 fields)",
      encoded: syntheticReceipt({ type: 0x7e, outcome: 1, logs: [logOf(16)], extraFields: [Uint8Array.of(7), Uint8Array.of(1)] }),
      expected: ReceiptProofError.None,
      logs: [logOf(16)],
    });
    cases.push({
      name: "a log of two fields",
      encoded: hexlify(
        ethers.concat([
          "0x02",
          RLP.encode([Uint8Array.of(1), Uint8Array.of(1), new Uint8Array(256), [[getBytes(emitterA), []]]]),
        ]),
      ),
      expected: ReceiptProofError.InvalidLogEncoding,
    });
    cases.push({
      name: "logs as an RLP string instead of a list",
      encoded: hexlify(
        ethers.concat(["0x02", RLP.encode([Uint8Array.of(1), Uint8Array.of(1), new Uint8Array(256), getBytes("0xabcd")])]),
      ),
      expected: "revert",
    });

    async function syntheticFixture() {
      const harness = await ethers.deployContract("ReceiptProofHarness");
      const trie = await ReceiptTrie.fromEncodedReceipts(cases.map((c) => c.encoded));
      return { harness, trie };
    }

    it("proves logs of legacy receipts and of typed receipts 0x01, 0x02, 0x03, 0x04, 0x7e and 0x7f", async function () {
      const { harness, trie } = await loadFixture(syntheticFixture);
      for (const [i, c] of cases.entries()) {
        if (c.expected !== ReceiptProofError.None) continue;
        const proof = await trie.proof(i);
        for (const [logIndex, log] of c.logs!.entries()) {
          const extracted = await harness.extractLog(trie.root, proof.key, proof.proof, logIndex);
          expect(extracted.emitter, c.name).to.equal(log.address);
          expect([...extracted.topics], c.name).to.deep.equal(log.topics);
          expect(extracted.data, c.name).to.equal(log.data.toLowerCase());
        }
        await expect(harness.extractLog(trie.root, proof.key, proof.proof, c.logs!.length))
          .to.be.revertedWithCustomError(harness, "ReceiptProofLogIndexOutOfRange")
          .withArgs(c.logs!.length, c.logs!.length);
      }
    });

    it("rejects pre-Byzantium receipts (a state root, not a status), status 0 and status 2 as not successful", async function () {
      const { harness, trie } = await loadFixture(syntheticFixture);
      for (const [i, c] of cases.entries()) {
        if (c.expected !== ReceiptProofError.ReceiptNotSuccessful) continue;
        const proof = await trie.proof(i);
        await expect(harness.extractLog(trie.root, proof.key, proof.proof, 0), c.name).to.be.revertedWithCustomError(
          harness,
          "ReceiptProofReceiptNotSuccessful",
        );
      }
    });

    it("rejects malformed receipts with ReceiptProofInvalidReceiptEncoding", async function () {
      const { harness, trie } = await loadFixture(syntheticFixture);
      let checked = 0;
      for (const [i, c] of cases.entries()) {
        if (c.expected !== ReceiptProofError.InvalidReceiptEncoding) continue;
        const proof = await trie.proof(i);
        await expect(harness.extractLog(trie.root, proof.key, proof.proof, 0), c.name).to.be.revertedWithCustomError(
          harness,
          "ReceiptProofInvalidReceiptEncoding",
        );
        checked++;
      }
      expect(checked).to.equal(4);
    });

    it("rejects a log that is not [address, topics, data] with ReceiptProofInvalidLogEncoding", async function () {
      const { harness, trie } = await loadFixture(syntheticFixture);
      const i = cases.findIndex((c) => c.expected === ReceiptProofError.InvalidLogEncoding);
      const proof = await trie.proof(i);
      await expect(harness.extractLog(trie.root, proof.key, proof.proof, 0)).to.be.revertedWithCustomError(
        harness,
        "ReceiptProofInvalidLogEncoding",
      );
    });

    it("tryExtractLog returns the ProofError of each case instead of reverting, with an empty log", async function () {
      const { harness, trie } = await loadFixture(syntheticFixture);
      for (const [i, c] of cases.entries()) {
        const proof = await trie.proof(i);
        if (c.expected === "revert") {
          // Documented caveat: malformed RLP inside a node that hashes correctly still reverts in the decoder.
          await expect(harness.tryExtractLog(trie.root, proof.key, proof.proof, 0), c.name).to.be.revertedWithCustomError(
            harness,
            "RLPInvalidEncoding",
          );
          continue;
        }
        const [log, err] = await harness.tryExtractLog(trie.root, proof.key, proof.proof, 0);
        expect(err, c.name).to.equal(c.expected);
        if (c.expected === ReceiptProofError.None) {
          expect(log.emitter).to.equal(c.logs![0].address);
        } else {
          expect(log.emitter, c.name).to.equal(ethers.ZeroAddress);
          expect(log.topics, c.name).to.be.empty;
          expect(log.data, c.name).to.equal("0x");
        }
      }
      const proof = await trie.proof(0);
      const [, outOfRange] = await harness.tryExtractLog(trie.root, proof.key, proof.proof, 2);
      expect(outOfRange).to.equal(ReceiptProofError.LogIndexOutOfRange);
      const [, badTrie] = await harness.tryExtractLog(ethers.ZeroHash, proof.key, proof.proof, 0);
      expect(badTrie).to.equal(ReceiptProofError.InvalidTrieProof);
      const [, emptyKey] = await harness.tryExtractLog(trie.root, "0x", proof.proof, 0);
      expect(emptyKey).to.equal(ReceiptProofError.InvalidTrieProof);
    });
  });

  describe("typed receipts relayed through Messenger.relayMessage (synthetic block, mock checkpoint manager)", function () {
    const remote = ethers.getAddress(`0x${"12".repeat(20)}`);
    const receiptKinds: {
      name: string;
      type: number | "legacy";
      outcome: 0 | 1 | string;
      extra?: Uint8Array[];
      error?: string;
    }[] = [
      { name: "legacy", type: "legacy", outcome: 1 },
      { name: "EIP-2930 (0x01)", type: 0x01, outcome: 1 },
      { name: "EIP-1559 (0x02)", type: 0x02, outcome: 1 },
      { name: "EIP-4844 (0x03)", type: 0x03, outcome: 1 },
      { name: "EIP-7702 (0x04)", type: 0x04, outcome: 1 },
      { name: "future (0x7e)", type: 0x7e, outcome: 1 },
      { name: "pre-Byzantium", type: "legacy", outcome: ethers.keccak256("0x01"), error: "ReceiptProofReceiptNotSuccessful" },
      { name: "failed (status 0)", type: 0x02, outcome: 0, error: "ReceiptProofReceiptNotSuccessful" },
      { name: "OP deposit with depositNonce", type: 0x7e, outcome: 1, extra: [Uint8Array.of(9), Uint8Array.of(1)] },
    ];

    /** A block whose receipts are all MessageSent logs of `remote`, committed by a final mock checkpoint. */
    async function typedRelayFixture() {
      const [admin, sender] = await ethers.getSigners();
      const manager = await ethers.deployContract("MessengerCheckpointManagerMock", [31337n]);
      const messenger = await ethers.deployContract("Messenger", [admin.address, admin.address, await manager.getAddress()]);
      await messenger.setRemoteMessenger(remote);
      const receiver = await ethers.deployContract("MessageReceiver", [await messenger.getAddress()]);
      const topic = messenger.interface.getEvent("MessageSent").topicHash;
      const coder = ethers.AbiCoder.defaultAbiCoder();
      const target = await receiver.getAddress();

      const messages: MessageFields[] = receiptKinds.map((_, nonce) => ({
        nonce: BigInt(nonce),
        sender: sender.address,
        target,
        gasLimit: 200_000n,
        data: receiver.interface.encodeFunctionData("receiveMessage", [ethers.toBeHex(nonce + 1)]),
      }));
      const encoded = receiptKinds.map((kind, i) => {
        const m = messages[i];
        const log: SyntheticLog = {
          address: remote,
          topics: [topic, ethers.toBeHex(m.nonce, 32), ethers.zeroPadValue(m.sender, 32), ethers.zeroPadValue(m.target, 32)],
          data: coder.encode(["uint256", "bytes"], [m.gasLimit, m.data]),
        };
        return syntheticReceipt({ type: kind.type, outcome: kind.outcome, logs: [log], extraFields: kind.extra });
      });
      const trie = await ReceiptTrie.fromEncodedReceipts(encoded);
      const tree = buildCheckpointTree([
        { number: 1_000n, hash: ethers.keccak256("0xaa"), receiptsRoot: trie.root },
        { number: 1_001n, hash: ethers.keccak256("0xbb"), receiptsRoot: ethers.keccak256("0xcc") },
      ]);
      await manager.addCheckpoint(1_000n, 1_001n, tree.root, 0n);
      const proofs = [];
      for (let i = 0; i < encoded.length; i++) {
        const receiptProof = await trie.proof(i);
        proofs.push(buildExitProof({ checkpointId: 0, checkpointTree: tree, blockNumber: 1_000n, receiptProof, logIndex: 0 }));
      }
      return { messenger, receiver, messages, proofs };
    }

    it("relays the messages of receipts of every type, OP deposits included, and refuses pre-Byzantium and failed ones", async function () {
      const { messenger, receiver, messages, proofs } = await loadFixture(typedRelayFixture);
      let relayed = 0;
      for (const [i, kind] of receiptKinds.entries()) {
        if (kind.error !== undefined) {
          await expect(messenger.relayMessage(proofs[i]), kind.name).to.be.revertedWithCustomError(messenger, kind.error);
          continue;
        }
        await expect(messenger.relayMessage(proofs[i]), kind.name)
          .to.emit(messenger, "MessageRelayed")
          .withArgs(messageIdOf(31337n, 31337n, messages[i]), messages[i].nonce, messages[i].target);
        expect(await receiver.lastPayload()).to.equal(ethers.toBeHex(i + 1));
        relayed++;
      }
      expect(relayed).to.equal(7);
      expect(await receiver.calls()).to.equal(7);
    });
  });
});
