import { proveMessage } from "../helpers/fixture";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  FEE_BPS,
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

describe("RootBridge", function () {
  describe("deployment", function () {
    it("deploys its own lockbox, bound to it, and is wired to the child bridge", async function () {
      const { system, lockbox } = await loadFixture(bridgeFixture);
      expect(await lockbox.bridge()).to.equal(await system.rootBridge.getAddress());
      expect(await system.rootBridge.lockbox()).to.equal(system.lockbox);
      expect(await system.rootBridge.messenger()).to.equal(await system.main.messenger.getAddress());
      expect(await system.rootBridge.counterpart()).to.equal(await system.childBridge.getAddress());
      expect(await system.rootBridge.hasRole(DEFAULT_ADMIN_ROLE, system.admin.address)).to.equal(true);
      expect(await system.rootBridge.version()).to.equal("0.1.0");
      expect(await system.rootBridge.FINALIZE_GAS_LIMIT()).to.equal(200_000n);
      expect(await system.rootBridge.FIRST_DEPOSIT_GAS_LIMIT()).to.equal(3_000_000n);
      expect(await system.rootBridge.NATIVE_TOKEN()).to.equal(NATIVE_TOKEN);
    });

  });

  describe("depositETH", function () {
    it("keeps the ETH in the bridge (the lockbox holds tokens) and sends a deposit message to the child bridge", async function () {
      const { system, alice, bob, lockbox } = await loadFixture(bridgeFixture);
      const amount = ethers.parseEther("1.5");
      const expectedId = await system.rootBridge.connect(alice).depositETH.staticCall(bob.address, { value: amount });

      const tx = system.rootBridge.connect(alice).depositETH(bob.address, { value: amount });
      await expect(tx).to.changeEtherBalances([alice, system.rootBridge, lockbox], [-amount, amount, 0n]);
      const receipt = await mined(tx);
      const message = await onlyMessage(system.main.messenger, receipt);
      const messageId = await system.child.messenger.incomingMessageId(message);
      expect(messageId).to.equal(expectedId);
      await expect(tx)
        .to.emit(system.rootBridge, "DepositInitiated")
        .withArgs(NATIVE_TOKEN, alice.address, bob.address, amount, messageId);

      expect(message.sender).to.equal(await system.rootBridge.getAddress());
      expect(message.target).to.equal(await system.childBridge.getAddress());
      expect(message.data).to.equal(
        system.childBridge.interface.encodeFunctionData("finalizeDeposit", [
          NATIVE_TOKEN,
          alice.address,
          bob.address,
          amount,
          encodeMetadata("Ether", "ETH", 18),
        ]),
      );
    });

    it("maps ETH as Ether/ETH/18 on its first deposit only", async function () {
      const { system, alice } = await loadFixture(bridgeFixture);
      expect(await system.rootBridge.isMapped(NATIVE_TOKEN)).to.equal(false);

      const first = system.rootBridge.connect(alice).depositETH(alice.address, { value: 1n });
      await expect(first).to.emit(system.rootBridge, "TokenMapped").withArgs(NATIVE_TOKEN, "Ether", "ETH", 18);
      expect(await system.rootBridge.isMapped(NATIVE_TOKEN)).to.equal(true);
      expect((await onlyMessage(system.main.messenger, await mined(first))).gasLimit).to.equal(3_000_000n);

      const second = system.rootBridge.connect(alice).depositETH(alice.address, { value: 2n });
      await expect(second).not.to.emit(system.rootBridge, "TokenMapped");
      const message = await onlyMessage(system.main.messenger, await mined(second));
      expect(message.gasLimit).to.equal(200_000n);
      expect(message.data).to.equal(
        system.childBridge.interface.encodeFunctionData("finalizeDeposit", [NATIVE_TOKEN, alice.address, alice.address, 2n, "0x"]),
      );
    });

    it("mints as much ETH on the child chain, in an Ether/ETH/18 token at the predicted address", async function () {
      const { system, alice, bob } = await loadFixture(bridgeFixture);
      const deposits = Lane.deposits(system);
      const amount = ethers.parseEther("3");
      const receipt = await mined(system.rootBridge.connect(alice).depositETH(bob.address, { value: amount }));
      const predicted = await system.childBridge.predictChildToken(NATIVE_TOKEN);
      expect(await ethers.provider.getCode(predicted)).to.equal("0x");

      const relay = await deposits.relay(receipt);
      await expect(relay)
        .to.emit(system.childBridge, "ChildTokenDeployed")
        .withArgs(NATIVE_TOKEN, predicted, "Ether", "ETH", 18);
      await expect(relay)
        .to.emit(system.childBridge, "DepositFinalized")
        .withArgs(NATIVE_TOKEN, predicted, alice.address, bob.address, amount);

      const childEth = await childTokenOf(system.childBridge, NATIVE_TOKEN);
      expect(await childEth.getAddress()).to.equal(predicted);
      expect(await childEth.name()).to.equal("Ether");
      expect(await childEth.symbol()).to.equal("ETH");
      expect(await childEth.decimals()).to.equal(18n);
      expect(await childEth.rootToken()).to.equal(NATIVE_TOKEN);
      expect(await childEth.balanceOf(bob.address)).to.equal(amount);
      expect(await childEth.totalSupply()).to.equal(amount);
    });

    it("rejects a zero amount", async function () {
      const { system, alice } = await loadFixture(bridgeFixture);
      await expect(system.rootBridge.connect(alice).depositETH(alice.address, { value: 0n })).to.be.revertedWithCustomError(
        system.rootBridge,
        "RootBridgeZeroAmount",
      );
    });

    it("rejects the zero receiver", async function () {
      const { system, alice } = await loadFixture(bridgeFixture);
      await expect(
        system.rootBridge.connect(alice).depositETH(ethers.ZeroAddress, { value: 1n }),
      ).to.be.revertedWithCustomError(system.rootBridge, "RootBridgeZeroAddress");
    });
  });

  describe("depositERC20", function () {
    it("pulls the tokens into the lockbox and sends a deposit message with the token's metadata", async function () {
      const { system, alice, bob, token, lockbox } = await loadFixture(bridgeFixture);
      const amount = 1_234_567n;
      const tokenAddress = await token.getAddress();
      const expectedId = await system.rootBridge.connect(alice).depositERC20.staticCall(tokenAddress, bob.address, amount);

      const tx = system.rootBridge.connect(alice).depositERC20(tokenAddress, bob.address, amount);
      await expect(tx).to.changeTokenBalances(token, [alice, lockbox, system.rootBridge], [-amount, amount, 0n]);
      await expect(tx).to.emit(system.rootBridge, "TokenMapped").withArgs(tokenAddress, "Test Token", "TST", 6);
      await expect(tx)
        .to.emit(system.rootBridge, "DepositInitiated")
        .withArgs(tokenAddress, alice.address, bob.address, amount, expectedId);

      const message = await onlyMessage(system.main.messenger, await mined(tx));
      expect(await system.child.messenger.incomingMessageId(message)).to.equal(expectedId);
      expect(message.sender).to.equal(await system.rootBridge.getAddress());
      expect(message.target).to.equal(await system.childBridge.getAddress());
      expect(message.gasLimit).to.equal(3_000_000n);
      expect(message.data).to.equal(
        system.childBridge.interface.encodeFunctionData("finalizeDeposit", [
          tokenAddress,
          alice.address,
          bob.address,
          amount,
          encodeMetadata("Test Token", "TST", 6),
        ]),
      );
      expect(await system.rootBridge.isMapped(tokenAddress)).to.equal(true);
    });

    it("deploys the child token with the root token's metadata on the first deposit, and later deposits carry none", async function () {
      const { system, alice, bob, token } = await loadFixture(bridgeFixture);
      const deposits = Lane.deposits(system);
      const tokenAddress = await token.getAddress();
      const predicted = await system.childBridge.predictChildToken(tokenAddress);

      const first = await mined(system.rootBridge.connect(alice).depositERC20(tokenAddress, alice.address, 100n));
      const secondTx = system.rootBridge.connect(alice).depositERC20(tokenAddress, bob.address, 50n);
      await expect(secondTx).not.to.emit(system.rootBridge, "TokenMapped");
      const second = await mined(secondTx);
      const secondMessage = await onlyMessage(system.main.messenger, second);
      expect(secondMessage.gasLimit).to.equal(200_000n);
      expect(secondMessage.data).to.equal(
        system.childBridge.interface.encodeFunctionData("finalizeDeposit", [tokenAddress, alice.address, bob.address, 50n, "0x"]),
      );

      await expect(deposits.relay(first))
        .to.emit(system.childBridge, "ChildTokenDeployed")
        .withArgs(tokenAddress, predicted, "Test Token", "TST", 6);
      const secondRelay = await deposits.relay(second);
      await expect(secondRelay).not.to.emit(system.childBridge, "ChildTokenDeployed");
      await expect(secondRelay)
        .to.emit(system.childBridge, "DepositFinalized")
        .withArgs(tokenAddress, predicted, alice.address, bob.address, 50n);

      const child = await childTokenOf(system.childBridge, tokenAddress);
      expect(await child.getAddress()).to.equal(predicted);
      expect(await child.name()).to.equal("Test Token");
      expect(await child.symbol()).to.equal("TST");
      expect(await child.decimals()).to.equal(6n);
      expect(await child.balanceOf(alice.address)).to.equal(100n);
      expect(await child.balanceOf(bob.address)).to.equal(50n);
      expect(await child.totalSupply()).to.equal(150n);
    });

    it("credits a fee-on-transfer token with what the lockbox received, and mints exactly that", async function () {
      const { system, alice, feeToken, lockbox } = await loadFixture(bridgeFixture);
      const deposits = Lane.deposits(system);
      const feeAddress = await feeToken.getAddress();
      const amount = 1_000_000n;
      const received = amount - (amount * FEE_BPS) / 10_000n;

      const tx = system.rootBridge.connect(alice).depositERC20(feeAddress, alice.address, amount);
      await expect(tx).to.changeTokenBalances(feeToken, [alice, lockbox], [-amount, received]);
      const receipt = await mined(tx);
      const message = await onlyMessage(system.main.messenger, receipt);
      await expect(tx)
        .to.emit(system.rootBridge, "DepositInitiated")
        .withArgs(feeAddress, alice.address, alice.address, received, await system.child.messenger.incomingMessageId(message));

      await expect(deposits.relay(receipt))
        .to.emit(system.childBridge, "DepositFinalized")
        .withArgs(feeAddress, await system.childBridge.predictChildToken(feeAddress), alice.address, alice.address, received);
      const child = await childTokenOf(system.childBridge, feeAddress);
      expect(await child.balanceOf(alice.address)).to.equal(received);
      expect(await child.totalSupply()).to.equal(await feeToken.balanceOf(system.lockbox));
    });

    it("bridges a token whose transfers return no bool (USDT-like)", async function () {
      const { system, alice, usdt, lockbox } = await loadFixture(bridgeFixture);
      const deposits = Lane.deposits(system);
      const usdtAddress = await usdt.getAddress();
      const tx = system.rootBridge.connect(alice).depositERC20(usdtAddress, alice.address, 5_000_000n);
      await expect(tx).to.emit(system.rootBridge, "TokenMapped").withArgs(usdtAddress, "Tether-like", "USDTL", 6);
      await deposits.relay(await mined(tx));
      expect(await usdt.balanceOf(await lockbox.getAddress())).to.equal(5_000_000n);
      const child = await childTokenOf(system.childBridge, usdtAddress);
      expect(await child.balanceOf(alice.address)).to.equal(5_000_000n);
      expect(await child.decimals()).to.equal(6n);
    });

    describe("metadata", function () {
      async function depositFirst(contractName: "RevertingMetadataToken" | "Bytes32MetadataToken" | "GasBurningMetadataToken") {
        const fixture = await loadFixture(bridgeFixture);
        const { system, alice } = fixture;
        const deployed = await ethers.deployContract(contractName);
        // All three have an ERC20's mint and approve; their metadata is what differs.
        const odd = await ethers.getContractAt("TestERC20", await deployed.getAddress());
        await odd.mint(alice.address, 1_000n);
        await odd.connect(alice).approve(await system.rootBridge.getAddress(), 1_000n);
        return { ...fixture, odd, oddAddress: await odd.getAddress() };
      }

      it("falls back to Bridged Token/BRIDGED/18 when the token's metadata calls revert", async function () {
        const { system, alice, oddAddress } = await depositFirst("RevertingMetadataToken");
        const tx = system.rootBridge.connect(alice).depositERC20(oddAddress, alice.address, 10n);
        await expect(tx).to.emit(system.rootBridge, "TokenMapped").withArgs(oddAddress, "Bridged Token", "BRIDGED", 18);
        await Lane.deposits(system).relay(await mined(tx));
        const child = await childTokenOf(system.childBridge, oddAddress);
        expect(await child.name()).to.equal("Bridged Token");
        expect(await child.symbol()).to.equal("BRIDGED");
        expect(await child.decimals()).to.equal(18n);
        expect(await child.balanceOf(alice.address)).to.equal(10n);
      });

      it("reads a bytes32 name and symbol up to their first zero byte", async function () {
        const { system, alice, oddAddress } = await depositFirst("Bytes32MetadataToken");
        const tx = system.rootBridge.connect(alice).depositERC20(oddAddress, alice.address, 10n);
        await expect(tx).to.emit(system.rootBridge, "TokenMapped").withArgs(oddAddress, "Maker", "MKR", 18);
        await Lane.deposits(system).relay(await mined(tx));
        const child = await childTokenOf(system.childBridge, oddAddress);
        expect(await child.name()).to.equal("Maker");
        expect(await child.symbol()).to.equal("MKR");
        expect(await child.decimals()).to.equal(18n);
      });

      it("falls back when a metadata call burns its gas, spending at most the call's 50,000 gas cap on it", async function () {
        const { system, alice, oddAddress } = await depositFirst("GasBurningMetadataToken");
        // A token with the same default metadata whose calls revert at once: the baseline cost.
        const reverting = await ethers.deployContract("RevertingMetadataToken");
        await reverting.mint(alice.address, 10n);
        await reverting.connect(alice).approve(await system.rootBridge.getAddress(), 10n);
        const baseline = await mined(
          system.rootBridge.connect(alice).depositERC20(await reverting.getAddress(), alice.address, 10n),
        );

        // A gas limit well below what an uncapped loop would eat (the whole block) still suffices.
        const tx = system.rootBridge.connect(alice).depositERC20(oddAddress, alice.address, 10n, { gasLimit: 500_000 });
        await expect(tx).to.emit(system.rootBridge, "TokenMapped").withArgs(oddAddress, "Bridged Token", "BRIDGED", 18);
        const receipt = await mined(tx);
        // The 50,000 burnt, and about 12,000 by which the two tokens' transfers and other metadata
        // calls differ. (The bound was 55,000 while the baseline was the messenger's first message,
        // whose nonce write from zero cost 17,100 more; the nonce now shares a written slot.)
        expect(receipt.gasUsed - baseline.gasUsed).to.be.lessThanOrEqual(65_000n);

        await Lane.deposits(system).relay(receipt);
        const child = await childTokenOf(system.childBridge, oddAddress);
        expect(await child.name()).to.equal("Bridged Token");
        expect(await child.balanceOf(alice.address)).to.equal(10n);
      });
    });

    it("rejects a zero amount", async function () {
      const { system, alice, token } = await loadFixture(bridgeFixture);
      await expect(
        system.rootBridge.connect(alice).depositERC20(await token.getAddress(), alice.address, 0n),
      ).to.be.revertedWithCustomError(system.rootBridge, "RootBridgeZeroAmount");
    });

    it("rejects the zero receiver", async function () {
      const { system, alice, token } = await loadFixture(bridgeFixture);
      await expect(
        system.rootBridge.connect(alice).depositERC20(await token.getAddress(), ethers.ZeroAddress, 1n),
      ).to.be.revertedWithCustomError(system.rootBridge, "RootBridgeZeroAddress");
    });

    it("rejects a token address without code", async function () {
      const { system, alice, carol } = await loadFixture(bridgeFixture);
      await expect(system.rootBridge.connect(alice).depositERC20(carol.address, alice.address, 1n))
        .to.be.revertedWithCustomError(system.rootBridge, "RootBridgeTokenNotContract")
        .withArgs(carol.address);
    });

    it("rejects the native-currency sentinel as a token, so ETH cannot be minted without locking ETH", async function () {
      const { system, alice } = await loadFixture(bridgeFixture);
      await expect(system.rootBridge.connect(alice).depositERC20(NATIVE_TOKEN, alice.address, 1n))
        .to.be.revertedWithCustomError(system.rootBridge, "RootBridgeTokenNotContract")
        .withArgs(NATIVE_TOKEN);
    });

    it("rejects a deposit of which the lockbox received nothing", async function () {
      const { system, alice, lockbox } = await loadFixture(bridgeFixture);
      const allFee = await ethers.deployContract("FeeOnTransferToken", [10_000n]);
      await allFee.mint(alice.address, 1_000n);
      await allFee.connect(alice).approve(await system.rootBridge.getAddress(), 1_000n);
      await expect(system.rootBridge.connect(alice).depositERC20(await allFee.getAddress(), alice.address, 1_000n))
        .to.be.revertedWithCustomError(system.rootBridge, "RootBridgeNothingReceived")
        .withArgs(await allFee.getAddress());
      expect(await allFee.balanceOf(await lockbox.getAddress())).to.equal(0n);
      expect(await system.rootBridge.isMapped(await allFee.getAddress())).to.equal(false);
    });

    it("reverts with the token's error when the caller has not approved the bridge", async function () {
      const { system, bob, token } = await loadFixture(bridgeFixture);
      await token.mint(bob.address, 10n);
      await expect(system.rootBridge.connect(bob).depositERC20(await token.getAddress(), bob.address, 10n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(await system.rootBridge.getAddress(), 0n, 10n);
    });

    describe("reentrancy", function () {
      async function reentrantTokenFixture() {
        const fixture = await bridgeFixture();
        const { system, alice } = fixture;
        const reentrant = await ethers.deployContract("BridgeReentrantToken", [await system.rootBridge.getAddress()], {
          value: 1n,
        });
        await reentrant.mint(alice.address, 1_000n);
        await reentrant.connect(alice).approve(await system.rootBridge.getAddress(), ethers.MaxUint256);
        return { ...fixture, reentrant };
      }

      it("rejects a token whose transferFrom re-enters depositERC20", async function () {
        const { system, alice, reentrant, lockbox } = await loadFixture(reentrantTokenFixture);
        await reentrant.setMode(1);
        await expect(
          system.rootBridge.connect(alice).depositERC20(await reentrant.getAddress(), alice.address, 100n),
        ).to.be.revertedWithCustomError(system.rootBridge, "ReentrancyGuardReentrantCall");
        expect(await reentrant.balanceOf(await lockbox.getAddress())).to.equal(0n);
        expect(await system.main.messenger.nextNonce()).to.equal(0n);
      });

      it("rejects a token whose transferFrom re-enters depositETH", async function () {
        const { system, alice, reentrant } = await loadFixture(reentrantTokenFixture);
        await reentrant.setMode(2);
        await expect(
          system.rootBridge.connect(alice).depositERC20(await reentrant.getAddress(), alice.address, 100n),
        ).to.be.revertedWithCustomError(system.rootBridge, "ReentrancyGuardReentrantCall");
        expect(await ethers.provider.getBalance(system.rootBridge)).to.equal(0n);
      });

      it("accepts the same token when it does not re-enter", async function () {
        const { system, alice, reentrant, lockbox } = await loadFixture(reentrantTokenFixture);
        await expect(
          system.rootBridge.connect(alice).depositERC20(await reentrant.getAddress(), alice.address, 100n),
        ).to.changeTokenBalances(reentrant, [alice, lockbox], [-100n, 100n]);
      });
    });
  });

  describe("finalizeWithdrawal", function () {
    /** Deposits `amount` of ETH and of each fixture token for alice and relays them all. */
    async function fundedFixture() {
      const fixture = await bridgeFixture();
      const { system, alice, token, feeToken, usdt } = fixture;
      const deposits = Lane.deposits(system);
      const amount = 1_000_000n;
      await deposits.relay(await mined(system.rootBridge.connect(alice).depositETH(alice.address, { value: amount })));
      for (const t of [token, feeToken, usdt]) {
        await deposits.relay(await mined(system.rootBridge.connect(alice).depositERC20(await t.getAddress(), alice.address, amount)));
      }
      return fixture;
    }

    it("rejects a direct call", async function () {
      const { system, alice } = await loadFixture(bridgeFixture);
      await expect(system.rootBridge.connect(alice).finalizeWithdrawal(NATIVE_TOKEN, alice.address, alice.address, 1n))
        .to.be.revertedWithCustomError(system.rootBridge, "TokenBridgeNotFromCounterpart")
        .withArgs(alice.address, ethers.ZeroAddress);
    });

    it("rejects a call from the messenger carrying a message of another remote sender", async function () {
      const { system, carol } = await loadFixture(bridgeFixture);
      const { stub, bridge } = await bridgeWithStub("RootBridge", system.admin);
      await bridge.setCounterpart(await system.childBridge.getAddress());
      await stub.setRemoteSender(carol.address);
      const call = bridge.interface.encodeFunctionData("finalizeWithdrawal", [NATIVE_TOKEN, carol.address, carol.address, 1n]);
      await expect(stub.forward(await bridge.getAddress(), call))
        .to.be.revertedWithCustomError(bridge, "TokenBridgeNotFromCounterpart")
        .withArgs(await stub.getAddress(), carol.address);
    });

    it("rejects every message while no counterpart is set, even one from the zero sender", async function () {
      const { system, carol } = await loadFixture(bridgeFixture);
      const { stub, bridge } = await bridgeWithStub("RootBridge", system.admin);
      const call = bridge.interface.encodeFunctionData("finalizeWithdrawal", [NATIVE_TOKEN, carol.address, carol.address, 1n]);
      await expect(stub.forward(await bridge.getAddress(), call))
        .to.be.revertedWithCustomError(bridge, "TokenBridgeNotFromCounterpart")
        .withArgs(await stub.getAddress(), ethers.ZeroAddress);
      await stub.setRemoteSender(carol.address);
      await expect(stub.forward(await bridge.getAddress(), call))
        .to.be.revertedWithCustomError(bridge, "TokenBridgeNotFromCounterpart")
        .withArgs(await stub.getAddress(), carol.address);
    });

    it("releases ETH to the receiver on a withdrawal message from the child bridge", async function () {
      const { system, alice, bob, lockbox } = await loadFixture(fundedFixture);
      const withdrawals = Lane.withdrawals(system);
      const childEth = await childTokenOf(system.childBridge, NATIVE_TOKEN);
      const receipt = await mined(system.childBridge.connect(alice).withdraw(await childEth.getAddress(), bob.address, 400_000n));

      const relay = await withdrawals.relay(receipt);
      await expect(relay).to.changeEtherBalances([bob, system.rootBridge], [400_000n, -400_000n]);
      await expect(relay)
        .to.emit(system.rootBridge, "WithdrawalFinalized")
        .withArgs(NATIVE_TOKEN, alice.address, bob.address, 400_000n);
      // Paid by the bridge itself: the lockbox, which holds only tokens, plays no part.
      await expect(relay).not.to.emit(lockbox, "Released");
      expect(await withdrawals.statusOf(await onlyMessage(system.child.messenger, receipt))).to.equal(MessageStatus.Relayed);
      expect(await ethers.provider.getBalance(system.rootBridge)).to.equal(await childEth.totalSupply());
    });

    it("releases an ERC20 to the receiver", async function () {
      const { system, alice, bob, token, lockbox } = await loadFixture(fundedFixture);
      const tokenAddress = await token.getAddress();
      const child = await childTokenOf(system.childBridge, tokenAddress);
      const receipt = await mined(system.childBridge.connect(alice).withdraw(await child.getAddress(), bob.address, 250_000n));

      const relay = await Lane.withdrawals(system).relay(receipt);
      await expect(relay).to.changeTokenBalances(token, [bob, lockbox], [250_000n, -250_000n]);
      await expect(relay)
        .to.emit(system.rootBridge, "WithdrawalFinalized")
        .withArgs(tokenAddress, alice.address, bob.address, 250_000n);
      await expect(relay).to.emit(lockbox, "Released").withArgs(tokenAddress, bob.address, 250_000n);
      expect(await token.balanceOf(system.lockbox)).to.equal(await child.totalSupply());
    });

    it("releases a token whose transfers return no bool (USDT-like)", async function () {
      const { system, alice, bob, usdt } = await loadFixture(fundedFixture);
      const child = await childTokenOf(system.childBridge, await usdt.getAddress());
      const receipt = await mined(system.childBridge.connect(alice).withdraw(await child.getAddress(), bob.address, 1_000_000n));
      await Lane.withdrawals(system).relay(receipt);
      expect(await usdt.balanceOf(bob.address)).to.equal(1_000_000n);
      expect(await usdt.balanceOf(system.lockbox)).to.equal(0n);
      expect(await child.totalSupply()).to.equal(0n);
    });

    it("releases a fee-on-transfer token: the lockbox pays the amount and the receiver gets it less the fee", async function () {
      const { system, alice, bob, feeToken, lockbox } = await loadFixture(fundedFixture);
      const child = await childTokenOf(system.childBridge, await feeToken.getAddress());
      const amount = 500_000n;
      const receipt = await mined(system.childBridge.connect(alice).withdraw(await child.getAddress(), bob.address, amount));
      const relay = await Lane.withdrawals(system).relay(receipt);
      await expect(relay).to.changeTokenBalances(feeToken, [bob, lockbox], [amount - (amount * FEE_BPS) / 10_000n, -amount]);
      expect(await feeToken.balanceOf(system.lockbox)).to.equal(await child.totalSupply());
    });

    it("ignores a withdrawal message from another sender on the child chain: the message fails and no funds move", async function () {
      const { system, carol } = await loadFixture(fundedFixture);
      const withdrawals = Lane.withdrawals(system);
      const lockboxBefore = await ethers.provider.getBalance(system.rootBridge);
      const forged = system.rootBridge.interface.encodeFunctionData("finalizeWithdrawal", [
        NATIVE_TOKEN,
        carol.address,
        carol.address,
        lockboxBefore,
      ]);
      const receipt = await mined(
        system.child.messenger.connect(carol).sendMessage(await system.rootBridge.getAddress(), forged, 200_000n),
      );
      const message = await onlyMessage(system.child.messenger, receipt);
      const messageId = await withdrawals.idOf(message);

      const relay = await withdrawals.relay(receipt);
      await expect(relay).to.changeEtherBalances([carol, system.rootBridge], [0n, 0n]);
      await expect(relay)
        .to.emit(system.main.messenger, "MessageFailed")
        .withArgs(
          messageId,
          message.nonce,
          message.target,
          system.rootBridge.interface.encodeErrorResult("TokenBridgeNotFromCounterpart", [await system.main.messenger.getAddress(), carol.address]),
        );
      await expect(relay).not.to.emit(system.rootBridge, "WithdrawalFinalized");
      expect(await withdrawals.statusOf(message)).to.equal(MessageStatus.Failed);

      // Retrying cannot help: the bridge tells the messenger why, from the forger's address.
      const retry = await withdrawals.retry(message);
      await expect(retry).to.changeEtherBalances([carol, system.rootBridge], [0n, 0n]);
      expect(await revertDataAtDepth(retry.hash)).to.equal(
        system.rootBridge.interface.encodeErrorResult("TokenBridgeNotFromCounterpart", [
          await system.main.messenger.getAddress(),
          carol.address,
        ]),
      );
      expect(await withdrawals.statusOf(message)).to.equal(MessageStatus.Failed);
    });

    it("credits a withdrawal to a receiver that rejects ETH: the message is relayed, the funds stay in the lockbox owed to it", async function () {
      const { system, alice } = await loadFixture(fundedFixture);
      const withdrawals = Lane.withdrawals(system);
      const rejecter = await ethers.deployContract("EtherRejecter");
      const childEth = await childTokenOf(system.childBridge, NATIVE_TOKEN);
      const receipt = await mined(
        system.childBridge.connect(alice).withdraw(await childEth.getAddress(), await rejecter.getAddress(), 300_000n),
      );
      const message = await onlyMessage(system.child.messenger, receipt);

      const relay = await withdrawals.relay(receipt);
      await expect(relay).to.changeEtherBalances([rejecter, system.rootBridge], [0n, 0n]);
      await expect(relay)
        .to.emit(system.rootBridge, "WithdrawalCredited")
        .withArgs(NATIVE_TOKEN, alice.address, await rejecter.getAddress(), 300_000n);
      await expect(relay).not.to.emit(system.rootBridge, "WithdrawalFinalized");
      expect(await withdrawals.statusOf(message)).to.equal(MessageStatus.Relayed);
      expect(await system.rootBridge.claimable(NATIVE_TOKEN, await rejecter.getAddress())).to.equal(300_000n);
      expect(await ethers.provider.getBalance(system.rootBridge)).to.equal(1_000_000n);
    });

    it("pays a credited withdrawal, pushed by anyone, once its receiver accepts ETH", async function () {
      const { system, alice, carol } = await loadFixture(fundedFixture);
      const withdrawals = Lane.withdrawals(system);
      const receiver = await ethers.deployContract("BridgeSwitchableReceiver");
      const receiverAddress = await receiver.getAddress();
      const childEth = await childTokenOf(system.childBridge, NATIVE_TOKEN);
      const receipt = await mined(system.childBridge.connect(alice).withdraw(await childEth.getAddress(), receiverAddress, 300_000n));
      await withdrawals.relay(receipt);
      expect(await system.rootBridge.claimable(NATIVE_TOKEN, receiverAddress)).to.equal(300_000n);
      // Refused again while it does not accept: the credit stays.
      await expect(system.rootBridge.connect(carol).releaseCredit(NATIVE_TOKEN, receiverAddress, 300_000n)).to.be.revertedWithCustomError(
        receiver,
        "BridgeSwitchableReceiverRefused",
      );

      await receiver.setAccepting(true);
      const pushed = system.rootBridge.connect(carol).releaseCredit(NATIVE_TOKEN, receiverAddress, 300_000n);
      await expect(pushed).to.changeEtherBalances([receiver, system.rootBridge], [300_000n, -300_000n]);
      await expect(pushed)
        .to.emit(system.rootBridge, "WithdrawalClaimed")
        .withArgs(NATIVE_TOKEN, receiverAddress, receiverAddress, 300_000n);
      expect(await system.rootBridge.claimable(NATIVE_TOKEN, receiverAddress)).to.equal(0n);
      await expect(system.rootBridge.connect(carol).releaseCredit(NATIVE_TOKEN, receiverAddress, 1n))
        .to.be.revertedWithCustomError(system.rootBridge, "RootBridgeInsufficientCredit")
        .withArgs(NATIVE_TOKEN, receiverAddress, 0n, 1n);
    });
    describe("a relay made while the bridge holds its lock (L-4)", function () {
      it("pays a withdrawal relayed from inside a token hook during a deposit, instead of failing it", async function () {
        // Before: finalizeWithdrawal took the bridge's reentrancy lock, held by the deposit, so anyone
        // could turn a pending withdrawal into Failed by relaying it from the hook.
        const { system, alice, bob, carol } = await loadFixture(fundedFixture);
        const hook = await ethers.deployContract("BridgeHookToken");
        await hook.mint(carol.address, 1_000n);
        await hook.connect(carol).approve(system.rootBridge, ethers.MaxUint256);
        const childEth = await childTokenOf(system.childBridge, NATIVE_TOKEN);
        const receipt = await mined(system.childBridge.connect(alice).withdraw(await childEth.getAddress(), bob.address, 300_000n));
        const withdrawals = Lane.withdrawals(system);
        const message = await onlyMessage(system.child.messenger, receipt);
        const checkpointed = await withdrawals.finalCheckpointFor(BigInt(receipt.blockNumber));
        const proof = await proveMessage(system.child, receipt, checkpointed);
        await hook.setHook(await system.main.messenger.getAddress(), system.main.messenger.interface.encodeFunctionData("relayMessage", [proof]));

        const before = await ethers.provider.getBalance(bob.address);
        const deposit = system.rootBridge.connect(carol).depositERC20(await hook.getAddress(), carol.address, 10n);
        await expect(deposit).to.emit(system.rootBridge, "WithdrawalFinalized").withArgs(NATIVE_TOKEN, alice.address, bob.address, 300_000n);
        await expect(deposit).to.emit(system.main.messenger, "MessageRelayed");
        expect(await withdrawals.statusOf(message)).to.equal(MessageStatus.Relayed);
        expect((await ethers.provider.getBalance(bob.address)) - before).to.equal(300_000n);
      });
    });
  });
});
