import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Lane, NATIVE_TOKEN, bridgeFixture, bridgeWithStub, childTokenOf, mined } from "../helpers/bridges";

/** A root bridge wired to a stub messenger that speaks for its counterpart, and its lockbox. */
async function stubbedRootBridgeFixture() {
  const fixture = await bridgeFixture();
  const { system, alice, token } = fixture;
  const remote = system.users[7].address;
  const { stub, bridge } = await bridgeWithStub("RootBridge", system.admin);
  await bridge.setCounterpart(remote);
  await stub.setRemoteSender(remote);
  await bridge.connect(alice).depositETH(alice.address, { value: 1_000n });
  await token.connect(alice).approve(await bridge.getAddress(), ethers.MaxUint256);
  await bridge.connect(alice).depositERC20(await token.getAddress(), alice.address, 2_000n);
  const stubLockbox = await ethers.getContractAt("Lockbox", await bridge.lockbox());
  /** Has the stub deliver `finalizeWithdrawal(token, alice, to, amount)` to the bridge. */
  const release = async (rootToken: string, to: string, amount: bigint) =>
    stub.forward(
      await bridge.getAddress(),
      bridge.interface.encodeFunctionData("finalizeWithdrawal", [rootToken, alice.address, to, amount]),
    );
  return { ...fixture, stub, bridge, stubLockbox, release };
}

describe("Lockbox", function () {
  it("is bound to the root bridge that deployed it", async function () {
    const { system, lockbox } = await loadFixture(bridgeFixture);
    expect(await lockbox.bridge()).to.equal(await system.rootBridge.getAddress());
    expect(await lockbox.version()).to.equal("0.1.0");
  });

  describe("native currency", function () {
    it("refuses ETH from anyone: the bridge holds what ETH deposits lock", async function () {
      const { system, alice, lockbox } = await loadFixture(bridgeFixture);
      await expect(alice.sendTransaction({ to: system.lockbox, value: 1n })).to.be.reverted;
      await expect(system.rootBridge.connect(alice).depositETH(alice.address, { value: 5n })).to.changeEtherBalances(
        [lockbox, system.rootBridge],
        [0n, 5n],
      );
    });
  });

  describe("release", function () {
    it("is reserved to its bridge", async function () {
      const { system, alice, token, lockbox } = await loadFixture(bridgeFixture);
      await system.rootBridge.connect(alice).depositERC20(await token.getAddress(), alice.address, 10n);
      await expect(lockbox.connect(alice).release(await token.getAddress(), alice.address, 10n))
        .to.be.revertedWithCustomError(lockbox, "LockboxOnlyBridge")
        .withArgs(alice.address);
      await expect(lockbox.connect(system.admin).release(await token.getAddress(), system.admin.address, 10n))
        .to.be.revertedWithCustomError(lockbox, "LockboxOnlyBridge")
        .withArgs(system.admin.address);
      expect(await token.balanceOf(system.lockbox)).to.equal(10n);
    });

    it("emits Released as its bridge pays out withdrawals of tokens; ETH is paid by the bridge", async function () {
      const { system, alice, bob, token, lockbox } = await loadFixture(bridgeFixture);
      const deposits = Lane.deposits(system);
      const withdrawals = Lane.withdrawals(system);
      const root = await token.getAddress();
      await deposits.relay(await mined(system.rootBridge.connect(alice).depositETH(alice.address, { value: 100n })));
      await deposits.relay(await mined(system.rootBridge.connect(alice).depositERC20(root, alice.address, 200n)));
      const childEth = await childTokenOf(system.childBridge, NATIVE_TOKEN);
      const child = await childTokenOf(system.childBridge, root);

      const ethOut = await withdrawals.relay(
        await mined(system.childBridge.connect(alice).withdraw(await childEth.getAddress(), bob.address, 60n)),
      );
      await expect(ethOut).not.to.emit(lockbox, "Released");
      await expect(ethOut).to.changeEtherBalances([system.rootBridge, lockbox, bob], [-60n, 0n, 60n]);

      const tokenOut = await withdrawals.relay(
        await mined(system.childBridge.connect(alice).withdraw(await child.getAddress(), bob.address, 150n)),
      );
      await expect(tokenOut).to.emit(lockbox, "Released").withArgs(root, bob.address, 150n);
      await expect(tokenOut).to.changeTokenBalances(token, [lockbox, bob], [-150n, 150n]);
    });

    // A withdrawal that cannot be paid is credited by the bridge (M-2); the claim shows the payer's revert.
    it("leaves ETH to the bridge, which reverts a claim of more than it holds", async function () {
      const { bridge, release, bob } = await loadFixture(stubbedRootBridgeFixture);
      await expect(release(NATIVE_TOKEN, bob.address, 1_001n)).to.emit(bridge, "WithdrawalCredited");
      await expect(bridge.connect(bob).claimWithdrawal(NATIVE_TOKEN, bob.address, 1_001n))
        .to.be.revertedWithCustomError(bridge, "InsufficientBalance")
        .withArgs(1_000n, 1_001n);
    });

    it("reverts when asked for more of a token than it holds", async function () {
      const { bridge, stubLockbox, release, bob, token } = await loadFixture(stubbedRootBridgeFixture);
      await expect(release(await token.getAddress(), bob.address, 2_001n)).to.emit(bridge, "WithdrawalCredited");
      await expect(bridge.connect(bob).claimWithdrawal(await token.getAddress(), bob.address, 2_001n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(await stubLockbox.getAddress(), 2_000n, 2_001n);
    });

    it("passes on the revert of a receiver that refuses ETH", async function () {
      const { bridge, release, bob } = await loadFixture(stubbedRootBridgeFixture);
      const rejecter = await ethers.deployContract("EtherRejecter");
      const rejecterAddress = await rejecter.getAddress();
      await expect(release(NATIVE_TOKEN, rejecterAddress, 1n)).to.emit(bridge, "WithdrawalCredited");
      await expect(bridge.connect(bob).releaseCredit(NATIVE_TOKEN, rejecterAddress, 1n)).to.be.revertedWithCustomError(
        rejecter,
        "EtherRejecterRefused",
      );
      expect(await ethers.provider.getBalance(await bridge.getAddress())).to.equal(1_000n);
    });

    it("pays out exactly what it is asked for through a bridge it answers to", async function () {
      const { release, stubLockbox, bridge, bob, token, alice } = await loadFixture(stubbedRootBridgeFixture);
      const root = await token.getAddress();
      const tx = release(root, bob.address, 2_000n);
      await expect(tx).to.emit(stubLockbox, "Released").withArgs(root, bob.address, 2_000n);
      await expect(tx).to.emit(bridge, "WithdrawalFinalized").withArgs(root, alice.address, bob.address, 2_000n);
      await expect(tx).to.changeTokenBalances(token, [stubLockbox, bob], [-2_000n, 2_000n]);
    });
  });
});
