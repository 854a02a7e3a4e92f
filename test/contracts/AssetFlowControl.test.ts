/**
 * FlowControl on the asset bridges: an ERC721 counts one unit per id, an ERC1155 the sum of its
 * amounts, a child-native token as its kind does, each per token contract. Drives the bridges
 * through a stub messenger: a forged message is then just a forwarded call, which is the attack
 * the inbound limit bounds.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { mined } from "../helpers/bridges";
import { Kind, assetBridgeWithStub, assetFixture, range } from "../helpers/assets";
import type { ChildAssetBridge, RootAssetBridge } from "../../typechain-types";

const OUTBOUND = 0;
const INBOUND = 1;
const GUARDIAN_ROLE = ethers.id("GUARDIAN_ROLE");
const DAY = 86_400n;
/** Ten units, one more a second, at most ten at once, a day for larger ones. */
const LIMIT = { capacity: 10n, ratePerSecond: 1n, maxTransfer: 10n, largeTransferDelay: DAY };

async function queuedOf(bridge: RootAssetBridge | ChildAssetBridge, tx: Promise<ContractTransactionResponse>) {
  const receipt = await mined(tx);
  for (const log of receipt.logs) {
    const parsed = bridge.interface.parseLog(log);
    if (parsed?.name === "ReleaseQueued") {
      return { id: parsed.args.id as string, sequence: parsed.args.sequence as bigint, amount: parsed.args.amount as bigint, releasableAt: parsed.args.releasableAt as bigint, payload: parsed.args.payload as string, block: receipt.blockNumber };
    }
  }
  throw new Error(`no ReleaseQueued in ${receipt.hash}`);
}

async function timestampOf(blockNumber: number): Promise<bigint> {
  return BigInt((await ethers.provider.getBlock(blockNumber))!.timestamp);
}

/** A root asset bridge on a stub, ERC721 ids 1-20 and 500 of ERC1155 ids 1 and 2 escrowed from alice, carol its guardian. */
async function rootFixture() {
  const fixture = await assetFixture();
  const { system, alice, carol, nft, items } = fixture;
  const remote = system.users[7].address;
  const { stub, bridge } = await assetBridgeWithStub("RootAssetBridge", system.admin.address, remote);
  await bridge.grantRole(GUARDIAN_ROLE, carol.address);
  await nft.connect(alice).setApprovalForAll(bridge, true);
  await items.connect(alice).setApprovalForAll(bridge, true);
  await bridge.connect(alice).depositERC721Batch(nft, alice.address, range(1, 20), 0);
  await bridge.connect(alice).depositERC1155Batch(items, alice.address, [1n, 2n], [500n, 500n], 0);
  const [nftAddress, itemsAddress] = [await nft.getAddress(), await items.getAddress()];
  const withdrawNFTs = (to: string, ids: bigint[]) =>
    stub.forward(bridge, bridge.interface.encodeFunctionData("finalizeERC721Withdrawal", [nftAddress, alice.address, to, ids]));
  return { ...fixture, stub, bridge, nftAddress, itemsAddress, withdrawNFTs };
}

