import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  Lane,
  MessageStatus,
  NATIVE_TOKEN,
  bridgeFixture,
  bridgeWithStub,
  childTokenOf,
  encodeMetadata,
  mined,
  onlyMessage,
  revertDataAtDepth,
} from "../helpers/bridges";

const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;

/** alice holds child tokens of ETH (2 ETH) and of the plain fixture token (1,000,000). */
async function depositedFixture() {
  const fixture = await bridgeFixture();
  const { system, alice, token } = fixture;
  const deposits = Lane.deposits(system);
  await deposits.relay(await mined(system.rootBridge.connect(alice).depositETH(alice.address, { value: ethers.parseEther("2") })));
  await deposits.relay(await mined(system.rootBridge.connect(alice).depositERC20(await token.getAddress(), alice.address, 1_000_000n)));
  const childEth = await childTokenOf(system.childBridge, NATIVE_TOKEN);
  const childToken = await childTokenOf(system.childBridge, await token.getAddress());
  return { ...fixture, childEth, childToken };
}

/** A child bridge wired to a stub messenger whose remote sender is `remote`, itself set as counterpart. */
async function stubbedChildBridgeFixture() {
  const fixture = await bridgeFixture();
  const remote = fixture.system.users[7].address;
  const { stub, bridge } = await bridgeWithStub("ChildBridge", fixture.system.admin);
  await bridge.setCounterpart(remote);
  await stub.setRemoteSender(remote);
  return { ...fixture, stub, bridge, remote };
}

