import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, Interface, concat } from "ethers";
import { TestBridgeRelayError, TestBridgeTransactionError, createTestBridge, type TestBridge } from "../../relayer/src/testing";
import type { CrossChainPinger, MessageReceiver } from "../../typechain-types";

/** Errors of an app the kit's project does not compile: decodable only once registered. */
const SHOP_ERRORS = new Interface(["error ShopOrderRejected(uint256 orderId, string why, address customer)"]);
const MessageStatus = { Relayed: 1n, Failed: 2n };

async function failureFixture() {
  const bridge = await createTestBridge(hre);
  const [, alice, bob] = await ethers.getSigners();
  const receiver = (await ethers.deployContract("MessageReceiver", [await bridge.child.messenger.getAddress()])) as unknown as MessageReceiver;
  return { bridge, alice, bob, receiver };
}

/** Sends from the main side a message that makes the child-side receiver revert with `revertData`. */
async function sendReverting(bridge: TestBridge, receiver: MessageReceiver, revertData: string, from = 1): Promise<void> {
  const signers = await ethers.getSigners();
  const call = receiver.interface.encodeFunctionData("revertWith", [revertData]);
  await bridge.main.messenger.connect(signers[from]).sendMessage(await receiver.getAddress(), call, 200_000n);
}

async function sendReceived(bridge: TestBridge, receiver: MessageReceiver, payload: string): Promise<void> {
  const [, alice] = await ethers.getSigners();
  await bridge.main.messenger.connect(alice).sendMessage(await receiver.getAddress(), receiver.interface.encodeFunctionData("receiveMessage", [payload]), 200_000n);
}

function errorString(reason: string): string {
  return concat(["0x08c379a0", AbiCoder.defaultAbiCoder().encode(["string"], [reason])]);
}

async function relayError(run: Promise<unknown>): Promise<TestBridgeRelayError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "relayAll should have thrown").to.be.instanceOf(TestBridgeRelayError);
  return error as TestBridgeRelayError;
}