describe("FlowControl on the asset bridges", function () {
  describe("RootAssetBridge inbound", function () {
    it("pays a forged run of ERC721 withdrawals out no faster than the bucket: the rest waits in the queue", async function () {
      const { bridge, nft, nftAddress, bob, withdrawNFTs } = await loadFixture(rootFixture);
      await bridge.setRateLimit(nftAddress, INBOUND, LIMIT);
      // 16 tokens in two messages, from a bucket of 10: the first batch of 6 leaves at once...
      const first = await mined(withdrawNFTs(bob.address, range(1, 6)));
      expect(await nft.ownerOf(6n)).to.equal(bob.address);
      // ...the second, a second later, needs 10 with 5 in the bucket: queued for 5 seconds, not released.
      await time.setNextBlockTimestamp((await timestampOf(first.blockNumber)) + 1n);
      const queued = await queuedOf(bridge, withdrawNFTs(bob.address, range(7, 16)));
      expect(queued.amount).to.equal(10n);
      expect(queued.releasableAt).to.equal((await timestampOf(queued.block)) + 5n);
      expect(await nft.ownerOf(7n)).to.equal(await bridge.getAddress());
      expect(await bridge.isEscrowed(nftAddress, 7n)).to.equal(true);
    });

    it("executes a queued ERC721 batch exactly at its time, not one second before, and never twice", async function () {
      const { bridge, nft, nftAddress, bob, alice, withdrawNFTs } = await loadFixture(rootFixture);
      await bridge.setRateLimit(nftAddress, INBOUND, LIMIT);
      const queued = await queuedOf(bridge, withdrawNFTs(bob.address, range(1, 12)));
      await time.setNextBlockTimestamp(queued.releasableAt - 1n);
      await expect(bridge.connect(alice).executeQueuedRelease(queued.sequence, queued.payload))
        .to.be.revertedWithCustomError(bridge, "FlowControlReleaseNotDue")
        .withArgs(queued.id, queued.releasableAt);
      await time.setNextBlockTimestamp(queued.releasableAt);
      await expect(bridge.connect(alice).executeQueuedRelease(queued.sequence, queued.payload))
        .to.emit(bridge, "QueuedReleaseExecuted")
        .withArgs(queued.id, alice.address)
        .and.to.emit(bridge, "ERC721WithdrawalFinalized");
      for (const id of range(1, 12)) expect(await nft.ownerOf(id)).to.equal(bob.address);
      await expect(bridge.executeQueuedRelease(queued.sequence, queued.payload))
        .to.be.revertedWithCustomError(bridge, "FlowControlReleaseExecuted")
        .withArgs(queued.id);
    });

    it("lets the guardian, only, push a queued release back; it executes at the new time", async function () {
      const { bridge, nft, nftAddress, bob, carol, withdrawNFTs } = await loadFixture(rootFixture);
      await bridge.setRateLimit(nftAddress, INBOUND, LIMIT);
      const queued = await queuedOf(bridge, withdrawNFTs(bob.address, range(1, 12)));
      const later = queued.releasableAt + DAY;
      await expect(bridge.connect(bob).extendQueuedRelease(queued.id, later)).to.be.revertedWithCustomError(bridge, "AccessControlUnauthorizedAccount");
      await expect(bridge.connect(carol).extendQueuedRelease(queued.id, later))
        .to.emit(bridge, "QueuedReleaseExtended")
        .withArgs(queued.id, queued.releasableAt, later);
      await time.setNextBlockTimestamp(later - 1n);
      await expect(bridge.executeQueuedRelease(queued.sequence, queued.payload)).to.be.revertedWithCustomError(bridge, "FlowControlReleaseNotDue");
      await time.setNextBlockTimestamp(later);
      await bridge.executeQueuedRelease(queued.sequence, queued.payload);
      expect(await nft.ownerOf(12n)).to.equal(bob.address);
    });

    it("counts an ERC1155 withdrawal by the sum of its amounts, and executes it with the release's gas only", async function () {
      const { bridge, stub, items, itemsAddress, alice, bob } = await loadFixture(rootFixture);
      await bridge.setRateLimit(itemsAddress, INBOUND, { capacity: 100n, ratePerSecond: 1n, maxTransfer: 100n, largeTransferDelay: DAY });
      const call = bridge.interface.encodeFunctionData("finalizeERC1155Withdrawal", [itemsAddress, alice.address, bob.address, [1n, 2n], [70n, 50n]]);
      const queued = await queuedOf(bridge, stub.forward(bridge, call));
      expect(queued.amount).to.equal(120n);
      // Above the cap: the large-transfer delay, not the 20 seconds of refill.
      expect(queued.releasableAt).to.equal((await timestampOf(queued.block)) + DAY);
      await time.increaseTo(queued.releasableAt);
      // Too little gas would fail the transfer on purpose and turn it into a credit: refused.
      await expect(bridge.executeQueuedRelease(queued.sequence, queued.payload, { gasLimit: 200_000 })).to.be.revertedWithCustomError(bridge, "RootAssetBridgeReleaseGasTooLow");
      await bridge.executeQueuedRelease(queued.sequence, queued.payload);
      expect(await items.balanceOf(bob.address, 1n)).to.equal(70n);
      expect(await items.balanceOf(bob.address, 2n)).to.equal(50n);
      expect(await bridge.escrowedAmount(itemsAddress, 1n)).to.equal(430n);
    });
  });

  describe("RootAssetBridge outbound", function () {
    it("refuses a deposit over the bucket with the seconds until it fits, and refills at the rate", async function () {
      const { system, nft, items, alice } = await loadFixture(assetFixture);
      const { bridge } = await assetBridgeWithStub("RootAssetBridge", system.admin.address, system.users[7].address);
      await nft.connect(alice).setApprovalForAll(bridge, true);
      await items.connect(alice).setApprovalForAll(bridge, true);
      const [nftAddress, itemsAddress] = [await nft.getAddress(), await items.getAddress()];
      await bridge.setRateLimit(nftAddress, OUTBOUND, LIMIT);
      const receipt = await mined(bridge.connect(alice).depositERC721Batch(nft, alice.address, range(1, 8), 0));
      const t0 = await timestampOf(receipt.blockNumber);
      // 2 left; 4 more a second later is 3 in the bucket: refused with a second to wait.
      await time.setNextBlockTimestamp(t0 + 1n);
      await expect(bridge.connect(alice).depositERC721Batch(nft, alice.address, range(9, 12), 0))
        .to.be.revertedWithCustomError(bridge, "FlowControlRateLimited")
        .withArgs(nftAddress, OUTBOUND, 4n, 3n, 1n);
      await time.setNextBlockTimestamp(t0 + 2n);
      await bridge.connect(alice).depositERC721Batch(nft, alice.address, range(9, 12), 0);
      expect(await nft.ownerOf(12n)).to.equal(await bridge.getAddress());
      // An ERC1155 batch counts its amounts' sum against the per-transfer cap, whatever its ids.
      await bridge.setRateLimit(itemsAddress, OUTBOUND, { ...LIMIT, capacity: 100n, maxTransfer: 100n });
      await expect(bridge.connect(alice).depositERC1155Batch(items, alice.address, [1n, 2n], [60n, 41n], 0))
        .to.be.revertedWithCustomError(bridge, "FlowControlAboveTransferCap")
        .withArgs(itemsAddress, OUTBOUND, 101n, 100n);
      // The safeTransferFrom hook deposits are limited all the same.
      await expect(
        items.connect(alice).safeBatchTransferFrom(alice.address, bridge, [1n, 2n], [60n, 41n], "0x"),
      ).to.be.revertedWithCustomError(bridge, "FlowControlAboveTransferCap");
    });
  });

  describe("ChildAssetBridge", function () {
    async function childFixture() {
      const fixture = await assetFixture();
      const { system, carol } = fixture;
      const remote = system.users[7].address;
      const { stub, bridge } = await assetBridgeWithStub("ChildAssetBridge", system.admin.address, remote);
      await bridge.grantRole(GUARDIAN_ROLE, carol.address);
      return { ...fixture, stub, bridge };
    }

    it("queues an ERC1155 batch mint over the limit, deploying its child token first, and mints it exactly at its time", async function () {
      const { bridge, stub, items, alice, bob } = await loadFixture(childFixture);
      const rootToken = await items.getAddress();
      await bridge.setRateLimit(rootToken, INBOUND, { capacity: 100n, ratePerSecond: 2n, maxTransfer: 100n, largeTransferDelay: DAY });
      const metadata = ethers.AbiCoder.defaultAbiCoder().encode(["string", "string"], ["Items", "ITM"]);
      const call = bridge.interface.encodeFunctionData("finalizeERC1155Deposit", [rootToken, alice.address, bob.address, [1n, 2n], [40n, 50n], ["", "ipfs://2"], metadata]);
      await stub.forward(bridge, call);
      const child = await ethers.getContractAt("ChildERC1155", await bridge.childTokenOf(rootToken));
      expect(await child.balanceOf(bob.address, 2n)).to.equal(50n);
      // 10 left: another 30 waits 10 seconds at 2 a second.
      const second = bridge.interface.encodeFunctionData("finalizeERC1155Deposit", [rootToken, alice.address, bob.address, [1n, 2n], [10n, 20n], ["", "ipfs://2"], "0x"]);
      const queued = await queuedOf(bridge, stub.forward(bridge, second));
      expect(queued.releasableAt).to.equal((await timestampOf(queued.block)) + 10n);
      expect(await child.balanceOf(bob.address, 2n)).to.equal(50n);
      await time.setNextBlockTimestamp(queued.releasableAt - 1n);
      await expect(bridge.executeQueuedRelease(queued.sequence, queued.payload)).to.be.revertedWithCustomError(bridge, "FlowControlReleaseNotDue");
      await time.setNextBlockTimestamp(queued.releasableAt);
      await expect(bridge.executeQueuedRelease(queued.sequence, queued.payload)).to.emit(bridge, "ERC1155DepositFinalized");
      expect(await child.balanceOf(bob.address, 1n)).to.equal(50n);
      expect(await child.balanceOf(bob.address, 2n)).to.equal(70n);
      await expect(bridge.executeQueuedRelease(queued.sequence, queued.payload)).to.be.revertedWithCustomError(bridge, "FlowControlReleaseExecuted");
    });

    it("refuses a child-native exit over its outbound limit, and queues a return over its inbound one", async function () {
      const { bridge, stub, system, alice, bob } = await loadFixture(childFixture);
      const potions = await ethers.deployContract("DappERC1155", [], system.admin);
      const token = await potions.getAddress();
      await potions.mint(alice.address, 1n, 50n);
      await potions.mint(alice.address, 2n, 70n);
      await potions.connect(alice).setApprovalForAll(bridge, true);
      await bridge.connect(system.admin).registerChildNative(token, Kind.ERC1155);
      await bridge.setRateLimit(token, OUTBOUND, { capacity: 100n, ratePerSecond: 1n, maxTransfer: 100n, largeTransferDelay: DAY });
      await expect(bridge.connect(alice).exitChildNative(token, alice.address, [1n, 2n], [50n, 70n], 0))
        .to.be.revertedWithCustomError(bridge, "FlowControlAboveTransferCap")
        .withArgs(token, OUTBOUND, 120n, 100n);
      await bridge.connect(alice).exitChildNative(token, alice.address, [1n, 2n], [30n, 70n], 0);
      await bridge.setRateLimit(token, INBOUND, { capacity: 50n, ratePerSecond: 1n, maxTransfer: 50n, largeTransferDelay: DAY });
      const call = bridge.interface.encodeFunctionData("finalizeReturn", [Kind.ERC1155, token, alice.address, bob.address, [1n, 2n], [30n, 70n]]);
      const queued = await queuedOf(bridge, stub.forward(bridge, call));
      expect(queued.amount).to.equal(100n);
      expect(await potions.balanceOf(bob.address, 2n)).to.equal(0n);
      await time.increaseTo(queued.releasableAt);
      await bridge.executeQueuedRelease(queued.sequence, queued.payload);
      expect(await potions.balanceOf(bob.address, 2n)).to.equal(70n);
      expect(await bridge.lockedAmount(token, 2n)).to.equal(0n);
    });
  });
});
