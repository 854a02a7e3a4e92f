import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Lane, MessageStatus, mined, onlyMessage } from "../helpers/bridges";
import {
  Kind,
  MAX_BATCH,
  assetBridgeWithStub,
  assetFixture,
  childERC1155,
  childERC721,
  range,
  relayOk,
  sendAndRelay,
} from "../helpers/assets";

const coder = ethers.AbiCoder.defaultAbiCoder();

describe("Asset bridge (ERC721, ERC1155)", function () {
  describe("ERC721", function () {
    it("deploys the child token at its predicted address on the first deposit, with name, symbol and tokenURI, and brings the token back", async function () {
      const { system, rootAssets, childAssets, nft, alice, bob } = await loadFixture(assetFixture);
      const root = await nft.getAddress();
      const predicted = await childAssets.predictChildToken(root, Kind.ERC721);
      const { receipt } = await sendAndRelay(Lane.deposits(system), rootAssets.connect(alice).depositERC721(root, bob.address, 7n));
      const deposit = await onlyMessage(system.main.messenger, receipt);
      expect(await childAssets.childTokenOf(root)).to.equal(predicted);
      expect(await childAssets.rootTokenOf(predicted)).to.deep.equal([root, Kind.ERC721]);
      const child = await childERC721(childAssets, root);
      expect([await child.name(), await child.symbol(), await child.rootToken(), await child.bridge()]).to.deep.equal([
        "Test Apes",
        "APE",
        root,
        await childAssets.getAddress(),
      ]);
      expect(await child.ownerOf(7n)).to.equal(bob.address);
      expect(await child.tokenURI(7n)).to.equal("ipfs://apes/7");
      expect(await nft.ownerOf(7n)).to.equal(await rootAssets.getAddress());
      expect(await rootAssets.isEscrowed(root, 7n)).to.equal(true);
      expect(await rootAssets.kindOf(root)).to.equal(Kind.ERC721);
      expect(deposit.gasLimit).to.equal(100_000n + 60_000n + 13n * 750n + 400_000n);

      const tx = childAssets.connect(bob).withdrawERC721(predicted, alice.address, 7n);
      const { relay } = await sendAndRelay(Lane.withdrawals(system), tx);
      await expect(relay).to.emit(rootAssets, "ERC721WithdrawalFinalized").withArgs(root, bob.address, alice.address, [7n]);
      expect(await nft.ownerOf(7n)).to.equal(alice.address);
      expect(await rootAssets.isEscrowed(root, 7n)).to.equal(false);
      await expect(child.ownerOf(7n)).to.be.revertedWithCustomError(child, "ERC721NonexistentToken");

      // A second deposit carries no metadata and the child token is reused; the URI is carried again.
      const second = await sendAndRelay(Lane.deposits(system), rootAssets.connect(alice).depositERC721(root, alice.address, 7n));
      expect((await onlyMessage(system.main.messenger, second.receipt)).gasLimit).to.equal(100_000n + 60_000n + 13n * 750n);
      expect(await child.tokenURI(7n)).to.equal("ipfs://apes/7");
    });

    it("deposits and withdraws a batch of MAX_BATCH tokens and refuses one more, on both sides", async function () {
      const { system, rootAssets, childAssets, nft, alice } = await loadFixture(assetFixture);
      const root = await nft.getAddress();
      expect(await rootAssets.MAX_BATCH()).to.equal(BigInt(MAX_BATCH));
      await expect(rootAssets.connect(alice).depositERC721Batch(root, alice.address, range(1, MAX_BATCH + 1), 0))
        .to.be.revertedWithCustomError(rootAssets, "AssetGasBatchSize")
        .withArgs(MAX_BATCH + 1, MAX_BATCH);
      await expect(rootAssets.connect(alice).depositERC721Batch(root, alice.address, [], 0))
        .to.be.revertedWithCustomError(rootAssets, "AssetGasBatchSize")
        .withArgs(0, MAX_BATCH);
      const ids = range(1, MAX_BATCH);
      await sendAndRelay(Lane.deposits(system), rootAssets.connect(alice).depositERC721Batch(root, alice.address, ids, 0));
      const child = await childERC721(childAssets, root);
      expect(await child.balanceOf(alice.address)).to.equal(BigInt(MAX_BATCH));
      expect(await child.tokenURI(20n)).to.equal("ipfs://apes/20");

      await sendAndRelay(Lane.deposits(system), rootAssets.connect(alice).depositERC721(root, alice.address, 21n));
      await expect(childAssets.connect(alice).withdrawERC721Batch(await child.getAddress(), alice.address, range(1, 21), 0))
        .to.be.revertedWithCustomError(childAssets, "AssetGasBatchSize")
        .withArgs(21, MAX_BATCH);
      const { receipt } = await sendAndRelay(
        Lane.withdrawals(system),
        childAssets.connect(alice).withdrawERC721Batch(await child.getAddress(), alice.address, ids, 0),
      );
      expect((await onlyMessage(system.child.messenger, receipt)).gasLimit).to.equal(100_000n + 20n * 80_000n);
      for (const id of ids) expect(await nft.ownerOf(id)).to.equal(alice.address);
      expect(await child.balanceOf(alice.address)).to.equal(1n);
    });

    it("accepts safeTransferFrom deposits, to the receiver the data names or else to the sender", async function () {
      const { system, rootAssets, childAssets, nft, alice, bob } = await loadFixture(assetFixture);
      const root = await nft.getAddress();
      const bridge = await rootAssets.getAddress();
      const deposits = Lane.deposits(system);
      const send = (id: bigint, data: string) =>
        nft.connect(alice)["safeTransferFrom(address,address,uint256,bytes)"](alice.address, bridge, id, data);
      await sendAndRelay(deposits, send(1n, "0x"));
      await sendAndRelay(deposits, send(2n, coder.encode(["address"], [bob.address])));
      const third = await mined(send(3n, coder.encode(["address", "uint32"], [bob.address, 900_000])));
      expect((await onlyMessage(system.main.messenger, third)).gasLimit).to.equal(900_000n);
      await relayOk(deposits, third);
      const child = await childERC721(childAssets, root);
      expect(await child.ownerOf(1n)).to.equal(alice.address);
      expect(await child.ownerOf(2n)).to.equal(bob.address);
      expect(await child.ownerOf(3n)).to.equal(bob.address);
      await expect(send(4n, "0x1234")).to.be.revertedWithCustomError(rootAssets, "RootAssetBridgeBadDepositData").withArgs(2);
    });

    it("bridges a token whose name, symbol and tokenURI revert, with the default name and no URI, and leaves out a URI too long to carry", async function () {
      const { system, rootAssets, childAssets, nft, alice } = await loadFixture(assetFixture);
      const odd = await ethers.deployContract("RevertingMetadataERC721");
      await odd.mint(alice.address, 5n);
      await odd.connect(alice).approve(await rootAssets.getAddress(), 5n);
      await sendAndRelay(Lane.deposits(system), rootAssets.connect(alice).depositERC721(await odd.getAddress(), alice.address, 5n));
      const child = await childERC721(childAssets, await odd.getAddress());
      expect([await child.name(), await child.symbol(), await child.tokenURI(5n)]).to.deep.equal(["Bridged Token", "BRIDGED", ""]);
      expect(await child.ownerOf(5n)).to.equal(alice.address);
      // A URI longer than MAX_URI_BYTES (512) is not carried: cut, it would point elsewhere.
      await nft.mint(alice.address, 100n, "data:," + "x".repeat(600));
      await nft.mint(alice.address, 101n, "y".repeat(512));
      await sendAndRelay(Lane.deposits(system), rootAssets.connect(alice).depositERC721Batch(await nft.getAddress(), alice.address, [100n, 101n], 0));
      const childNft = await childERC721(childAssets, await nft.getAddress());
      expect(await childNft.tokenURI(100n)).to.equal("");
      expect(await childNft.tokenURI(101n)).to.equal("y".repeat(512));
    });

    it("credits a release the receiver refuses, claimable by the receiver alone to any address", async function () {
      const { system, rootAssets, childAssets, nft, alice, bob } = await loadFixture(assetFixture);
      const root = await nft.getAddress();
      const hazard = await ethers.deployContract("AssetReceiverHazard", [await rootAssets.getAddress()]);
      await hazard.setMode(1);
      await sendAndRelay(Lane.deposits(system), rootAssets.connect(alice).depositERC721Batch(root, alice.address, [1n, 2n], 0));
      const child = await childAssets.childTokenOf(root);
      const { relay } = await sendAndRelay(
        Lane.withdrawals(system),
        childAssets.connect(alice).withdrawERC721Batch(child, await hazard.getAddress(), [1n, 2n], 0),
      );
      await expect(relay).to.emit(rootAssets, "ERC721WithdrawalCredited").withArgs(root, await hazard.getAddress(), 1n);
      expect(await rootAssets.erc721CreditOf(root, 2n)).to.equal(await hazard.getAddress());
      expect(await nft.ownerOf(1n)).to.equal(await rootAssets.getAddress());
      // Not escrowed for the child chain any more: a second withdrawal message could not take it.
      expect(await rootAssets.isEscrowed(root, 1n)).to.equal(false);
      await expect(rootAssets.connect(bob).claimERC721(root, 1n, bob.address))
        .to.be.revertedWithCustomError(rootAssets, "RootAssetBridgeNotCreditHolder")
        .withArgs(root, 1n, bob.address, await hazard.getAddress());
      // The hazard claims through a call of its own: let alice impersonate it.
      await ethers.provider.send("hardhat_impersonateAccount", [await hazard.getAddress()]);
      await ethers.provider.send("hardhat_setBalance", [await hazard.getAddress(), "0xDE0B6B3A7640000"]);
      const asHazard = await ethers.getSigner(await hazard.getAddress());
      await expect(rootAssets.connect(asHazard).claimERC721(root, 1n, bob.address))
        .to.emit(rootAssets, "ERC721CreditClaimed")
        .withArgs(root, await hazard.getAddress(), bob.address, 1n);
      expect(await nft.ownerOf(1n)).to.equal(bob.address);
      expect(await rootAssets.erc721CreditOf(root, 1n)).to.equal(ethers.ZeroAddress);
      await expect(rootAssets.connect(asHazard).claimERC721(root, 1n, bob.address)).to.be.revertedWithCustomError(
        rootAssets,
        "RootAssetBridgeNotCreditHolder",
      );
    });

    it("stays consistent when the receiver re-enters the bridge from its hook and deposits the token straight back", async function () {
      const { system, rootAssets, childAssets, nft, alice } = await loadFixture(assetFixture);
      const root = await nft.getAddress();
      const hazard = await ethers.deployContract("AssetReceiverHazard", [await rootAssets.getAddress()]);
      await hazard.setMode(2);
      await sendAndRelay(Lane.deposits(system), rootAssets.connect(alice).depositERC721(root, alice.address, 1n));
      const child = await childERC721(childAssets, root);
      const withdrawal = await mined(childAssets.connect(alice).withdrawERC721(await child.getAddress(), await hazard.getAddress(), 1n));
      const relay = await relayOk(Lane.withdrawals(system), withdrawal);
      const relayed = await relay.wait();
      await expect(relay).to.emit(rootAssets, "ERC721DepositInitiated");
      await expect(relay).to.not.emit(rootAssets, "ERC721WithdrawalCredited");
      expect(await nft.ownerOf(1n)).to.equal(await rootAssets.getAddress());
      expect(await rootAssets.isEscrowed(root, 1n)).to.equal(true);
      // The re-entered deposit is an ordinary message: relayed, it mints the token to the hazard.
      await relayOk(Lane.deposits(system), relayed!);
      expect(await child.ownerOf(1n)).to.equal(await hazard.getAddress());
    });

    it("releases only what a deposit of that very token escrowed", async function () {
      const { system, nft, alice, carol } = await loadFixture(assetFixture);
      const { stub, bridge } = await assetBridgeWithStub("RootAssetBridge", system.admin.address, carol.address);
      const root = await nft.getAddress();
      // Sent to the bridge without a deposit (no hook): not escrowed, so never released.
      await nft.connect(alice).transferFrom(alice.address, await bridge.getAddress(), 3n);
      const call = bridge.interface.encodeFunctionData("finalizeERC721Withdrawal", [root, alice.address, alice.address, [3n]]);
      await expect(stub.forward(await bridge.getAddress(), call))
        .to.be.revertedWithCustomError(bridge, "RootAssetBridgeNotEscrowed")
        .withArgs(root, 3n);
      await expect(bridge.connect(alice).finalizeERC721Withdrawal(root, alice.address, alice.address, [3n]))
        .to.be.revertedWithCustomError(bridge, "TokenBridgeNotFromCounterpart");
      // Escrowed under one token, it cannot be released under another.
      await nft.connect(alice).setApprovalForAll(await bridge.getAddress(), true);
      await bridge.connect(alice).depositERC721(root, alice.address, 4n);
      const other = await ethers.deployContract("TestERC721", ["Other", "OTH"]);
      const otherCall = bridge.interface.encodeFunctionData("finalizeERC721Withdrawal", [await other.getAddress(), alice.address, alice.address, [4n]]);
      await expect(stub.forward(await bridge.getAddress(), otherCall)).to.be.revertedWithCustomError(bridge, "RootAssetBridgeNotEscrowed");
      // A hook for a token already in escrow (a hostile token replaying it) would mint it twice: refused.
      await ethers.provider.send("hardhat_impersonateAccount", [root]);
      await ethers.provider.send("hardhat_setBalance", [root, "0xDE0B6B3A7640000"]);
      const asToken = await ethers.getSigner(root);
      await expect(bridge.connect(asToken).onERC721Received(alice.address, alice.address, 4n, "0x"))
        .to.be.revertedWithCustomError(bridge, "RootAssetBridgeAlreadyEscrowed")
        .withArgs(root, 4n);
      // From an account without code it is not a token at all.
      await expect(bridge.connect(alice).onERC721Received(alice.address, alice.address, 4n, "0x"))
        .to.be.revertedWithCustomError(bridge, "RootAssetBridgeTokenNotContract");
    });

    it("refuses to deposit a token mapped as the other kind, and to withdraw a child token as the wrong kind", async function () {
      const { system, rootAssets, childAssets, nft, items, alice } = await loadFixture(assetFixture);
      await sendAndRelay(Lane.deposits(system), rootAssets.connect(alice).depositERC721(await nft.getAddress(), alice.address, 1n));
      await expect(rootAssets.connect(alice).depositERC1155(await nft.getAddress(), alice.address, 1n, 1n))
        .to.be.revertedWithCustomError(rootAssets, "RootAssetBridgeWrongKind")
        .withArgs(await nft.getAddress(), Kind.ERC1155, Kind.ERC721);
      const child = await childAssets.childTokenOf(await nft.getAddress());
      await expect(childAssets.connect(alice).withdrawERC1155(child, alice.address, 1n, 1n))
        .to.be.revertedWithCustomError(childAssets, "ChildAssetBridgeWrongKind")
        .withArgs(child, Kind.ERC721, Kind.ERC1155);
      await expect(childAssets.connect(alice).withdrawERC721(await items.getAddress(), alice.address, 1n))
        .to.be.revertedWithCustomError(childAssets, "ChildAssetBridgeWrongKind")
        .withArgs(await items.getAddress(), Kind.None, Kind.ERC721);
    });

    it("lets only the owner withdraw a child token, and only the bridge mint or burn it", async function () {
      const { system, rootAssets, childAssets, nft, alice, bob } = await loadFixture(assetFixture);
      await sendAndRelay(Lane.deposits(system), rootAssets.connect(alice).depositERC721(await nft.getAddress(), alice.address, 1n));
      const child = await childERC721(childAssets, await nft.getAddress());
      await expect(childAssets.connect(bob).withdrawERC721(await child.getAddress(), bob.address, 1n))
        .to.be.revertedWithCustomError(child, "BridgedERC721NotOwner")
        .withArgs(1n, bob.address, alice.address);
      await expect(child.connect(bob).mint(bob.address, 9n, "")).to.be.revertedWithCustomError(child, "BridgedERC721OnlyBridge");
      await expect(child.connect(bob).initialize(bob.address, "x", "y")).to.be.revertedWithCustomError(child, "BridgedERC721AlreadyInitialized");
      const implementation = await ethers.getContractAt("ChildERC721", await childAssets.erc721Implementation());
      await expect(implementation.initialize(bob.address, "x", "y")).to.be.revertedWithCustomError(child, "BridgedERC721AlreadyInitialized");
    });

    it("fails a deposit that overtakes the token's first one, and it succeeds on retry", async function () {
      const { system, rootAssets, childAssets, nft, alice } = await loadFixture(assetFixture);
      const root = await nft.getAddress();
      const deposits = Lane.deposits(system);
      const first = await mined(rootAssets.connect(alice).depositERC721(root, alice.address, 1n));
      const second = await mined(rootAssets.connect(alice).depositERC721(root, alice.address, 2n));
      const message = await onlyMessage(system.main.messenger, second);
      await deposits.relay(second);
      expect(await deposits.statusOf(message)).to.equal(MessageStatus.Failed);
      await relayOk(deposits, first);
      await deposits.retry(message);
      expect(await deposits.statusOf(message)).to.equal(MessageStatus.Relayed);
      expect(await (await childERC721(childAssets, root)).ownerOf(2n)).to.equal(alice.address);
    });
  });

  describe("ERC1155", function () {
    it("deposits one id with its uri, then brings it back", async function () {
      const { system, rootAssets, childAssets, items, alice, bob } = await loadFixture(assetFixture);
      const root = await items.getAddress();
      await sendAndRelay(Lane.deposits(system), rootAssets.connect(alice).depositERC1155(root, bob.address, 2n, 300n));
      const child = await childERC1155(childAssets, root);
      expect(await child.getAddress()).to.equal(await childAssets.predictChildToken(root, Kind.ERC1155));
      expect([await child.name(), await child.symbol(), await child.uri(2n)]).to.deep.equal(["Test Items", "ITEM", "ipfs://items/2"]);
      expect(await child.balanceOf(bob.address, 2n)).to.equal(300n);
      expect(await rootAssets.escrowedAmount(root, 2n)).to.equal(300n);
      await sendAndRelay(Lane.withdrawals(system), childAssets.connect(bob).withdrawERC1155(await child.getAddress(), bob.address, 2n, 120n));
      expect(await items.balanceOf(bob.address, 2n)).to.equal(120n);
      expect(await rootAssets.escrowedAmount(root, 2n)).to.equal(180n);
      expect(await child.balanceOf(bob.address, 2n)).to.equal(180n);
      await expect(childAssets.connect(bob).withdrawERC1155(await child.getAddress(), bob.address, 2n, 181n))
        .to.be.revertedWithCustomError(child, "ERC1155InsufficientBalance");
      await expect(childAssets.connect(bob).withdrawERC1155(await child.getAddress(), bob.address, 2n, 0n))
        .to.be.revertedWithCustomError(childAssets, "ChildAssetBridgeZeroAmount");
    });

    it("deposits batches by call and by safeBatchTransferFrom, withdraws a batch, and refuses one over MAX_BATCH", async function () {
      const { system, rootAssets, childAssets, items, alice, bob } = await loadFixture(assetFixture);
      const root = await items.getAddress();
      const ids = range(1, 10);
      const amounts = ids.map((id) => id * 10n);
      const deposits = Lane.deposits(system);
      await sendAndRelay(deposits, rootAssets.connect(alice).depositERC1155Batch(root, alice.address, ids, amounts, 0));
      await sendAndRelay(
        deposits,
        items
          .connect(alice)
          .safeBatchTransferFrom(alice.address, await rootAssets.getAddress(), ids, amounts, coder.encode(["address"], [bob.address])),
      );
      await sendAndRelay(
        deposits,
        items.connect(alice).safeTransferFrom(alice.address, await rootAssets.getAddress(), 11n, 5n, "0x"),
      );
      const child = await childERC1155(childAssets, root);
      expect(await child.balanceOf(bob.address, 10n)).to.equal(100n);
      expect(await child.balanceOf(alice.address, 10n)).to.equal(100n);
      expect(await child.balanceOf(alice.address, 11n)).to.equal(5n);
      expect(await rootAssets.escrowedAmount(root, 10n)).to.equal(200n);
      expect(await child.uri(4n)).to.equal("ipfs://items/4");
      expect(await child.uri(3n)).to.equal("");

      const over = range(1, MAX_BATCH + 1);
      await expect(rootAssets.connect(alice).depositERC1155Batch(root, alice.address, over, over, 0))
        .to.be.revertedWithCustomError(rootAssets, "AssetGasBatchSize")
        .withArgs(MAX_BATCH + 1, MAX_BATCH);
      await expect(rootAssets.connect(alice).depositERC1155Batch(root, alice.address, ids, amounts.slice(1), 0))
        .to.be.revertedWithCustomError(rootAssets, "RootAssetBridgeLengthMismatch")
        .withArgs(10, 9);
      await expect(rootAssets.connect(alice).depositERC1155Batch(root, alice.address, [1n], [0n], 0))
        .to.be.revertedWithCustomError(rootAssets, "RootAssetBridgeZeroAmount");
      await expect(childAssets.connect(bob).withdrawERC1155Batch(await child.getAddress(), bob.address, over, over, 0))
        .to.be.revertedWithCustomError(childAssets, "AssetGasBatchSize");

      const before = await items.balanceOf(bob.address, 10n);
      await sendAndRelay(
        Lane.withdrawals(system),
        childAssets.connect(bob).withdrawERC1155Batch(await child.getAddress(), bob.address, ids, amounts, 0),
      );
      expect(await items.balanceOf(bob.address, 10n)).to.equal(before + 100n);
      expect(await child.balanceOf(bob.address, 10n)).to.equal(0n);
      expect(await rootAssets.escrowedAmount(root, 10n)).to.equal(100n);
    });

    it("bridges a token whose uri reverts and that has no name", async function () {
      const { system, rootAssets, childAssets, alice } = await loadFixture(assetFixture);
      const odd = await ethers.deployContract("RevertingURIERC1155");
      await odd.mint(alice.address, 1n, 10n);
      await odd.connect(alice).setApprovalForAll(await rootAssets.getAddress(), true);
      await sendAndRelay(Lane.deposits(system), rootAssets.connect(alice).depositERC1155(await odd.getAddress(), alice.address, 1n, 10n));
      const child = await childERC1155(childAssets, await odd.getAddress());
      expect([await child.name(), await child.uri(1n), await child.balanceOf(alice.address, 1n)]).to.deep.equal(["Bridged Token", "", 10n]);
    });

    it("credits a refused release and lets the receiver claim part of it to another address", async function () {
      const { system, rootAssets, childAssets, items, alice, bob } = await loadFixture(assetFixture);
      const root = await items.getAddress();
      const hazard = await ethers.deployContract("AssetReceiverHazard", [await rootAssets.getAddress()]);
      await hazard.setMode(1);
      await sendAndRelay(Lane.deposits(system), rootAssets.connect(alice).depositERC1155Batch(root, alice.address, [1n, 2n], [10n, 20n], 0));
      const child = await childAssets.childTokenOf(root);
      const { relay } = await sendAndRelay(
        Lane.withdrawals(system),
        childAssets.connect(alice).withdrawERC1155Batch(child, await hazard.getAddress(), [1n, 2n], [10n, 20n], 0),
      );
      await expect(relay).to.emit(rootAssets, "ERC1155WithdrawalCredited").withArgs(root, await hazard.getAddress(), [1n, 2n], [10n, 20n]);
      expect(await rootAssets.erc1155Credit(root, 2n, await hazard.getAddress())).to.equal(20n);
      expect(await rootAssets.escrowedAmount(root, 2n)).to.equal(0n);
      await ethers.provider.send("hardhat_impersonateAccount", [await hazard.getAddress()]);
      await ethers.provider.send("hardhat_setBalance", [await hazard.getAddress(), "0xDE0B6B3A7640000"]);
      const asHazard = await ethers.getSigner(await hazard.getAddress());
      await expect(rootAssets.connect(asHazard).claimERC1155(root, 2n, bob.address, 21n))
        .to.be.revertedWithCustomError(rootAssets, "RootAssetBridgeInsufficientCredit")
        .withArgs(root, 2n, await hazard.getAddress(), 20n, 21n);
      await rootAssets.connect(asHazard).claimERC1155(root, 2n, bob.address, 15n);
      expect(await items.balanceOf(bob.address, 2n)).to.equal(15n);
      expect(await rootAssets.erc1155Credit(root, 2n, await hazard.getAddress())).to.equal(5n);
    });

    it("stays consistent when the receiver re-enters and deposits the released batch straight back", async function () {
      const { system, rootAssets, childAssets, items, alice } = await loadFixture(assetFixture);
      const root = await items.getAddress();
      const hazard = await ethers.deployContract("AssetReceiverHazard", [await rootAssets.getAddress()]);
      await hazard.setMode(2);
      await sendAndRelay(Lane.deposits(system), rootAssets.connect(alice).depositERC1155Batch(root, alice.address, [1n, 2n], [10n, 20n], 0));
      const child = await childERC1155(childAssets, root);
      const withdrawal = await mined(
        childAssets.connect(alice).withdrawERC1155Batch(await child.getAddress(), await hazard.getAddress(), [1n, 2n], [10n, 20n], 0),
      );
      const relay = await relayOk(Lane.withdrawals(system), withdrawal);
      await expect(relay).to.emit(rootAssets, "ERC1155DepositInitiated");
      await expect(relay).to.not.emit(rootAssets, "ERC1155WithdrawalCredited");
      expect(await rootAssets.escrowedAmount(root, 2n)).to.equal(20n);
      expect(await items.balanceOf(await rootAssets.getAddress(), 2n)).to.equal(20n);
      await relayOk(Lane.deposits(system), (await relay.wait())!);
      expect(await child.balanceOf(await hazard.getAddress(), 2n)).to.equal(20n);
    });

    it("never releases more of an id than deposits of that token escrowed", async function () {
      const { system, items, alice, carol } = await loadFixture(assetFixture);
      const { stub, bridge } = await assetBridgeWithStub("RootAssetBridge", system.admin.address, carol.address);
      const root = await items.getAddress();
      await items.connect(alice).setApprovalForAll(await bridge.getAddress(), true);
      await bridge.connect(alice).depositERC1155(root, alice.address, 1n, 10n);
      const call = bridge.interface.encodeFunctionData("finalizeERC1155Withdrawal", [root, alice.address, alice.address, [1n], [11n]]);
      await expect(stub.forward(await bridge.getAddress(), call))
        .to.be.revertedWithCustomError(bridge, "RootAssetBridgeInsufficientEscrow")
        .withArgs(root, 1n, 10n, 11n);
      const ok = bridge.interface.encodeFunctionData("finalizeERC1155Withdrawal", [root, alice.address, alice.address, [1n], [10n]]);
      await stub.forward(await bridge.getAddress(), ok);
      expect(await items.balanceOf(alice.address, 1n)).to.equal(1_000n);
    });
  });

  describe("tokens native to the child chain", function () {
    async function nativeFixture() {
      const fixture = await assetFixture();
      const { childAssets, alice, system } = fixture;
      const owner = system.admin;
      const gold = await ethers.deployContract("DappERC20", [], owner);
      const swords = await ethers.deployContract("DappERC721", [], owner);
      const potions = await ethers.deployContract("DappERC1155", [], owner);
      const bridge = await childAssets.getAddress();
      await gold.mint(alice.address, 1_000n);
      await gold.connect(alice).approve(bridge, ethers.MaxUint256);
      for (const id of [1n, 2n, 3n]) await swords.mint(alice.address, id, `ipfs://swords/${id}`);
      await swords.connect(alice).setApprovalForAll(bridge, true);
      await potions.mint(alice.address, 1n, 50n);
      await potions.mint(alice.address, 2n, 70n);
      await potions.connect(alice).setApprovalForAll(bridge, true);
      for (const [token, kind] of [[gold, Kind.ERC20], [swords, Kind.ERC721], [potions, Kind.ERC1155]] as const) {
        await childAssets.connect(owner).registerChildNative(await token.getAddress(), kind);
      }
      return { ...fixture, owner, gold, swords, potions };
    }

    it("lets only the token's owner register it, once, and refuses a token a bridge deployed", async function () {
      const { system, rootAssets, childAssets, nft, alice, owner } = await loadFixture(nativeFixture);
      const other = await ethers.deployContract("DappERC20", [], owner);
      await expect(childAssets.connect(alice).registerChildNative(await other.getAddress(), Kind.ERC20))
        .to.be.revertedWithCustomError(childAssets, "ChildNativeExitsNotTokenOwner")
        .withArgs(await other.getAddress(), alice.address);
      await expect(childAssets.connect(owner).registerChildNative(await other.getAddress(), Kind.None))
        .to.be.revertedWithCustomError(childAssets, "ChildNativeExitsBadKind");
      await expect(childAssets.connect(alice).exitChildNative(await other.getAddress(), alice.address, [], [1n], 0))
        .to.be.revertedWithCustomError(childAssets, "ChildNativeExitsNotRegistered");
      await expect(childAssets.connect(owner).registerChildNative(await other.getAddress(), Kind.ERC20))
        .to.emit(childAssets, "ChildNativeRegistered")
        .withArgs(await other.getAddress(), Kind.ERC20, owner.address);
      await expect(childAssets.connect(owner).registerChildNative(await other.getAddress(), Kind.ERC721))
        .to.be.revertedWithCustomError(childAssets, "ChildNativeExitsAlreadyRegistered")
        .withArgs(await other.getAddress(), Kind.ERC20);
      // A child token of a main-chain token (no owner() either) cannot be passed off as child-native.
      await sendAndRelay(Lane.deposits(system), rootAssets.connect(alice).depositERC721(await nft.getAddress(), alice.address, 1n));
      const child = await childAssets.childTokenOf(await nft.getAddress());
      await expect(childAssets.connect(owner).registerChildNative(child, Kind.ERC721)).to.be.revertedWithCustomError(
        childAssets,
        "ChildNativeExitsAlreadyRegistered",
      );
    });

    it("ERC20: locks it on the child chain, mints a MainMintableERC20 on the first exit, and burns it to come back", async function () {
      const { system, rootAssets, childAssets, gold, alice, bob } = await loadFixture(nativeFixture);
      const childToken = await gold.getAddress();
      const predicted = await rootAssets.predictMainToken(childToken, Kind.ERC20);
      const { receipt } = await sendAndRelay(
        Lane.withdrawals(system),
        childAssets.connect(alice).exitChildNative(childToken, bob.address, [], [400n], 0),
      );
      expect((await onlyMessage(system.child.messenger, receipt)).gasLimit).to.equal(100_000n + 60_000n + 400_000n);
      expect(await rootAssets.mainTokenOf(childToken)).to.equal(predicted);
      expect(await rootAssets.childTokenOfMintable(predicted)).to.deep.equal([childToken, Kind.ERC20]);
      const main = await ethers.getContractAt("MainMintableERC20", predicted);
      expect([await main.name(), await main.symbol(), await main.decimals(), await main.childToken()]).to.deep.equal([
        "Game Gold",
        "GOLD",
        18n,
        childToken,
      ]);
      expect(await main.balanceOf(bob.address)).to.equal(400n);
      const lockbox = await childAssets.childLockbox();
      expect(await gold.balanceOf(lockbox)).to.equal(400n);
      expect(await childAssets.lockedAmount(childToken, 0n)).to.equal(400n);

      await expect(rootAssets.connect(bob).returnToChild(predicted, alice.address, [], [401n], 0))
        .to.be.revertedWithCustomError(main, "ERC20InsufficientBalance");
      await expect(rootAssets.connect(bob).returnToChild(predicted, alice.address, [1n], [1n], 0))
        .to.be.revertedWithCustomError(rootAssets, "AssetGasBadShape")
        .withArgs(Kind.ERC20, 1, 1);
      await expect(rootAssets.connect(bob).returnToChild(childToken, alice.address, [], [1n], 0))
        .to.be.revertedWithCustomError(rootAssets, "MainMintableAssetsUnknownToken");
      const { relay } = await sendAndRelay(Lane.deposits(system), rootAssets.connect(bob).returnToChild(predicted, alice.address, [], [150n], 0));
      await expect(relay).to.emit(childAssets, "ChildNativeReturnFinalized").withArgs(childToken, bob.address, alice.address, [], [150n]);
      expect(await main.totalSupply()).to.equal(250n);
      expect(await gold.balanceOf(lockbox)).to.equal(250n);
      expect(await gold.balanceOf(alice.address)).to.equal(750n);
      // A second exit carries no metadata.
      const second = await sendAndRelay(Lane.withdrawals(system), childAssets.connect(alice).exitChildNative(childToken, bob.address, [], [1n], 0));
      expect((await onlyMessage(system.child.messenger, second.receipt)).gasLimit).to.equal(160_000n);
      expect(await main.balanceOf(bob.address)).to.equal(251n);
    });

    it("ERC721: an id that exited stays locked on the child chain, so its dapp cannot mint it again while it lives on main", async function () {
      const { system, rootAssets, childAssets, swords, owner, alice, bob } = await loadFixture(nativeFixture);
      const childToken = await swords.getAddress();
      await sendAndRelay(Lane.withdrawals(system), childAssets.connect(alice).exitChildNative(childToken, bob.address, [1n, 2n], [], 0));
      const main = await ethers.getContractAt("MainMintableERC721", await rootAssets.mainTokenOf(childToken));
      expect([await main.name(), await main.ownerOf(2n), await main.tokenURI(2n)]).to.deep.equal(["Game Swords", bob.address, "ipfs://swords/2"]);
      // It goes back with returnToChild, not as a main-chain ERC721 (that would wrap it twice).
      await main.connect(bob).setApprovalForAll(await rootAssets.getAddress(), true);
      await expect(rootAssets.connect(bob).depositERC721(await main.getAddress(), bob.address, 2n))
        .to.be.revertedWithCustomError(rootAssets, "RootAssetBridgeMainMintable")
        .withArgs(await main.getAddress());
      const lockbox = await childAssets.childLockbox();
      expect(await swords.ownerOf(1n)).to.equal(lockbox);
      // The withdrawnTokens guard: the id exists on the child chain (in the lockbox), so it cannot be minted there again.
      await expect(swords.connect(owner).mint(alice.address, 1n, "forged")).to.be.revertedWithCustomError(swords, "ERC721InvalidSender");
      await expect(childAssets.connect(alice).exitChildNative(childToken, bob.address, [1n], [], 0))
        .to.be.revertedWithCustomError(childAssets, "ChildNativeExitsAlreadyLocked")
        .withArgs(childToken, 1n);
      await expect(rootAssets.connect(alice).returnToChild(await main.getAddress(), alice.address, [1n], [], 0))
        .to.be.revertedWithCustomError(main, "BridgedERC721NotOwner")
        .withArgs(1n, alice.address, bob.address);
      await sendAndRelay(Lane.deposits(system), rootAssets.connect(bob).returnToChild(await main.getAddress(), bob.address, [1n], [], 0));
      expect(await swords.ownerOf(1n)).to.equal(bob.address);
      await expect(main.ownerOf(1n)).to.be.revertedWithCustomError(main, "ERC721NonexistentToken");
      expect(await childAssets.lockedAmount(childToken, 1n)).to.equal(0n);
      expect(await childAssets.lockedAmount(childToken, 2n)).to.equal(1n);
      // Back on its home chain, it can exit again.
      await swords.connect(bob).approve(await childAssets.getAddress(), 1n);
      await sendAndRelay(Lane.withdrawals(system), childAssets.connect(bob).exitChildNative(childToken, alice.address, [1n], [], 0));
      expect(await main.ownerOf(1n)).to.equal(alice.address);
    });

    it("ERC1155: exits a batch, comes back in part", async function () {
      const { system, rootAssets, childAssets, potions, alice } = await loadFixture(nativeFixture);
      const childToken = await potions.getAddress();
      await sendAndRelay(Lane.withdrawals(system), childAssets.connect(alice).exitChildNative(childToken, alice.address, [1n, 2n], [50n, 70n], 0));
      const main = await ethers.getContractAt("MainMintableERC1155", await rootAssets.mainTokenOf(childToken));
      expect([await main.balanceOf(alice.address, 2n), await main.uri(2n)]).to.deep.equal([70n, "ipfs://potions/{id}.json"]);
      await sendAndRelay(Lane.deposits(system), rootAssets.connect(alice).returnToChild(await main.getAddress(), alice.address, [2n], [30n], 0));
      expect(await potions.balanceOf(alice.address, 2n)).to.equal(30n);
      expect(await childAssets.lockedAmount(childToken, 2n)).to.equal(40n);
      expect(await potions.balanceOf(await childAssets.childLockbox(), 2n)).to.equal(40n);
    });

    it("credits a return whose release fails, claimable by its receiver to another address", async function () {
      const { system, rootAssets, childAssets, potions, alice, bob } = await loadFixture(nativeFixture);
      const childToken = await potions.getAddress();
      const hazard = await ethers.deployContract("AssetReceiverHazard", [await rootAssets.getAddress()]);
      await hazard.setMode(1);
      await sendAndRelay(Lane.withdrawals(system), childAssets.connect(alice).exitChildNative(childToken, alice.address, [1n], [50n], 0));
      const mainToken = await rootAssets.mainTokenOf(childToken);
      const { relay } = await sendAndRelay(
        Lane.deposits(system),
        rootAssets.connect(alice).returnToChild(mainToken, await hazard.getAddress(), [1n], [20n], 0),
      );
      await expect(relay).to.emit(childAssets, "ChildNativeReturnCredited").withArgs(childToken, await hazard.getAddress(), [1n], [20n]);
      await expect(childAssets.connect(bob).claimReturn(childToken, [1n], [20n], bob.address))
        .to.be.revertedWithCustomError(childAssets, "ChildNativeExitsNoCredit")
        .withArgs(childToken, bob.address);
      await ethers.provider.send("hardhat_impersonateAccount", [await hazard.getAddress()]);
      await ethers.provider.send("hardhat_setBalance", [await hazard.getAddress(), "0xDE0B6B3A7640000"]);
      const asHazard = await ethers.getSigner(await hazard.getAddress());
      await childAssets.connect(asHazard).claimReturn(childToken, [1n], [20n], bob.address);
      expect(await potions.balanceOf(bob.address, 1n)).to.equal(20n);
      await expect(childAssets.connect(asHazard).claimReturn(childToken, [1n], [20n], bob.address)).to.be.revertedWithCustomError(
        childAssets,
        "ChildNativeExitsNoCredit",
      );
    });

    it("releases on return only what exits of that very token locked", async function () {
      const { system, gold, alice, carol } = await loadFixture(nativeFixture);
      const { stub, bridge } = await assetBridgeWithStub("ChildAssetBridge", system.admin.address, carol.address);
      await bridge.connect(system.admin).registerChildNative(await gold.getAddress(), Kind.ERC20);
      await gold.connect(alice).approve(await bridge.getAddress(), ethers.MaxUint256);
      await bridge.connect(alice).exitChildNative(await gold.getAddress(), alice.address, [], [10n], 0);
      // Sent to the lockbox outside an exit: held, but not releasable.
      await gold.connect(alice).transfer(await bridge.childLockbox(), 500n);
      const call = bridge.interface.encodeFunctionData("finalizeReturn", [Kind.ERC20, await gold.getAddress(), alice.address, alice.address, [], [11n]]);
      await expect(stub.forward(await bridge.getAddress(), call))
        .to.be.revertedWithCustomError(bridge, "ChildNativeExitsNotLocked")
        .withArgs(await gold.getAddress(), 0n, 10n, 11n);
      await expect(bridge.connect(alice).finalizeReturn(Kind.ERC20, await gold.getAddress(), alice.address, alice.address, [], [1n]))
        .to.be.revertedWithCustomError(bridge, "TokenBridgeNotFromCounterpart");
    });
  });
});