describe("testing: a target that reverts", function () {
  it("makes relayAll throw TestBridgeRelayError naming the target and the string reason", async function () {
    const { bridge, receiver } = await loadFixture(failureFixture);
    await sendReverting(bridge, receiver, errorString("sold out"));
    const error = await relayError(bridge.relayAll());
    expect(error.code).to.equal("TARGET_REVERTED");
    expect(error.message).to.include(await receiver.getAddress()).and.include('reverted with reason "sold out"');
    expect(error.failed).to.include({ success: false, target: await receiver.getAddress(), revertReason: 'reverted with reason "sold out"', revertData: errorString("sold out") });
    expect(error.delivered).to.deep.equal([error.failed]);
    // Not lost: the messenger recorded it failed, and it is no longer pending.
    const [message] = (await bridge.child.messenger.queryFilter(bridge.child.messenger.filters.MessageFailed())).map((e) => e.args);
    expect(message.messageId).to.equal(error.failed.messageId);
    expect(await bridge.pending()).to.deep.equal([]);
  });

  it("decodes the custom error of a contract of the project, with its arguments", async function () {
    const { bridge, alice } = await loadFixture(failureFixture);
    // A pinger on the child side wired to a peer that is not the sender: onlyCrossChain refuses.
    const childPinger = (await ethers.deployContract("CrossChainPinger", [await bridge.child.messenger.getAddress()])) as unknown as CrossChainPinger;
    const peer = (await ethers.deployContract("CrossChainPinger", [await bridge.main.messenger.getAddress()])) as unknown as CrossChainPinger;
    const stranger = (await ethers.deployContract("CrossChainPinger", [await bridge.main.messenger.getAddress()])) as unknown as CrossChainPinger;
    await childPinger.setPeer(await peer.getAddress());
    await stranger.connect(alice).sendPing(await childPinger.getAddress(), 1n, 200_000n);

    const error = await relayError(bridge.relayAll());
    expect(error.failed.revertReason).to.equal(`reverted with custom error CrossChainAppWrongRemoteSender(${await stranger.getAddress()}, ${await peer.getAddress()})`);
  });

  it("decodes Panic(uint256) with its meaning, and a bare revert as having no data", async function () {
    const { bridge, receiver } = await loadFixture(failureFixture);
    await sendReverting(bridge, receiver, concat(["0x4e487b71", AbiCoder.defaultAbiCoder().encode(["uint256"], [0x11])]));
    await sendReverting(bridge, receiver, "0x");
    const delivered = await bridge.relayAll({ allowFailures: true });
    expect(delivered.map((d) => d.revertReason)).to.deep.equal([
      "panicked with 0x11 (arithmetic underflow or overflow)",
      "reverted without revert data (out of gas, or a bare revert())",
    ]);
  });

  it("decodes the custom errors of an ABI registered with registerAbi or the abis option, and names an unknown selector", async function () {
    const { bridge, receiver } = await loadFixture(failureFixture);
    const rejected = SHOP_ERRORS.encodeErrorResult("ShopOrderRejected", [7n, "out of stock", receiver.target]);
    await sendReverting(bridge, receiver, rejected);
    const [unknown] = await bridge.relayAll({ allowFailures: true });
    expect(unknown.revertReason).to.equal("reverted with unknown custom error 0x" + rejected.slice(2, 10) + " (register its ABI with bridge.registerAbi)");

    bridge.registerAbi(SHOP_ERRORS);
    expect(await bridge.decodeRevert(rejected)).to.equal(`reverted with custom error ShopOrderRejected(7, "out of stock", ${receiver.target})`);
    const withOption = await createTestBridge(hre, { abis: [["error ShopOrderRejected(uint256 orderId, string why, address customer)"]] });
    expect(await withOption.decodeRevert(rejected)).to.equal(await bridge.decodeRevert(rejected));
  });

  it("shows what survives of a reason longer than the messenger keeps", async function () {
    const { bridge, receiver } = await loadFixture(failureFixture);
    const long = "x".repeat(300);
    await sendReverting(bridge, receiver, errorString(long));
    const [failed] = await bridge.relayAll({ allowFailures: true });
    expect(ethers.dataLength(failed.revertData!)).to.equal(256);
    // 256 bytes: selector, offset and length words, then 188 of the 300 characters.
    expect(failed.revertReason).to.equal(`reverted with reason "${"x".repeat(188)}…" (revert data cut to 256 bytes)`);
  });

  it("with allowFailures returns the failed messages beside the delivered ones and goes on relaying", async function () {
    const { bridge, receiver } = await loadFixture(failureFixture);
    const refusing = (await ethers.deployContract("MessageReceiver", [await bridge.child.messenger.getAddress()])) as unknown as MessageReceiver;
    await refusing.setShouldRevert(true);
    await sendReceived(bridge, refusing, "0x01");
    await sendReceived(bridge, receiver, "0x02");
    await sendReverting(bridge, receiver, errorString("later"));
    await sendReceived(bridge, receiver, "0x04");

    const delivered = await bridge.relayAll({ allowFailures: true });
    expect(delivered.map((d) => d.success)).to.deep.equal([false, true, false, true]);
    expect(delivered.map((d) => d.revertReason)).to.deep.equal(["reverted with custom error MessageReceiverRefused()", undefined, 'reverted with reason "later"', undefined]);
    expect(await receiver.calls()).to.equal(2n);
    expect(await bridge.pending()).to.deep.equal([]);
  });

  it("without allowFailures stops at the failure: earlier results are on the error, later messages stay pending", async function () {
    const { bridge, receiver } = await loadFixture(failureFixture);
    await sendReceived(bridge, receiver, "0x01");
    await sendReverting(bridge, receiver, errorString("no"));
    await sendReceived(bridge, receiver, "0x03");

    const error = await relayError(bridge.relayAll());
    expect(error.delivered.map((d) => d.success)).to.deep.equal([true, false]);
    expect(error.remaining).to.equal(1);
    expect(error.message).to.include("1 more pending message(s) not relayed");
    const [left] = await bridge.pending();
    expect(left.data).to.equal(receiver.interface.encodeFunctionData("receiveMessage", ["0x03"]));

    const rest = await bridge.relayAll();
    expect(rest.map((d) => d.messageId)).to.deep.equal([left.messageId]);
    expect(await receiver.calls()).to.equal(2n);
  });

  it("throws from relayNext too, and leaves the message retryable on chain", async function () {
    const { bridge, alice, receiver } = await loadFixture(failureFixture);
    await receiver.setShouldRevert(true);
    await sendReceived(bridge, receiver, "0xaa");
    const error = await relayError(bridge.relayNext());
    expect(error.failed.revertReason).to.equal("reverted with custom error MessageReceiverRefused()");

    const fields = { nonce: error.failed.nonce, sender: error.failed.sender, target: error.failed.target, gasLimit: error.failed.gasLimit, data: error.failed.data };
    expect(await bridge.child.messenger.messageStatus(fields)).to.equal(MessageStatus.Failed);
    await receiver.setShouldRevert(false);
    await bridge.child.messenger.connect(alice).retryMessage(fields);
    expect(await bridge.child.messenger.messageStatus(fields)).to.equal(MessageStatus.Relayed);
    expect(await receiver.lastPayload()).to.equal("0xaa");
  });

  it("reports a relay the messenger refuses with the messenger's own error (a paused messenger)", async function () {
    const { bridge, receiver } = await loadFixture(failureFixture);
    await sendReceived(bridge, receiver, "0x01");
    await bridge.child.messenger.pause();
    const error = await bridge.relayAll().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TestBridgeTransactionError);
    expect((error as TestBridgeTransactionError).reason).to.equal("reverted with custom error EnforcedPause()");
    await bridge.child.messenger.unpause();
    expect(await bridge.relayAll()).to.have.length(1);
  });
});
