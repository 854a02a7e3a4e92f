import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { proveLog } from "../../relayer/src";
import { TestBridgeRelayLoopError, createTestBridge } from "../../relayer/src/testing";
import type { CrossChainPinger, MessageReceiver, ReentrantReceiver } from "../../typechain-types";

/** A pinger on each side, wired to each other, and a plain receiver on each side. */
async function appFixture() {
  const bridge = await createTestBridge(hre);
  const [, alice] = await ethers.getSigners();
  const deploy = async <T>(name: string, messenger: string) => (await ethers.deployContract(name, [messenger])) as unknown as T;
  const mainMessenger = await bridge.main.messenger.getAddress();
  const childMessenger = await bridge.child.messenger.getAddress();
  const mainPinger = await deploy<CrossChainPinger>("CrossChainPinger", mainMessenger);
  const childPinger = await deploy<CrossChainPinger>("CrossChainPinger", childMessenger);
  await mainPinger.setPeer(await childPinger.getAddress());
  await childPinger.setPeer(await mainPinger.getAddress());
  const mainReceiver = await deploy<MessageReceiver>("MessageReceiver", mainMessenger);
  const childReceiver = await deploy<MessageReceiver>("MessageReceiver", childMessenger);
  return { bridge, alice, mainPinger, childPinger, mainReceiver, childReceiver };
}

/** The message id a pinger's PingSent event reports for the transaction. */
async function pingId(pinger: CrossChainPinger, tx: Promise<{ wait(): Promise<{ logs: readonly unknown[] } | null> }>): Promise<string> {
  const receipt = await (await tx).wait();
  const event = receipt!.logs.map((log) => pinger.interface.parseLog(log as never)).find((e) => e?.name === "PingSent");
  return event!.args.messageId as string;
}

