import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { createTestBridge } from "../../relayer/src/testing";
import type { ChildERC20, TestERC20 } from "../../typechain-types";

const NATIVE_TOKEN = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";

async function bridgeFixture() {
  const bridge = await createTestBridge(hre);
  const [, alice, bob] = await ethers.getSigners();
  const token = (await ethers.deployContract("TestERC20", ["Shop Dollar", "SHD", 6])) as unknown as TestERC20;
  await token.mint(alice.address, 1_000_000n);
  await token.connect(alice).approve(await bridge.main.rootBridge.getAddress(), 1_000_000n);
  return { bridge, alice, bob, token };
}

async function childToken(bridge: Awaited<ReturnType<typeof bridgeFixture>>["bridge"], rootToken: string): Promise<ChildERC20> {
  const address = await bridge.child.childBridge.childTokenOf(rootToken);
  expect(address, `child token of ${rootToken}`).to.not.equal(ethers.ZeroAddress);
  return (await ethers.getContractAt("ChildERC20", address)) as unknown as ChildERC20;
}

describe("testing: createTestBridge", function () {
  describe("deposits", function () {
    it("relays an ETH deposit with relayAll: the child chain mints it to the receiver", async function () {
      const { bridge, alice, bob } = await loadFixture(bridgeFixture);
      const tx = await bridge.main.rootBridge.connect(alice).depositETH(bob.address, { value: ethers.parseEther("2") });
      const receipt = await tx.wait();

      const delivered = await bridge.relayAll();
      expect(delivered).to.have.length(1);
      const [message] = delivered;
      expect(message.direction).to.equal("main->child");
      expect(message.success).to.equal(true);
      expect(message.sender).to.equal(await bridge.main.rootBridge.getAddress());
      expect(message.target).to.equal(await bridge.child.childBridge.getAddress());
      expect(message.sourceTxHash).to.equal(receipt!.hash.toLowerCase());
      expect(message.revertReason).to.equal(undefined);
      // The id the source computed is the one the destination relayed.
      const relayReceipt = await ethers.provider.getTransactionReceipt(message.txHash);
      const relayed = relayReceipt!.logs.map((log) => bridge.child.messenger.interface.parseLog(log)).find((e) => e?.name === "MessageRelayed");
      expect(relayed?.args.messageId).to.equal(message.messageId);

      const eth = await childToken(bridge, NATIVE_TOKEN);
      expect(await eth.balanceOf(bob.address)).to.equal(ethers.parseEther("2"));
      expect(await eth.totalSupply()).to.equal(await ethers.provider.getBalance(await bridge.main.rootBridge.getAddress()));
      expect(await bridge.pending()).to.deep.equal([]);
    });

    it("relays an ERC20 deposit: the child token carries the root token's name, symbol and decimals", async function () {
      const { bridge, alice, token } = await loadFixture(bridgeFixture);
      const root = await token.getAddress();
      await bridge.main.rootBridge.connect(alice).depositERC20(root, alice.address, 250_000n);
      const [message] = await bridge.relayAll();
      expect(message.success).to.equal(true);

      const child = await childToken(bridge, root);
      expect(await child.balanceOf(alice.address)).to.equal(250_000n);
      expect([await child.name(), await child.symbol(), await child.decimals()]).to.deep.equal(["Shop Dollar", "SHD", 6n]);
      expect(await token.balanceOf(await bridge.main.lockbox.getAddress())).to.equal(await child.totalSupply());
    });

    it("relays several deposits of one block range in source order, through one checkpoint", async function () {
      const { bridge, alice, bob, token } = await loadFixture(bridgeFixture);
      const root = await token.getAddress();
      const checkpointsBefore = await bridge.child.checkpointManager.checkpointCount();
      await bridge.main.rootBridge.connect(alice).depositERC20(root, alice.address, 100n);
      await bridge.main.rootBridge.connect(alice).depositERC20(root, bob.address, 40n);
      await bridge.main.rootBridge.connect(alice).depositETH(bob.address, { value: 7n });
      const pending = await bridge.pending();

      const delivered = await bridge.relayAll();
      expect(delivered.map((d) => d.messageId)).to.deep.equal(pending.map((p) => p.messageId));
      expect(delivered.map((d) => d.nonce)).to.deep.equal([0n, 1n, 2n]);
      expect(new Set(delivered.map((d) => d.checkpointId)).size).to.equal(1);
      expect(await bridge.child.checkpointManager.checkpointCount()).to.equal(checkpointsBefore + 1n);
      const child = await childToken(bridge, root);
      expect([await child.balanceOf(alice.address), await child.balanceOf(bob.address)]).to.deep.equal([100n, 40n]);
    });
  });

  describe("withdrawals", function () {
    it("withdraws ETH and an ERC20 back to the main chain: the lockbox releases them", async function () {
      const { bridge, alice, bob, token } = await loadFixture(bridgeFixture);
      const root = await token.getAddress();
      await bridge.main.rootBridge.connect(alice).depositETH(alice.address, { value: ethers.parseEther("1") });
      await bridge.main.rootBridge.connect(alice).depositERC20(root, alice.address, 500n);
      await bridge.relayAll();
      const eth = await childToken(bridge, NATIVE_TOKEN);
      const child = await childToken(bridge, root);

      await bridge.child.childBridge.connect(alice).withdraw(await eth.getAddress(), bob.address, ethers.parseEther("0.25"));
      await bridge.child.childBridge.connect(alice).withdraw(await child.getAddress(), bob.address, 200n);
      const pending = await bridge.pending();
      expect(pending.map((p) => p.direction)).to.deep.equal(["child->main", "child->main"]);

      const bobEth = await ethers.provider.getBalance(bob.address);
      const lockboxTokens = await token.balanceOf(await bridge.main.lockbox.getAddress());
      const results = await bridge.relayAll();
      expect(await token.balanceOf(bob.address)).to.equal(200n);
      expect(await token.balanceOf(await bridge.main.lockbox.getAddress())).to.equal(lockboxTokens - 200n);
      expect(results.map((d) => [d.direction, d.success])).to.deep.equal([
        ["child->main", true],
        ["child->main", true],
      ]);
      // The kit's relayer pays for the relays: bob's balance moves by the withdrawal only.
      expect((await ethers.provider.getBalance(bob.address)) - bobEth).to.equal(ethers.parseEther("0.25"));
      expect(await eth.totalSupply()).to.equal(await ethers.provider.getBalance(await bridge.main.rootBridge.getAddress()));
      expect(await child.totalSupply()).to.equal(await token.balanceOf(await bridge.main.lockbox.getAddress()));
    });
  });

  describe("assets", function () {
    it("relays ERC721 and ERC1155 both ways and a child-native ERC20's exit and return with relayAll", async function () {
      const { bridge, alice, bob } = await loadFixture(bridgeFixture);
      const roots = bridge.main.rootAssetBridge;
      const childs = bridge.child.childAssetBridge;
      const nft = await ethers.deployContract("TestERC721", ["Kit Apes", "KAPE"]);
      const items = await ethers.deployContract("TestERC1155");
      await nft.mint(alice.address, 1n, "ipfs://kit/1");
      await items.mint(alice.address, 5n, 40n, "ipfs://items/5");
      await nft.connect(alice).setApprovalForAll(await roots.getAddress(), true);
      await items.connect(alice).setApprovalForAll(await roots.getAddress(), true);
      await roots.connect(alice).depositERC721(await nft.getAddress(), bob.address, 1n);
      await roots.connect(alice).depositERC1155(await items.getAddress(), bob.address, 5n, 40n);
      const gold = await ethers.deployContract("DappERC20", [], alice);
      await gold.mint(alice.address, 100n);
      await gold.connect(alice).approve(await childs.getAddress(), 100n);
      await childs.connect(alice).registerChildNative(await gold.getAddress(), 3);
      await childs.connect(alice).exitChildNative(await gold.getAddress(), bob.address, [], [60n], 0);
      const down = await bridge.relayAll();
      expect(down.map((m) => m.success)).to.deep.equal([true, true, true]);

      const childNft = await ethers.getContractAt("ChildERC721", await childs.childTokenOf(await nft.getAddress()));
      const childItems = await ethers.getContractAt("ChildERC1155", await childs.childTokenOf(await items.getAddress()));
      const mainGold = await ethers.getContractAt("MainMintableERC20", await roots.mainTokenOf(await gold.getAddress()));
      expect([await childNft.ownerOf(1n), await childNft.tokenURI(1n)]).to.deep.equal([bob.address, "ipfs://kit/1"]);
      expect(await childItems.balanceOf(bob.address, 5n)).to.equal(40n);
      expect(await mainGold.balanceOf(bob.address)).to.equal(60n);

      await childs.connect(bob).withdrawERC721(await childNft.getAddress(), alice.address, 1n);
      await childs.connect(bob).withdrawERC1155Batch(await childItems.getAddress(), alice.address, [5n], [15n], 0);
      await roots.connect(bob).returnToChild(await mainGold.getAddress(), alice.address, [], [10n], 0);
      const back = await bridge.relayAll();
      expect(back.map((m) => m.success)).to.deep.equal([true, true, true]);
      expect(await nft.ownerOf(1n)).to.equal(alice.address);
      expect(await items.balanceOf(alice.address, 5n)).to.equal(15n);
      expect(await gold.balanceOf(alice.address)).to.equal(50n);
      expect(await bridge.pending()).to.deep.equal([]);
    });
  });
});
