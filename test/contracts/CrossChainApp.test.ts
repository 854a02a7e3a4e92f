import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import { deliver, deploySystem } from "../helpers/fixture";
import type { CrossChainPinger } from "../../typechain-types";

describe("CrossChainApp", function () {
  /** A pinger on each side, wired to each other, plus a stranger app on the main chain. */
  async function appsFixture() {
    const system = await deploySystem();
    const [, , alice, bob] = await ethers.getSigners();
    const deploy = async (messenger: string) =>
      (await ethers.deployContract("CrossChainPinger", [messenger])) as unknown as CrossChainPinger;
    const mainApp = await deploy(await system.main.messenger.getAddress());
    const childApp = await deploy(await system.child.messenger.getAddress());
    const stranger = await deploy(await system.main.messenger.getAddress());
    await mainApp.setPeer(await childApp.getAddress());
    await childApp.setPeer(await mainApp.getAddress());
    await stranger.setPeer(await childApp.getAddress());
    return { system, mainApp, childApp, stranger, alice, bob };
  }

  /** The one `MessageFailed` of a relay: the id and the target's revert data. */
  async function failureOf(system: Awaited<ReturnType<typeof deploySystem>>, blockNumber: number) {
    const events = await system.child.messenger.queryFilter(system.child.messenger.filters.MessageFailed(), blockNumber);
    expect(events).to.have.length(1);
    return { messageId: events[0].args.messageId, reason: events[0].args.reason };
  }

  describe("constructor", function () {
    it("keeps the local messenger", async function () {
      const { system, childApp } = await loadFixture(appsFixture);
      expect(await childApp.messenger()).to.equal(await system.child.messenger.getAddress());
    });

    it("refuses the zero address (CrossChainAppZeroMessenger)", async function () {
      const factory = await ethers.getContractFactory("CrossChainPinger");
      await expect(ethers.deployContract("CrossChainPinger", [ethers.ZeroAddress])).to.be.revertedWithCustomError(
        factory,
        "CrossChainAppZeroMessenger",
      );
    });
  });

  describe("_sendCrossChain", function () {
    it("sends through the local messenger as the app and returns the id the other chain computes", async function () {
      const { system, mainApp, childApp, alice } = await loadFixture(appsFixture);
      const target = await childApp.getAddress();
      const data = childApp.interface.encodeFunctionData("ping", [7n]);
      const nonce = await system.main.messenger.nextNonce();
      const message = { nonce, sender: await mainApp.getAddress(), target, gasLimit: 150_000n, data };
      const expectedId = await system.child.messenger.incomingMessageId(message);

      expect(await mainApp.connect(alice).sendPing.staticCall(target, 7n, 150_000n)).to.equal(expectedId);
      await expect(mainApp.connect(alice).sendPing(target, 7n, 150_000n))
        .to.emit(system.main.messenger, "MessageSent")
        .withArgs(nonce, await mainApp.getAddress(), target, 150_000n, data)
        .and.to.emit(mainApp, "PingSent")
        .withArgs(expectedId, target, 7n);
    });

    it("sends calldata built in memory unchanged", async function () {
      const { system, mainApp, childApp } = await loadFixture(appsFixture);
      // Odd length, so a copy that rounded to words would show.
      const data = ethers.hexlify(ethers.randomBytes(101));
      await expect(mainApp.sendRaw(await childApp.getAddress(), data, 50_000n))
        .to.emit(system.main.messenger, "MessageSent")
        .withArgs(await system.main.messenger.nextNonce(), await mainApp.getAddress(), await childApp.getAddress(), 50_000n, data);
    });

    it("bubbles up the messenger's refusal (MessengerGasLimitTooHigh)", async function () {
      const { system, mainApp, childApp } = await loadFixture(appsFixture);
      const max = await system.main.messenger.MAX_GAS_LIMIT();
      await expect(mainApp.sendPing(await childApp.getAddress(), 1n, max + 1n))
        .to.be.revertedWithCustomError(system.main.messenger, "MessengerGasLimitTooHigh")
        .withArgs(max + 1n, max);
    });
  });

  describe("onlyCrossChain", function () {
    it("runs a message from the remote peer, which the app can read as _crossChainSender", async function () {
      const { system, mainApp, childApp } = await loadFixture(appsFixture);
      const sent = await (await mainApp.sendPing(await childApp.getAddress(), 5n, 150_000n)).wait();
      await deliver(system, system.main, system.child, sent!);
      expect(await childApp.total()).to.equal(5n);
      expect(await childApp.received()).to.equal(1n);
      expect(await childApp.lastRemoteSender()).to.equal(await mainApp.getAddress());
    });

    it("works the other way, child to main, with the same base", async function () {
      const { system, mainApp, childApp } = await loadFixture(appsFixture);
      const sent = await (await childApp.sendPing(await mainApp.getAddress(), 9n, 150_000n)).wait();
      await deliver(system, system.child, system.main, sent!);
      expect(await mainApp.total()).to.equal(9n);
      expect(await mainApp.lastRemoteSender()).to.equal(await childApp.getAddress());
    });

    it("refuses a direct call (CrossChainAppNotMessenger with the caller and the messenger)", async function () {
      const { system, childApp, alice } = await loadFixture(appsFixture);
      await expect(childApp.connect(alice).ping(1n))
        .to.be.revertedWithCustomError(childApp, "CrossChainAppNotMessenger")
        .withArgs(alice.address, await system.child.messenger.getAddress());
    });

    it("refuses a call from the messenger's address outside a message (the messenger's MessengerNoActiveMessage)", async function () {
      const { system, childApp } = await loadFixture(appsFixture);
      const messengerAddress = await system.child.messenger.getAddress();
      await network.provider.send("hardhat_impersonateAccount", [messengerAddress]);
      await setBalance(messengerAddress, ethers.parseEther("1"));
      try {
        const asMessenger = await ethers.getSigner(messengerAddress);
        await expect(childApp.connect(asMessenger).ping(1n)).to.be.revertedWithCustomError(
          system.child.messenger,
          "MessengerNoActiveMessage",
        );
      } finally {
        await network.provider.send("hardhat_stopImpersonatingAccount", [messengerAddress]);
      }
      expect(await childApp.received()).to.equal(0n);
    });

    it("fails a message from another sender (CrossChainAppWrongRemoteSender with both addresses)", async function () {
      const { system, mainApp, childApp, stranger } = await loadFixture(appsFixture);
      const sent = await (await stranger.sendPing(await childApp.getAddress(), 3n, 150_000n)).wait();
      const before = await ethers.provider.getBlockNumber();
      await deliver(system, system.main, system.child, sent!);

      const { reason } = await failureOf(system, before + 1);
      expect(reason).to.equal(
        childApp.interface.encodeErrorResult("CrossChainAppWrongRemoteSender", [
          await stranger.getAddress(),
          await mainApp.getAddress(),
        ]),
      );
      expect(await childApp.received()).to.equal(0n);
    });

    it("fails a message from an account that sends through the messenger itself", async function () {
      const { system, mainApp, childApp, bob } = await loadFixture(appsFixture);
      // An EOA can send any calldata; only the checked sender tells it apart from the peer.
      const data = childApp.interface.encodeFunctionData("ping", [1_000n]);
      const sent = await (await system.main.messenger.connect(bob).sendMessage(await childApp.getAddress(), data, 150_000n)).wait();
      const before = await ethers.provider.getBlockNumber();
      await deliver(system, system.main, system.child, sent!);

      const { reason } = await failureOf(system, before + 1);
      expect(reason).to.equal(
        childApp.interface.encodeErrorResult("CrossChainAppWrongRemoteSender", [bob.address, await mainApp.getAddress()]),
      );
      expect(await childApp.total()).to.equal(0n);
    });

    it("fails a message while the remote sender is unset (CrossChainAppRemoteSenderNotSet); it runs on retry once wired", async function () {
      const { system, mainApp, childApp } = await loadFixture(appsFixture);
      await childApp.setPeer(ethers.ZeroAddress);
      const sent = await (await mainApp.sendPing(await childApp.getAddress(), 4n, 150_000n)).wait();
      const before = await ethers.provider.getBlockNumber();
      await deliver(system, system.main, system.child, sent!);

      const { messageId, reason } = await failureOf(system, before + 1);
      expect(reason).to.equal(childApp.interface.encodeErrorResult("CrossChainAppRemoteSenderNotSet"));
      expect(await childApp.received()).to.equal(0n);

      await childApp.setPeer(await mainApp.getAddress());
      const [log] = await system.main.messenger.queryFilter(system.main.messenger.filters.MessageSent(), sent!.blockNumber, sent!.blockNumber);
      const message = { nonce: log.args.nonce, sender: log.args.sender, target: log.args.target, gasLimit: log.args.gasLimit, data: log.args.data };
      await expect(system.child.messenger.retryMessage(message))
        .to.emit(system.child.messenger, "MessageRelayed")
        .withArgs(messageId, message.nonce, await childApp.getAddress());
      expect(await childApp.total()).to.equal(4n);
    });
  });
});