describe("testing: messages between contracts", function () {
  it("delivers a contract's message to a contract on the child side, and one back to the main side", async function () {
    const { bridge, alice, mainPinger, childPinger } = await loadFixture(appFixture);
    const toChild = await pingId(mainPinger, mainPinger.connect(alice).sendPing(await childPinger.getAddress(), 5n, 200_000n));
    const [down] = await bridge.relayAll();
    expect(down).to.include({ messageId: toChild, direction: "main->child", success: true, sender: await mainPinger.getAddress(), target: await childPinger.getAddress() });
    expect(await childPinger.total()).to.equal(5n);
    expect(await childPinger.lastRemoteSender()).to.equal(await mainPinger.getAddress());

    const toMain = await pingId(childPinger, childPinger.connect(alice).sendPing(await mainPinger.getAddress(), 3n, 200_000n));
    const [up] = await bridge.relayAll();
    expect(up).to.include({ messageId: toMain, direction: "child->main", success: true, sender: await childPinger.getAddress() });
    expect(await mainPinger.total()).to.equal(3n);
    expect(await mainPinger.lastRemoteSender()).to.equal(await childPinger.getAddress());
  });

  it("lists in pending() what was sent and not delivered, both directions in source order, with the fields as sent", async function () {
    const { bridge, alice, mainPinger, childPinger } = await loadFixture(appFixture);
    expect(await bridge.pending()).to.deep.equal([]);
    const first = await pingId(mainPinger, mainPinger.connect(alice).sendPing(await childPinger.getAddress(), 1n, 150_000n));
    const second = await pingId(childPinger, childPinger.connect(alice).sendPing(await mainPinger.getAddress(), 2n, 160_000n));
    const third = await pingId(mainPinger, mainPinger.connect(alice).sendPing(await childPinger.getAddress(), 3n, 170_000n));

    const pending = await bridge.pending();
    expect(pending.map((p) => [p.messageId, p.direction, p.nonce, p.gasLimit])).to.deep.equal([
      [first, "main->child", 0n, 150_000n],
      [second, "child->main", 0n, 160_000n],
      [third, "main->child", 1n, 170_000n],
    ]);
    expect(pending[1].data).to.equal(childPinger.interface.encodeFunctionData("ping", [2n]));
    expect(pending[1].sender).to.equal(await childPinger.getAddress());
    expect(pending[1].target).to.equal(await mainPinger.getAddress());
    expect(pending[0].blockNumber).to.be.lessThan(pending[1].blockNumber);

    // relayNext takes them one at a time, in that order.
    expect((await bridge.relayNext())?.messageId).to.equal(first);
    expect((await bridge.pending()).map((p) => p.messageId)).to.deep.equal([second, third]);
    expect((await bridge.relayNext())?.messageId).to.equal(second);
    expect((await bridge.relayNext())?.messageId).to.equal(third);
    expect(await bridge.relayNext()).to.equal(undefined);
    expect(await bridge.pending()).to.deep.equal([]);
    expect([await childPinger.total(), await mainPinger.total()]).to.deep.equal([4n, 2n]);
  });

  it("relays both directions in one relayAll: one checkpoint per side, one move of the shared clock", async function () {
    const { bridge, alice, mainPinger, childPinger } = await loadFixture(appFixture);
    await mainPinger.connect(alice).sendPing(await childPinger.getAddress(), 1n, 150_000n);
    await childPinger.connect(alice).sendPing(await mainPinger.getAddress(), 2n, 150_000n);
    await mainPinger.connect(alice).sendPing(await childPinger.getAddress(), 4n, 150_000n);
    const counts = async () => [await bridge.main.checkpointManager.checkpointCount(), await bridge.child.checkpointManager.checkpointCount()];
    const [mainBefore, childBefore] = await counts();
    const startedAt = await time.latest();

    const delivered = await bridge.relayAll();
    expect(delivered.map((d) => d.direction)).to.deep.equal(["main->child", "child->main", "main->child"]);
    expect(await counts()).to.deep.equal([mainBefore + 1n, childBefore + 1n]);
    const elapsed = BigInt((await time.latest()) - startedAt);
    expect(elapsed).to.be.greaterThanOrEqual(bridge.challengePeriod);
    expect(elapsed).to.be.lessThan(2n * bridge.challengePeriod);
    expect([await childPinger.total(), await mainPinger.total()]).to.deep.equal([5n, 2n]);
  });

  it("relays several messages of one transaction, each with its own proof", async function () {
    const { bridge, alice, childReceiver } = await loadFixture(appFixture);
    const batch = await ethers.deployContract("MessengerBatchSender");
    const payloads = ["0x01", "0x0202", "0x030303"];
    await batch.connect(alice).sendBatch(await bridge.main.messenger.getAddress(), await childReceiver.getAddress(), payloads.map((p) => childReceiver.interface.encodeFunctionData("receiveMessage", [p])), 200_000n);
    const pending = await bridge.pending();
    expect(new Set(pending.map((p) => p.txHash)).size).to.equal(1);
    const delivered = await bridge.relayAll();
    expect(delivered.map((d) => d.success)).to.deep.equal([true, true, true]);
    expect(await childReceiver.calls()).to.equal(3n);
    expect(await childReceiver.lastPayload()).to.equal("0x030303");
    expect(await childReceiver.lastRemoteSender()).to.equal(await batch.getAddress());
  });

  it("treats a message that someone relayed by hand as delivered, and reuses a checkpoint submitted by hand", async function () {
    const { bridge, alice, mainPinger, childPinger } = await loadFixture(appFixture);
    await mainPinger.connect(alice).sendPing(await childPinger.getAddress(), 1n, 150_000n);
    await mainPinger.connect(alice).sendPing(await childPinger.getAddress(), 2n, 150_000n);
    const [byHand, byKit] = await bridge.pending();

    const checkpoint = await bridge.submitCheckpoint({ to: "child" });
    await time.increase(bridge.challengePeriod);
    const proof = await proveLog(ethers.provider, { txHash: byHand.txHash, logIndex: byHand.logIndex, checkpoint });
    await bridge.child.messenger.connect(alice).relayMessage(proof);
    expect((await bridge.pending()).map((p) => p.messageId)).to.deep.equal([byKit.messageId]);

    const count = await bridge.child.checkpointManager.checkpointCount();
    const delivered = await bridge.relayAll();
    expect(delivered.map((d) => [d.messageId, d.checkpointId])).to.deep.equal([[byKit.messageId, checkpoint.id]]);
    expect(await bridge.child.checkpointManager.checkpointCount()).to.equal(count);
    expect(await childPinger.total()).to.equal(3n);
  });

  it("keeps relaying the messages that deliveries send, until none is left", async function () {
    const { bridge, alice, mainReceiver } = await loadFixture(appFixture);
    // On the child side a receiver that, when called, sends a message to the main side's receiver.
    const relay = (await ethers.deployContract("ReentrantReceiver", [await bridge.child.messenger.getAddress()])) as unknown as ReentrantReceiver;
    const reply = mainReceiver.interface.encodeFunctionData("receiveMessage", ["0xbeef"]);
    await relay.setReentryCall(bridge.child.messenger.interface.encodeFunctionData("sendMessage", [await mainReceiver.getAddress(), reply, 200_000n]));
    await bridge.main.messenger.connect(alice).sendMessage(await relay.getAddress(), relay.interface.encodeFunctionData("receiveMessage", ["0x"]), 300_000n);

    const delivered = await bridge.relayAll();
    expect(delivered.map((d) => d.direction)).to.deep.equal(["main->child", "child->main"]);
    expect(await relay.reentrySucceeded()).to.equal(true);
    expect(await mainReceiver.lastPayload()).to.equal("0xbeef");
    expect(await mainReceiver.lastRemoteSender()).to.equal(await relay.getAddress());
  });

  it("gives up with TestBridgeRelayLoopError after maxRounds when two contracts answer each other forever", async function () {
    const { bridge, alice } = await loadFixture(appFixture);
    const onMain = (await ethers.deployContract("ReentrantReceiver", [await bridge.main.messenger.getAddress()])) as unknown as ReentrantReceiver;
    const onChild = (await ethers.deployContract("ReentrantReceiver", [await bridge.child.messenger.getAddress()])) as unknown as ReentrantReceiver;
    const call = onMain.interface.encodeFunctionData("receiveMessage", ["0x"]);
    const sendTo = async (messenger: typeof bridge.main.messenger, to: ReentrantReceiver) =>
      messenger.interface.encodeFunctionData("sendMessage", [await to.getAddress(), call, 300_000n]);
    await onMain.setReentryCall(await sendTo(bridge.main.messenger, onChild));
    await onChild.setReentryCall(await sendTo(bridge.child.messenger, onMain));
    await bridge.main.messenger.connect(alice).sendMessage(await onChild.getAddress(), call, 300_000n);

    const error = await bridge.relayAll({ maxRounds: 3 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TestBridgeRelayLoopError);
    expect((error as TestBridgeRelayLoopError).code).to.equal("RELAY_LOOP");
    expect((error as TestBridgeRelayLoopError).delivered.map((d) => d.direction)).to.deep.equal(["main->child", "child->main", "main->child"]);
    expect(await bridge.pending()).to.have.length(1);
  });
});