describe("ChildBridge", function () {
  describe("deployment", function () {
    it("is wired to the child messenger and the root bridge", async function () {
      const { system } = await loadFixture(bridgeFixture);
      expect(await system.childBridge.messenger()).to.equal(await system.child.messenger.getAddress());
      expect(await system.childBridge.counterpart()).to.equal(await system.rootBridge.getAddress());
      expect(await system.childBridge.hasRole(DEFAULT_ADMIN_ROLE, system.admin.address)).to.equal(true);
      expect(await system.childBridge.version()).to.equal("0.1.0");
      expect(await system.childBridge.FINALIZE_GAS_LIMIT()).to.equal(200_000n);
    });

  });

  describe("finalizeDeposit", function () {
    it("rejects a direct call", async function () {
      const { system, alice } = await loadFixture(bridgeFixture);
      await expect(
        system.childBridge
          .connect(alice)
          .finalizeDeposit(NATIVE_TOKEN, alice.address, alice.address, 1n, encodeMetadata("Ether", "ETH", 18)),
      )
        .to.be.revertedWithCustomError(system.childBridge, "TokenBridgeNotFromCounterpart")
        .withArgs(alice.address, ethers.ZeroAddress);
    });

    it("rejects a call from the messenger carrying a message of another remote sender", async function () {
      const { stub, bridge, carol } = await loadFixture(stubbedChildBridgeFixture);
      await stub.setRemoteSender(carol.address);
      const call = bridge.interface.encodeFunctionData("finalizeDeposit", [
        NATIVE_TOKEN,
        carol.address,
        carol.address,
        1n,
        encodeMetadata("Ether", "ETH", 18),
      ]);
      await expect(stub.forward(await bridge.getAddress(), call))
        .to.be.revertedWithCustomError(bridge, "TokenBridgeNotFromCounterpart")
        .withArgs(await stub.getAddress(), carol.address);
    });

    it("rejects every message while no counterpart is set, even one from the zero sender", async function () {
      const { system, carol } = await loadFixture(bridgeFixture);
      const { stub, bridge } = await bridgeWithStub("ChildBridge", system.admin);
      const call = bridge.interface.encodeFunctionData("finalizeDeposit", [NATIVE_TOKEN, carol.address, carol.address, 1n, "0x"]);
      await expect(stub.forward(await bridge.getAddress(), call))
        .to.be.revertedWithCustomError(bridge, "TokenBridgeNotFromCounterpart")
        .withArgs(await stub.getAddress(), ethers.ZeroAddress);
    });

    it("deploys the child token at the predicted address on a deposit carrying metadata, then mints", async function () {
      const { stub, bridge, alice, bob, token } = await loadFixture(stubbedChildBridgeFixture);
      const root = await token.getAddress();
      const predicted = await bridge.predictChildToken(root);
      const call = bridge.interface.encodeFunctionData("finalizeDeposit", [
        root,
        alice.address,
        bob.address,
        77n,
        encodeMetadata("Some Name", "SOME", 9),
      ]);
      const tx = stub.forward(await bridge.getAddress(), call);
      await expect(tx).to.emit(bridge, "ChildTokenDeployed").withArgs(root, predicted, "Some Name", "SOME", 9);
      await expect(tx).to.emit(bridge, "DepositFinalized").withArgs(root, predicted, alice.address, bob.address, 77n);
      expect(await bridge.childTokenOf(root)).to.equal(predicted);
      expect(await bridge.rootTokenOf(predicted)).to.equal(root);
      const child = await ethers.getContractAt("ChildERC20", predicted);
      expect(await child.name()).to.equal("Some Name");
      expect(await child.symbol()).to.equal("SOME");
      expect(await child.decimals()).to.equal(9n);
      expect(await child.balanceOf(bob.address)).to.equal(77n);
    });

    it("mints into the deployed token and ignores metadata on later deposits", async function () {
      const { stub, bridge, alice, token } = await loadFixture(stubbedChildBridgeFixture);
      const root = await token.getAddress();
      const target = await bridge.getAddress();
      await stub.forward(
        target,
        bridge.interface.encodeFunctionData("finalizeDeposit", [root, alice.address, alice.address, 1n, encodeMetadata("A", "A", 1)]),
      );
      const later = stub.forward(
        target,
        bridge.interface.encodeFunctionData("finalizeDeposit", [root, alice.address, alice.address, 2n, encodeMetadata("B", "B", 2)]),
      );
      await expect(later).not.to.emit(bridge, "ChildTokenDeployed");
      const child = await ethers.getContractAt("ChildERC20", await bridge.childTokenOf(root));
      expect(await child.name()).to.equal("A");
      expect(await child.decimals()).to.equal(1n);
      expect(await child.balanceOf(alice.address)).to.equal(3n);
    });

    it("rejects a deposit without metadata of a token that is not deployed yet", async function () {
      const { stub, bridge, alice, token } = await loadFixture(stubbedChildBridgeFixture);
      const root = await token.getAddress();
      const call = bridge.interface.encodeFunctionData("finalizeDeposit", [root, alice.address, alice.address, 1n, "0x"]);
      await expect(stub.forward(await bridge.getAddress(), call))
        .to.be.revertedWithCustomError(bridge, "ChildBridgeTokenNotDeployed")
        .withArgs(root);
    });

    it("fails a deposit that overtook its token's first deposit, and mints it on retry once the first has arrived", async function () {
      const { system, alice, bob, token } = await loadFixture(bridgeFixture);
      const deposits = Lane.deposits(system);
      const root = await token.getAddress();
      const first = await mined(system.rootBridge.connect(alice).depositERC20(root, alice.address, 100n));
      const later = await mined(system.rootBridge.connect(alice).depositERC20(root, bob.address, 40n));
      const firstMessage = await onlyMessage(system.main.messenger, first);
      const laterMessage = await onlyMessage(system.main.messenger, later);

      // The later deposit is relayed first: its call fails, the message is kept as failed.
      const overtaking = await deposits.relay(later);
      await expect(overtaking)
        .to.emit(system.child.messenger, "MessageFailed")
        .withArgs(
          await deposits.idOf(laterMessage),
          laterMessage.nonce,
          laterMessage.target,
          system.childBridge.interface.encodeErrorResult("ChildBridgeTokenNotDeployed", [root]),
        );
      expect(await deposits.statusOf(laterMessage)).to.equal(MessageStatus.Failed);
      expect(await system.childBridge.childTokenOf(root)).to.equal(ethers.ZeroAddress);

      // Retrying before the first deposit arrives fails for the same reason.
      const earlyRetry = await deposits.retry(laterMessage);
      expect(await revertDataAtDepth(earlyRetry.hash)).to.equal(
        system.childBridge.interface.encodeErrorResult("ChildBridgeTokenNotDeployed", [root]),
      );
      expect(await deposits.statusOf(laterMessage)).to.equal(MessageStatus.Failed);
      // A failed message is retried, never relayed again.
      await expect(deposits.relay(later))
        .to.be.revertedWithCustomError(system.child.messenger, "MessengerMessageFailed")
        .withArgs(await deposits.idOf(laterMessage));

      await deposits.relay(first);
      expect(await deposits.statusOf(firstMessage)).to.equal(MessageStatus.Relayed);
      const child = await childTokenOf(system.childBridge, root);

      const retry = await deposits.retry(laterMessage);
      await expect(retry)
        .to.emit(system.childBridge, "DepositFinalized")
        .withArgs(root, await child.getAddress(), alice.address, bob.address, 40n);
      expect(await deposits.statusOf(laterMessage)).to.equal(MessageStatus.Relayed);
      expect(await child.balanceOf(alice.address)).to.equal(100n);
      expect(await child.balanceOf(bob.address)).to.equal(40n);
      expect(await child.totalSupply()).to.equal(await token.balanceOf(system.lockbox));
    });

    it("ignores a deposit message from another sender on the main chain: the message fails and nothing is minted", async function () {
      const { system, carol } = await loadFixture(bridgeFixture);
      const deposits = Lane.deposits(system);
      const forged = system.childBridge.interface.encodeFunctionData("finalizeDeposit", [
        NATIVE_TOKEN,
        carol.address,
        carol.address,
        ethers.parseEther("1000"),
        encodeMetadata("Ether", "ETH", 18),
      ]);
      const receipt = await mined(
        system.main.messenger.connect(carol).sendMessage(await system.childBridge.getAddress(), forged, 3_000_000n),
      );
      const message = await onlyMessage(system.main.messenger, receipt);

      const relay = await deposits.relay(receipt);
      await expect(relay)
        .to.emit(system.child.messenger, "MessageFailed")
        .withArgs(
          await deposits.idOf(message),
          message.nonce,
          message.target,
          system.childBridge.interface.encodeErrorResult("TokenBridgeNotFromCounterpart", [await system.child.messenger.getAddress(), carol.address]),
        );
      await expect(relay).not.to.emit(system.childBridge, "DepositFinalized");
      expect(await deposits.statusOf(message)).to.equal(MessageStatus.Failed);
      expect(await system.childBridge.childTokenOf(NATIVE_TOKEN)).to.equal(ethers.ZeroAddress);
      expect(await ethers.provider.getCode(await system.childBridge.predictChildToken(NATIVE_TOKEN))).to.equal("0x");

      const retry = await deposits.retry(message);
      expect(await revertDataAtDepth(retry.hash)).to.equal(
        system.childBridge.interface.encodeErrorResult("TokenBridgeNotFromCounterpart", [
          await system.child.messenger.getAddress(),
          carol.address,
        ]),
      );
      expect(await system.childBridge.childTokenOf(NATIVE_TOKEN)).to.equal(ethers.ZeroAddress);
    });

    // OpenZeppelin 5.7's EIP712 keeps its name in a ShortString (at most 31 bytes): the child token
    // cuts its permit domain name to 31 bytes and keeps the whole name as its ERC20 name.
    describe("root tokens with a name longer than 31 bytes", function () {
      const longName = "An ERC20 token with a 32-byte nm";

      it("deploys the child token with the whole name and a permit domain cut to 31 bytes", async function () {
        const { stub, bridge, alice, token } = await loadFixture(stubbedChildBridgeFixture);
        expect(ethers.toUtf8Bytes(longName).length).to.equal(32);
        const call = bridge.interface.encodeFunctionData("finalizeDeposit", [
          await token.getAddress(),
          alice.address,
          alice.address,
          1n,
          encodeMetadata(longName, "LONG", 18),
        ]);
        await stub.forward(await bridge.getAddress(), call);
        const child = await ethers.getContractAt("ChildERC20", await bridge.childTokenOf(await token.getAddress()));
        expect(await child.name()).to.equal(longName);
        expect((await child.eip712Domain()).name).to.equal(longName.slice(0, 31));
        expect(await child.balanceOf(alice.address)).to.equal(1n);
      });

      it("bridges every deposit of such a token, cutting names over 64 bytes", async function () {
        const { system, alice } = await loadFixture(bridgeFixture);
        const deposits = Lane.deposits(system);
        const long = await ethers.deployContract("BridgeLongNameToken", [300n]);
        const root = await long.getAddress();
        await long.mint(alice.address, 1_000n);
        await long.connect(alice).approve(await system.rootBridge.getAddress(), 1_000n);
        const first = await mined(system.rootBridge.connect(alice).depositERC20(root, alice.address, 600n));
        const later = await mined(system.rootBridge.connect(alice).depositERC20(root, alice.address, 400n));

        await deposits.relay(first);
        await deposits.relay(later);
        expect(await deposits.statusOf(await onlyMessage(system.main.messenger, first))).to.equal(MessageStatus.Relayed);
        expect(await deposits.statusOf(await onlyMessage(system.main.messenger, later))).to.equal(MessageStatus.Relayed);
        const child = await ethers.getContractAt("ChildERC20", await system.childBridge.childTokenOf(root));
        expect(await child.balanceOf(alice.address)).to.equal(1_000n);
        expect(await child.name()).to.equal((await long.name()).slice(0, 64));
        expect(await long.balanceOf(system.lockbox)).to.equal(1_000n);
      });
    });
  });

  describe("withdraw", function () {
    it("burns the caller's tokens and sends their release to the root bridge", async function () {
      const { system, alice, bob, token, childToken } = await loadFixture(depositedFixture);
      const root = await token.getAddress();
      const childAddress = await childToken.getAddress();
      const amount = 300_000n;
      const expectedId = await system.childBridge.connect(alice).withdraw.staticCall(childAddress, bob.address, amount);

      const tx = system.childBridge.connect(alice).withdraw(childAddress, bob.address, amount);
      await expect(tx).to.changeTokenBalances(childToken, [alice, bob], [-amount, 0n]);
      await expect(tx).to.emit(childToken, "Transfer").withArgs(alice.address, ethers.ZeroAddress, amount);
      await expect(tx)
        .to.emit(system.childBridge, "WithdrawalInitiated")
        .withArgs(root, childAddress, alice.address, bob.address, amount, expectedId);
      const message = await onlyMessage(system.child.messenger, await mined(tx));
      expect(await system.main.messenger.incomingMessageId(message)).to.equal(expectedId);
      expect(message.sender).to.equal(await system.childBridge.getAddress());
      expect(message.target).to.equal(await system.rootBridge.getAddress());
      expect(message.gasLimit).to.equal(200_000n);
      expect(message.data).to.equal(
        system.rootBridge.interface.encodeFunctionData("finalizeWithdrawal", [root, alice.address, bob.address, amount]),
      );
      expect(await childToken.totalSupply()).to.equal(1_000_000n - amount);
    });

    it("burns the child token of ETH and releases it on the main chain", async function () {
      const { system, alice, bob, childEth } = await loadFixture(depositedFixture);
      const amount = ethers.parseEther("0.5");
      const receipt = await mined(system.childBridge.connect(alice).withdraw(await childEth.getAddress(), bob.address, amount));
      expect(await childEth.balanceOf(alice.address)).to.equal(ethers.parseEther("1.5"));
      await expect(Lane.withdrawals(system).relay(receipt)).to.changeEtherBalances([bob, system.rootBridge], [amount, -amount]);
    });

    it("rejects a zero amount", async function () {
      const { system, alice, childToken } = await loadFixture(depositedFixture);
      await expect(
        system.childBridge.connect(alice).withdraw(await childToken.getAddress(), alice.address, 0n),
      ).to.be.revertedWithCustomError(system.childBridge, "ChildBridgeZeroAmount");
    });

    it("rejects the zero receiver", async function () {
      const { system, alice, childToken } = await loadFixture(depositedFixture);
      await expect(
        system.childBridge.connect(alice).withdraw(await childToken.getAddress(), ethers.ZeroAddress, 1n),
      ).to.be.revertedWithCustomError(system.childBridge, "ChildBridgeZeroAddress");
    });

    it("rejects a token it did not deploy, even the root token or the native sentinel", async function () {
      const { system, alice, token } = await loadFixture(depositedFixture);
      const impostor = await ethers.deployContract("TestERC20", ["Test Token", "TST", 6]);
      for (const unknown of [await impostor.getAddress(), await token.getAddress(), NATIVE_TOKEN, ethers.ZeroAddress]) {
        await expect(system.childBridge.connect(alice).withdraw(unknown, alice.address, 1n))
          .to.be.revertedWithCustomError(system.childBridge, "ChildBridgeUnknownToken")
          .withArgs(unknown);
      }
    });

    it("reverts when the caller holds less than the amount, and sends nothing", async function () {
      const { system, alice, bob, childToken } = await loadFixture(depositedFixture);
      const childAddress = await childToken.getAddress();
      const nonce = await system.child.messenger.nextNonce();
      await expect(system.childBridge.connect(alice).withdraw(childAddress, alice.address, 1_000_001n))
        .to.be.revertedWithCustomError(childToken, "ERC20InsufficientBalance")
        .withArgs(alice.address, 1_000_000n, 1_000_001n);
      await expect(system.childBridge.connect(bob).withdraw(childAddress, bob.address, 1n))
        .to.be.revertedWithCustomError(childToken, "ERC20InsufficientBalance")
        .withArgs(bob.address, 0n, 1n);
      expect(await system.child.messenger.nextNonce()).to.equal(nonce);
      expect(await childToken.totalSupply()).to.equal(1_000_000n);
    });
  });

  describe("predictChildToken", function () {
    it("is the CREATE2 address of ChildERC20 salted with the root token alone", async function () {
      const { system, token } = await loadFixture(depositedFixture);
      const initCodeHash = ethers.keccak256((await ethers.getContractFactory("ChildERC20")).bytecode);
      for (const root of [NATIVE_TOKEN, await token.getAddress(), system.users[9].address]) {
        expect(await system.childBridge.predictChildToken(root)).to.equal(
          ethers.getCreate2Address(await system.childBridge.getAddress(), ethers.zeroPadValue(root, 32), initCodeHash),
        );
      }
      expect(await system.childBridge.predictChildToken(NATIVE_TOKEN)).to.equal(await system.childBridge.childTokenOf(NATIVE_TOKEN));
      expect(await system.childBridge.predictChildToken(await token.getAddress())).to.equal(
        await system.childBridge.childTokenOf(await token.getAddress()),
      );
    });

    it("names a different, still empty address for a root token not bridged yet", async function () {
      const { system, feeToken, usdt } = await loadFixture(depositedFixture);
      const a = await system.childBridge.predictChildToken(await feeToken.getAddress());
      const b = await system.childBridge.predictChildToken(await usdt.getAddress());
      expect(a).to.not.equal(b);
      expect(await ethers.provider.getCode(a)).to.equal("0x");
      expect(await system.childBridge.rootTokenOf(a)).to.equal(ethers.ZeroAddress);
    });
  });

  describe("childTokenParameters", function () {
    it("reverts outside a child token's deployment", async function () {
      const { system } = await loadFixture(depositedFixture);
      await expect(system.childBridge.childTokenParameters()).to.be.revertedWithCustomError(
        system.childBridge,
        "ChildBridgeNotDeploying",
      );
    });
  });
});
