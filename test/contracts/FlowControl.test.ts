/**
 * FlowControl on both bridges: the token bucket's refill, the per-transfer cap, deposits and
 * withdrawals refused over their outbound limit with the wait, releases and mints over their
 * inbound limit queued and executable exactly at their time, the guardian's powers (extend a
 * queued release, cancel a loosening, never cancel a release) and governance's (tighten at once,
 * loosen after the delay). Most tests drive the bridges through a stub messenger (no proofs
 * needed); one carries a withdrawal through the real messenger within the default gas limit.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { Lane, NATIVE_TOKEN, bridgeFixture, bridgeWithStub, childTokenOf, mined } from "../helpers/bridges";
import type { ChildBridge, RootBridge } from "../../typechain-types";

const OUTBOUND = 0;
const INBOUND = 1;
const GUARDIAN_ROLE = ethers.id("GUARDIAN_ROLE");
const DAY = 86_400n;
const OFF = { capacity: 0n, ratePerSecond: 0n, maxTransfer: 0n, largeTransferDelay: 0n };
/** Capacity 1,000, 10 per second, at most 600 per transfer, a day for larger ones. */
const LIMIT = { capacity: 1_000n, ratePerSecond: 10n, maxTransfer: 600n, largeTransferDelay: DAY };

/** The ReleaseQueued event of a transaction, as executeQueuedRelease takes it. */
async function queuedOf(bridge: RootBridge | ChildBridge, tx: Promise<ContractTransactionResponse>) {
  const receipt = await mined(tx);
  for (const log of receipt.logs) {
    const parsed = bridge.interface.parseLog(log);
    if (parsed?.name === "ReleaseQueued") {
      const { id, token, sequence, amount, releasableAt, payload } = parsed.args;
      return { id: id as string, token: token as string, sequence: sequence as bigint, amount: amount as bigint, releasableAt: releasableAt as bigint, payload: payload as string, block: receipt.blockNumber };
    }
  }
  throw new Error(`no ReleaseQueued in ${receipt.hash}`);
}

async function timestampOf(blockNumber: number): Promise<bigint> {
  return BigInt((await ethers.provider.getBlock(blockNumber))!.timestamp);
}

/**
 * A root bridge on a stub messenger (the child bridge's messages are forwarded by hand), its
 * lockbox holding 100,000 of the fixture token from alice's deposit, and carol as its guardian.
 */
async function rootFixture() {
  const fixture = await bridgeFixture();
  const { system, alice, carol, token } = fixture;
  const remote = system.users[7].address;
  const { stub, bridge } = await bridgeWithStub("RootBridge", system.admin);
  await bridge.setCounterpart(remote);
  await stub.setRemoteSender(remote);
  await bridge.grantRole(GUARDIAN_ROLE, carol.address);
  await token.connect(alice).approve(bridge, ethers.MaxUint256);
  await bridge.connect(alice).depositERC20(token, alice.address, 100_000n);
  const tokenAddress = await token.getAddress();
  /** The child bridge's message releasing `amount` to `to`. */
  const withdraw = (to: string, amount: bigint, rootToken = tokenAddress) =>
    stub.forward(bridge, bridge.interface.encodeFunctionData("finalizeWithdrawal", [rootToken, alice.address, to, amount]));
  return { ...fixture, stub, bridge: bridge as RootBridge, remote, tokenAddress, withdraw };
}

/** A child bridge on a stub messenger, alice holding 10,000 child tokens of the fixture token, carol its guardian. */
async function childFixture() {
  const fixture = await bridgeFixture();
  const { system, alice, carol, token } = fixture;
  const remote = system.users[7].address;
  const { stub, bridge } = await bridgeWithStub("ChildBridge", system.admin);
  await bridge.setCounterpart(remote);
  await stub.setRemoteSender(remote);
  await bridge.grantRole(GUARDIAN_ROLE, carol.address);
  const tokenAddress = await token.getAddress();
  const metadata = ethers.AbiCoder.defaultAbiCoder().encode(["string", "string", "uint8"], ["Test Token", "TST", 6]);
  const deposit = (to: string, amount: bigint, data = "0x") =>
    stub.forward(bridge, bridge.interface.encodeFunctionData("finalizeDeposit", [tokenAddress, alice.address, to, amount, data]));
  await deposit(alice.address, 10_000n, metadata);
  const child = await childTokenOf(bridge as ChildBridge, tokenAddress);
  return { ...fixture, stub, bridge: bridge as ChildBridge, tokenAddress, deposit, child };
}

