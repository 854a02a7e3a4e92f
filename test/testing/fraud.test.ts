import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet, keccak256, toUtf8Bytes } from "ethers";
import { TestBridgeCheckpointMismatchError, TestBridgeTransactionError, createTestBridge } from "../../relayer/src/testing";
import type { MessageReceiver } from "../../typechain-types";

const Fraud = { BadSignature: 0n, HeaderMismatch: 1n };

async function fraudFixture() {
  const bridge = await createTestBridge(hre);
  const [, alice, challenger] = await ethers.getSigners();
  const receiver = (await ethers.deployContract("MessageReceiver", [await bridge.child.messenger.getAddress()])) as unknown as MessageReceiver;
  const call = receiver.interface.encodeFunctionData("receiveMessage", ["0x5e"]);
  await bridge.main.messenger.connect(alice).sendMessage(await receiver.getAddress(), call, 200_000n);
  const [message] = await bridge.pending();
  return { bridge, alice, challenger, receiver, message };
}

describe("testing: fraud tests with checkpoints submitted by hand", function () {
  it("exposes the test validators: the keys of the validator set on both sides, in its order", async function () {
    const { bridge } = await loadFixture(fraudFixture);
    const [addresses] = await bridge.child.validatorSet.validators();
    expect(bridge.validators.map((v) => v.address)).to.deep.equal([...addresses]);
    const [mainAddresses] = await bridge.main.validatorSet.validators();
    expect([...mainAddresses]).to.deep.equal([...addresses]);
    expect(bridge.validators).to.have.length(4);
  });

  it("submits an honest checkpoint by hand, signed by the fewest validators that reach the threshold", async function () {
    const { bridge, message } = await loadFixture(fraudFixture);
    const checkpoint = await bridge.submitCheckpoint({ to: "child" });
    // The child side checkpoints the main chain's blocks from the first one of the deployment.
    expect(checkpoint.startBlock).to.equal(BigInt(bridge.main.deployBlock));
    expect(checkpoint.endBlock).to.be.greaterThanOrEqual(BigInt(message.blockNumber));
    expect(checkpoint.attestation.signers).to.equal("0x000102");
    expect(await bridge.child.checkpointManager.getCheckpoint(checkpoint.id)).to.deep.equal([checkpoint.startBlock, checkpoint.endBlock, checkpoint.blockRoot, checkpoint.finalizesAt]);
    // The kit relays through it rather than submitting another.
    const [delivered] = await bridge.relayAll();
    expect(delivered.checkpointId).to.equal(checkpoint.id);
    expect(await bridge.child.checkpointManager.checkpointCount()).to.equal(checkpoint.id + 1n);
  });

  it("forges a signature with a stranger's key; the challenge reverts the checkpoint, slashes the kit's relayer, and relaying still works", async function () {
    const { bridge, challenger, receiver } = await loadFixture(fraudFixture);
    const stranger = new Wallet(keccak256(toUtf8Bytes("not a validator")));
    const [v0, v1] = bridge.validators;
    const forged = await bridge.submitCheckpoint({ to: "child", signerIndices: [0, 1, 2], signingKeys: [v0, v1, stranger] });

    const manager = bridge.child.checkpointManager;
    await expect(manager.connect(challenger).challengeSignature(forged.id, forged.attestation, 1)).to.be.revertedWithCustomError(manager, "CheckpointManagerSignatureValid");
    await expect(manager.connect(challenger).challengeSignature(forged.id, forged.attestation, 2))
      .to.emit(manager, "CheckpointsReverted")
      .withArgs(forged.id, forged.id + 1n, challenger.address, Fraud.BadSignature);
    const relayer = await bridge.child.relayer.getAddress();
    expect((await manager.bondOf(relayer))[0]).to.equal(0n);
    expect(await manager.checkpointCount()).to.equal(forged.id);

    // The kit bonds again and submits an honest checkpoint in place of the reverted one.
    const [delivered] = await bridge.relayAll();
    expect(delivered.success).to.equal(true);
    expect(delivered.checkpointId).to.equal(forged.id);
    expect((await manager.bondOf(relayer))[0]).to.equal(bridge.minBond);
    expect(await receiver.lastPayload()).to.equal("0x5e");
  });

  it("forges a block's receipts root; relayAll refuses to relay through it, and a header challenge with the revealed block reverts it", async function () {
    const { bridge, challenger, message, receiver } = await loadFixture(fraudFixture);
    const fakeRoot = keccak256(toUtf8Bytes("receipts that never were"));
    const forged = await bridge.submitCheckpoint({
      to: "child",
      leaves: (leaf) => (leaf.number === BigInt(message.blockNumber) ? { ...leaf, receiptsRoot: fakeRoot } : leaf),
    });
    expect(forged.tree.leafFor(message.blockNumber).receiptsRoot).to.equal(fakeRoot);

    const refused = await bridge.relayAll().catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(TestBridgeCheckpointMismatchError);
    expect((refused as TestBridgeCheckpointMismatchError).checkpointId).to.equal(forged.id);

    const revealed = await forged.reveal(message.blockNumber);
    expect(keccak256(revealed.header)).to.equal(revealed.leaf.hash);
    const manager = bridge.child.checkpointManager;
    await expect(manager.connect(challenger).challengeHeader(forged.id, forged.attestation, revealed))
      .to.emit(manager, "CheckpointsReverted")
      .withArgs(forged.id, forged.id + 1n, challenger.address, Fraud.HeaderMismatch);

    const [delivered] = await bridge.relayAll();
    expect(delivered.messageId).to.equal(message.messageId);
    expect(await receiver.calls()).to.equal(1n);
  });

  it("submits to the main side too, and surfaces the manager's own error for a range that is not contiguous", async function () {
    const { bridge } = await loadFixture(fraudFixture);
    const next = await bridge.main.checkpointManager.nextStartBlock();
    const error = await bridge.submitCheckpoint({ to: "main", startBlock: next + 1n }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TestBridgeTransactionError);
    expect((error as TestBridgeTransactionError).reason).to.equal(`reverted with custom error CheckpointManagerNotContiguous(${next}, ${next + 1n})`);
    const quorum = await bridge.submitCheckpoint({ to: "main", signerIndices: [0, 1] }).catch((e: unknown) => e);
    expect((quorum as TestBridgeTransactionError).reason).to.equal("reverted with custom error CheckpointManagerQuorumNotReached(2, 3)");
    const honest = await bridge.submitCheckpoint({ to: "main" });
    expect(honest.startBlock).to.equal(next);
  });
});