describe("FlowControl", function () {
  describe("setRateLimit", function () {
    it("applies a first limit at once, with a full bucket, and only for governance", async function () {
      const { bridge, tokenAddress, alice, system } = await loadFixture(rootFixture);
      await expect(bridge.connect(alice).setRateLimit(tokenAddress, OUTBOUND, LIMIT)).to.be.revertedWithCustomError(bridge, "AccessControlUnauthorizedAccount");
      await expect(bridge.connect(system.admin).setRateLimit(tokenAddress, OUTBOUND, LIMIT))
        .to.emit(bridge, "RateLimitSet")
        .withArgs(tokenAddress, OUTBOUND, 1_000n, 10n, 600n, DAY);
      const [limit, available] = await bridge.rateLimit(tokenAddress, OUTBOUND);
      expect(limit.capacity).to.equal(1_000n);
      expect(limit.ratePerSecond).to.equal(10n);
      expect(limit.maxTransfer).to.equal(600n);
      expect(limit.largeTransferDelay).to.equal(DAY);
      expect(available).to.equal(1_000n);
      // The other direction and other tokens stay unlimited.
      expect((await bridge.rateLimit(tokenAddress, INBOUND))[1]).to.equal(ethers.MaxUint256);
      expect((await bridge.rateLimit(NATIVE_TOKEN, OUTBOUND))[1]).to.equal(ethers.MaxUint256);
    });

    it("rejects a limit with a zero rate, a cap above the capacity, a zero or too long large-transfer delay", async function () {
      const { bridge, tokenAddress } = await loadFixture(rootFixture);
      for (const bad of [
        { ...LIMIT, ratePerSecond: 0n },
        { ...LIMIT, maxTransfer: 1_001n },
        { ...LIMIT, maxTransfer: 0n },
        { ...LIMIT, largeTransferDelay: 0n },
        { ...LIMIT, largeTransferDelay: 31n * DAY },
        { ...OFF, ratePerSecond: 1n },
      ]) {
        await expect(bridge.setRateLimit(tokenAddress, OUTBOUND, bad)).to.be.revertedWithCustomError(bridge, "FlowControlInvalidLimit");
      }
    });

    it("tightens at once, cutting the bucket to the new capacity", async function () {
      const { bridge, tokenAddress } = await loadFixture(rootFixture);
      await bridge.setRateLimit(tokenAddress, OUTBOUND, LIMIT);
      const tighter = { capacity: 400n, ratePerSecond: 5n, maxTransfer: 300n, largeTransferDelay: 2n * DAY };
      await expect(bridge.setRateLimit(tokenAddress, OUTBOUND, tighter)).to.emit(bridge, "RateLimitSet").withArgs(tokenAddress, OUTBOUND, 400n, 5n, 300n, 2n * DAY);
      const [limit, available] = await bridge.rateLimit(tokenAddress, OUTBOUND);
      expect(limit.capacity).to.equal(400n);
      expect(available).to.equal(400n);
      expect((await bridge.rateLimit(tokenAddress, OUTBOUND))[4]).to.equal(0n);
    });

    it("schedules a looser limit, which anyone activates from LIMIT_CHANGE_DELAY later and not before", async function () {
      const { bridge, tokenAddress, alice } = await loadFixture(rootFixture);
      await bridge.setRateLimit(tokenAddress, OUTBOUND, LIMIT);
      const looser = { ...LIMIT, ratePerSecond: 20n };
      const tx = await bridge.setRateLimit(tokenAddress, OUTBOUND, looser);
      const activatesAt = (await timestampOf((await tx.wait())!.blockNumber)) + 3n * DAY;
      await expect(tx).to.emit(bridge, "RateLimitChangeScheduled").withArgs(tokenAddress, OUTBOUND, 1_000n, 20n, 600n, DAY, activatesAt);
      await expect(tx).not.to.emit(bridge, "RateLimitSet");
      expect((await bridge.rateLimit(tokenAddress, OUTBOUND))[0].ratePerSecond).to.equal(10n);
      const [, , , pending, scheduledAt] = await bridge.rateLimit(tokenAddress, OUTBOUND);
      expect(scheduledAt).to.equal(activatesAt);
      expect(pending.ratePerSecond).to.equal(20n);

      await time.setNextBlockTimestamp(activatesAt - 1n);
      await expect(bridge.connect(alice).activateRateLimit(tokenAddress, OUTBOUND))
        .to.be.revertedWithCustomError(bridge, "FlowControlChangeNotDue")
        .withArgs(tokenAddress, OUTBOUND, activatesAt);
      await time.setNextBlockTimestamp(activatesAt);
      await expect(bridge.connect(alice).activateRateLimit(tokenAddress, OUTBOUND)).to.emit(bridge, "RateLimitSet").withArgs(tokenAddress, OUTBOUND, 1_000n, 20n, 600n, DAY);
      expect((await bridge.rateLimit(tokenAddress, OUTBOUND))[0].ratePerSecond).to.equal(20n);
      await expect(bridge.activateRateLimit(tokenAddress, OUTBOUND)).to.be.revertedWithCustomError(bridge, "FlowControlNoPendingChange");
    });

    it("treats removing a limit as loosening, and lets the guardian, only, cancel it", async function () {
      const { bridge, tokenAddress, carol, system } = await loadFixture(rootFixture);
      await bridge.setRateLimit(tokenAddress, INBOUND, LIMIT);
      await expect(bridge.setRateLimit(tokenAddress, INBOUND, OFF)).to.emit(bridge, "RateLimitChangeScheduled");
      await expect(bridge.connect(system.admin).cancelRateLimitChange(tokenAddress, INBOUND)).to.be.revertedWithCustomError(bridge, "AccessControlUnauthorizedAccount");
      await expect(bridge.connect(carol).cancelRateLimitChange(tokenAddress, INBOUND)).to.emit(bridge, "RateLimitChangeCancelled").withArgs(tokenAddress, INBOUND);
      await time.increase(3n * DAY);
      await expect(bridge.activateRateLimit(tokenAddress, INBOUND)).to.be.revertedWithCustomError(bridge, "FlowControlNoPendingChange");
      expect((await bridge.rateLimit(tokenAddress, INBOUND))[0].capacity).to.equal(1_000n);
    });

    it("cancels a scheduled loosening when governance sets the limit again", async function () {
      const { bridge, tokenAddress } = await loadFixture(rootFixture);
      await bridge.setRateLimit(tokenAddress, OUTBOUND, LIMIT);
      await bridge.setRateLimit(tokenAddress, OUTBOUND, { ...LIMIT, capacity: 2_000n });
      await expect(bridge.setRateLimit(tokenAddress, OUTBOUND, { ...LIMIT, capacity: 900n })).to.emit(bridge, "RateLimitChangeCancelled");
      expect((await bridge.rateLimit(tokenAddress, OUTBOUND))[4]).to.equal(0n);
      expect((await bridge.rateLimit(tokenAddress, OUTBOUND))[0].capacity).to.equal(900n);
    });
  });

  describe("outbound: deposits and withdrawals", function () {
    it("refills at the rate up to the capacity, and refuses a deposit over the bucket with the seconds until it fits", async function () {
      const { bridge, tokenAddress, alice } = await loadFixture(rootFixture);
      await bridge.setRateLimit(tokenAddress, OUTBOUND, LIMIT);
      const start = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(start);
      await bridge.connect(alice).depositERC20(tokenAddress, alice.address, 600n);
      await time.setNextBlockTimestamp(start + 1n);
      await bridge.connect(alice).depositERC20(tokenAddress, alice.address, 410n); // 400 + 10 refilled

      // Empty: 1 needs one second; 250 needs 25.
      await time.setNextBlockTimestamp(start + 2n);
      await expect(bridge.connect(alice).depositERC20(tokenAddress, alice.address, 250n))
        .to.be.revertedWithCustomError(bridge, "FlowControlRateLimited")
        .withArgs(tokenAddress, OUTBOUND, 250n, 10n, 24n);
      await time.setNextBlockTimestamp(start + 50n);
      await ethers.provider.send("evm_mine", []);
      expect((await bridge.rateLimit(tokenAddress, OUTBOUND))[1]).to.equal(490n);
      await time.setNextBlockTimestamp(start + 51n);
      await bridge.connect(alice).depositERC20(tokenAddress, alice.address, 500n);

      // Long idle: back to the capacity, not beyond.
      await time.increase(10n * DAY);
      expect((await bridge.rateLimit(tokenAddress, OUTBOUND))[1]).to.equal(1_000n);
    });

    it("refuses a deposit above the per-transfer cap however full the bucket", async function () {
      const { bridge, tokenAddress, alice } = await loadFixture(rootFixture);
      await bridge.setRateLimit(tokenAddress, OUTBOUND, LIMIT);
      await expect(bridge.connect(alice).depositERC20(tokenAddress, alice.address, 601n))
        .to.be.revertedWithCustomError(bridge, "FlowControlAboveTransferCap")
        .withArgs(tokenAddress, OUTBOUND, 601n, 600n);
    });

    it("limits ETH deposits under the native token", async function () {
      const { bridge, alice } = await loadFixture(rootFixture);
      await bridge.setRateLimit(NATIVE_TOKEN, OUTBOUND, LIMIT);
      await bridge.connect(alice).depositETH(alice.address, { value: 600n });
      await expect(bridge.connect(alice).depositETH(alice.address, { value: 600n })).to.be.revertedWithCustomError(bridge, "FlowControlRateLimited");
    });

    it("refuses a withdrawal over the child bridge's outbound limit, burning nothing", async function () {
      const { bridge, tokenAddress, alice, child } = await loadFixture(childFixture);
      await bridge.setRateLimit(tokenAddress, OUTBOUND, LIMIT);
      await bridge.connect(alice).withdraw(child, alice.address, 600n);
      await expect(bridge.connect(alice).withdraw(child, alice.address, 500n)).to.be.revertedWithCustomError(bridge, "FlowControlRateLimited");
      expect(await child.balanceOf(alice.address)).to.equal(9_400n);
    });
  });

  describe("inbound: the release queue", function () {
    it("releases within the bucket at once", async function () {
      const { bridge, tokenAddress, bob, token, withdraw } = await loadFixture(rootFixture);
      await bridge.setRateLimit(tokenAddress, INBOUND, LIMIT);
      await expect(withdraw(bob.address, 600n)).to.emit(bridge, "WithdrawalFinalized").and.not.to.emit(bridge, "ReleaseQueued");
      expect(await token.balanceOf(bob.address)).to.equal(600n);
    });

    it("queues a release over the bucket until it has refilled, executable by anyone exactly then and not before", async function () {
      const { bridge, tokenAddress, bob, carol, token, withdraw } = await loadFixture(rootFixture);
      const lockbox = await ethers.getContractAt("Lockbox", await bridge.lockbox());
      await bridge.setRateLimit(tokenAddress, INBOUND, LIMIT);
      const start = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(start);
      await withdraw(bob.address, 600n);
      await time.setNextBlockTimestamp(start + 1n);
      // 410 left; 500 needs 9 more seconds.
      const queued = await queuedOf(bridge, withdraw(bob.address, 500n));
      expect(queued.releasableAt).to.equal(start + 10n);
      expect(queued.amount).to.equal(500n);
      expect(queued.token).to.equal(tokenAddress);
      expect(queued.sequence).to.equal(0n);
      expect(queued.payload).to.equal(bridge.interface.encodeFunctionData("finalizeWithdrawal", [tokenAddress, (await ethers.getSigners())[2].address, bob.address, 500n]));
      expect(await bridge.queuedRelease(queued.id)).to.deep.equal([start + 10n, false]);
      expect(await token.balanceOf(bob.address)).to.equal(600n);

      await time.setNextBlockTimestamp(start + 9n);
      await expect(bridge.connect(carol).executeQueuedRelease(queued.sequence, queued.payload))
        .to.be.revertedWithCustomError(bridge, "FlowControlReleaseNotDue")
        .withArgs(queued.id, start + 10n);
      await time.setNextBlockTimestamp(start + 10n);
      // Too little gas would fail the release on purpose, turning it into a credit: refused.
      await expect(bridge.connect(carol).executeQueuedRelease(queued.sequence, queued.payload, { gasLimit: 200_000 })).to.be.revertedWithCustomError(
        bridge,
        "RootBridgeReleaseGasTooLow",
      );
      const tx = bridge.connect(carol).executeQueuedRelease(queued.sequence, queued.payload);
      await expect(tx).to.emit(bridge, "QueuedReleaseExecuted").withArgs(queued.id, carol.address);
      await expect(tx).to.changeTokenBalances(token, [bob, lockbox], [500n, -500n]);
      expect(await bridge.queuedRelease(queued.id)).to.deep.equal([2n ** 64n - 1n, true]);
    });

    it("never executes a queued release twice, nor one with another payload", async function () {
      const { bridge, tokenAddress, bob, withdraw } = await loadFixture(rootFixture);
      await bridge.setRateLimit(tokenAddress, INBOUND, LIMIT);
      await withdraw(bob.address, 600n);
      const queued = await queuedOf(bridge, withdraw(bob.address, 600n));
      await time.increaseTo(queued.releasableAt);
      await bridge.executeQueuedRelease(queued.sequence, queued.payload);
      await expect(bridge.executeQueuedRelease(queued.sequence, queued.payload)).to.be.revertedWithCustomError(bridge, "FlowControlReleaseExecuted").withArgs(queued.id);
      const other = bridge.interface.encodeFunctionData("finalizeWithdrawal", [tokenAddress, bob.address, bob.address, 600n]);
      await expect(bridge.executeQueuedRelease(queued.sequence, other)).to.be.revertedWithCustomError(bridge, "FlowControlUnknownRelease");
      await expect(bridge.executeQueuedRelease(queued.sequence + 1n, queued.payload)).to.be.revertedWithCustomError(bridge, "FlowControlUnknownRelease");
    });

    it("queues releases in arrival order: each one after the bucket has refilled for those before it", async function () {
      const { bridge, tokenAddress, bob, withdraw } = await loadFixture(rootFixture);
      await bridge.setRateLimit(tokenAddress, INBOUND, { ...LIMIT, maxTransfer: 1_000n });
      const start = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(start);
      await withdraw(bob.address, 1_000n);
      await time.setNextBlockTimestamp(start + 1n);
      const first = await queuedOf(bridge, withdraw(bob.address, 300n));
      await time.setNextBlockTimestamp(start + 2n);
      const second = await queuedOf(bridge, withdraw(bob.address, 305n));
      // 300 needs 30 s of refill from start: 10 were there at start+1 → start+30; 305 more → start+61 (5 left over).
      expect(first.releasableAt).to.equal(start + 30n);
      expect(second.releasableAt).to.equal(start + 61n);
      expect(second.sequence).to.equal(first.sequence + 1n);
      const [, available, refilledAt] = await bridge.rateLimit(tokenAddress, INBOUND);
      expect(available).to.equal(0n);
      expect(refilledAt).to.equal(start + 61n);
    });

    it("holds a release above the cap for the large-transfer delay at least, and charges the bucket for it", async function () {
      const { bridge, tokenAddress, bob, withdraw, token } = await loadFixture(rootFixture);
      await bridge.setRateLimit(tokenAddress, INBOUND, LIMIT);
      const start = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(start);
      const large = await queuedOf(bridge, withdraw(bob.address, 5_000n));
      expect(large.releasableAt).to.equal(start + DAY);
      // The bucket lent 4,000 from its future: 400 seconds of refill.
      expect((await bridge.rateLimit(tokenAddress, INBOUND))[2]).to.equal(start + 400n);
      await time.setNextBlockTimestamp(start + 1n);
      const next = await queuedOf(bridge, withdraw(bob.address, 10n));
      expect(next.releasableAt).to.equal(start + 401n);
      await time.increaseTo(start + DAY);
      await bridge.executeQueuedRelease(large.sequence, large.payload);
      await bridge.executeQueuedRelease(next.sequence, next.payload);
      expect(await token.balanceOf(bob.address)).to.equal(5_010n);
    });

    it("lets the guardian push a queued release back, later only and within 30 days at a time, and nobody cancel it", async function () {
      const { bridge, tokenAddress, bob, carol, system, withdraw, token } = await loadFixture(rootFixture);
      await bridge.setRateLimit(tokenAddress, INBOUND, { ...LIMIT, maxTransfer: 1_000n });
      await withdraw(bob.address, 1_000n);
      const queued = await queuedOf(bridge, withdraw(bob.address, 500n));
      const later = queued.releasableAt + DAY;
      await expect(bridge.connect(system.admin).extendQueuedRelease(queued.id, later)).to.be.revertedWithCustomError(bridge, "AccessControlUnauthorizedAccount");
      await expect(bridge.connect(carol).extendQueuedRelease(queued.id, queued.releasableAt))
        .to.be.revertedWithCustomError(bridge, "FlowControlExtensionNotLater")
        .withArgs(queued.id, queued.releasableAt, queued.releasableAt);
      await expect(bridge.connect(carol).extendQueuedRelease(queued.id, queued.releasableAt + 31n * DAY)).to.be.revertedWithCustomError(bridge, "FlowControlExtensionTooLong");
      await expect(bridge.connect(carol).extendQueuedRelease(ethers.ZeroHash, later)).to.be.revertedWithCustomError(bridge, "FlowControlUnknownRelease");
      await expect(bridge.connect(carol).extendQueuedRelease(queued.id, later)).to.emit(bridge, "QueuedReleaseExtended").withArgs(queued.id, queued.releasableAt, later);
      expect((await bridge.queuedRelease(queued.id))[0]).to.equal(later);

      await time.setNextBlockTimestamp(later - 1n);
      await expect(bridge.executeQueuedRelease(queued.sequence, queued.payload)).to.be.revertedWithCustomError(bridge, "FlowControlReleaseNotDue").withArgs(queued.id, later);
      // No function of the bridge drops a queued release.
      const names: string[] = [];
      bridge.interface.forEachFunction((f) => names.push(f.name));
      expect(names.filter((name) => /release/i.test(name))).to.have.members(["executeQueuedRelease", "extendQueuedRelease", "checkQueuedRelease", "queuedRelease", "releaseSequence", "releaseCredit"]);
      await time.setNextBlockTimestamp(later);
      await bridge.executeQueuedRelease(queued.sequence, queued.payload);
      expect(await token.balanceOf(bob.address)).to.equal(1_500n);
      await expect(bridge.connect(carol).extendQueuedRelease(queued.id, later + DAY)).to.be.revertedWithCustomError(bridge, "FlowControlReleaseExecuted");
    });

    it("credits a queued release whose payout fails, to be claimed once and never released again", async function () {
      const { system, alice, bob } = await loadFixture(bridgeFixture);
      const remote = system.users[7].address;
      const { stub, bridge } = await bridgeWithStub("RootBridge", system.admin);
      await bridge.setCounterpart(remote);
      await stub.setRemoteSender(remote);
      const blocky = await ethers.deployContract("BlocklistToken");
      await blocky.mint(alice.address, 10_000n);
      await blocky.connect(alice).approve(bridge, ethers.MaxUint256);
      await bridge.connect(alice).depositERC20(blocky, alice.address, 10_000n);
      await bridge.setRateLimit(blocky, INBOUND, LIMIT);
      await stub.forward(bridge, bridge.interface.encodeFunctionData("finalizeWithdrawal", [await blocky.getAddress(), alice.address, bob.address, 1_000n]));
      const queued = await queuedOf(
        bridge,
        stub.forward(bridge, bridge.interface.encodeFunctionData("finalizeWithdrawal", [await blocky.getAddress(), alice.address, bob.address, 300n])),
      );
      await blocky.setBlocked(bob.address, true);
      await time.increaseTo(queued.releasableAt);
      await expect(bridge.executeQueuedRelease(queued.sequence, queued.payload)).to.emit(bridge, "WithdrawalCredited").withArgs(await blocky.getAddress(), alice.address, bob.address, 300n);
      expect(await bridge.claimable(blocky, bob.address)).to.equal(300n);
      await bridge.connect(bob).claimWithdrawal(blocky, alice.address, 300n);
      expect(await blocky.balanceOf(alice.address)).to.equal(300n);
      await expect(bridge.executeQueuedRelease(queued.sequence, queued.payload)).to.be.revertedWithCustomError(bridge, "FlowControlReleaseExecuted");
      await expect(bridge.connect(bob).claimWithdrawal(blocky, bob.address, 1n)).to.be.revertedWithCustomError(bridge, "RootBridgeInsufficientCredit");
    });

    it("queues a mint on the child bridge over its inbound limit and mints it at its time", async function () {
      const { bridge, tokenAddress, bob, deposit, child } = await loadFixture(childFixture);
      await bridge.setRateLimit(tokenAddress, INBOUND, LIMIT);
      await deposit(bob.address, 600n);
      const queued = await queuedOf(bridge, deposit(bob.address, 500n));
      expect(await child.balanceOf(bob.address)).to.equal(600n);
      await expect(bridge.executeQueuedRelease(queued.sequence, queued.payload)).to.be.revertedWithCustomError(bridge, "FlowControlReleaseNotDue");
      await time.setNextBlockTimestamp(queued.releasableAt);
      await expect(bridge.executeQueuedRelease(queued.sequence, queued.payload))
        .to.emit(bridge, "DepositFinalized")
        .withArgs(tokenAddress, await child.getAddress(), (await ethers.getSigners())[2].address, bob.address, 500n);
      expect(await child.balanceOf(bob.address)).to.equal(1_100n);
      await expect(bridge.executeQueuedRelease(queued.sequence, queued.payload)).to.be.revertedWithCustomError(bridge, "FlowControlReleaseExecuted");
    });

    it("queues a withdrawal relayed through the real messenger within its default gas limit", async function () {
      const { system, alice, bob, token } = await loadFixture(bridgeFixture);
      const tokenAddress = await token.getAddress();
      await Lane.deposits(system).relay(await mined(system.rootBridge.connect(alice).depositERC20(tokenAddress, alice.address, 10_000n)));
      await system.rootBridge.setRateLimit(tokenAddress, INBOUND, LIMIT);
      const child = await childTokenOf(system.childBridge, tokenAddress);
      const withdrawals = Lane.withdrawals(system);
      const first = await mined(system.childBridge.connect(alice).withdraw(child, bob.address, 600n));
      const second = await mined(system.childBridge.connect(alice).withdraw(child, bob.address, 2_000n));
      await withdrawals.relay(first, 0, "least");
      const relay = await withdrawals.relay(second, 0, "least");
      await expect(relay).to.emit(system.main.messenger, "MessageRelayed");
      const queued = await queuedOf(system.rootBridge, Promise.resolve(relay));
      expect(queued.amount).to.equal(2_000n);
      expect(await token.balanceOf(bob.address)).to.equal(600n);
      await time.increaseTo(queued.releasableAt);
      await system.rootBridge.executeQueuedRelease(queued.sequence, queued.payload);
      expect(await token.balanceOf(bob.address)).to.equal(2_600n);
    });
  });

  describe("without limits", function () {
    it("queues nothing and refuses nothing, and removing the last limit restores that", async function () {
      const { bridge, tokenAddress, alice, bob, withdraw, token } = await loadFixture(rootFixture);
      await bridge.connect(alice).depositERC20(tokenAddress, alice.address, 50_000n);
      await expect(withdraw(bob.address, 90_000n)).to.emit(bridge, "WithdrawalFinalized").and.not.to.emit(bridge, "ReleaseQueued");
      expect((await bridge.rateLimit(tokenAddress, INBOUND))[1]).to.equal(ethers.MaxUint256);

      await bridge.setRateLimit(tokenAddress, INBOUND, LIMIT);
      await bridge.setRateLimit(tokenAddress, INBOUND, OFF);
      await time.increase(3n * DAY);
      await bridge.activateRateLimit(tokenAddress, INBOUND);
      expect((await bridge.rateLimit(tokenAddress, INBOUND))[1]).to.equal(ethers.MaxUint256);
      await expect(withdraw(bob.address, 50_000n)).to.emit(bridge, "WithdrawalFinalized").and.not.to.emit(bridge, "ReleaseQueued");
      expect(await token.balanceOf(bob.address)).to.equal(140_000n);
      expect(await bridge.releaseSequence()).to.equal(0n);
    });
  });
});
