/**
 * The checkout app on one in-process Hardhat network with both sides of the real bridge
 * (`createTestBridge`): tokens are bridged by a real deposit, and every cross-chain message
 * (deposits, settlements, revenue withdrawals) is checkpointed, proven and relayed by `relayAll`.
 */
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import type { Contract, Signer } from "ethers";
import { createTestBridge, TestBridgeRelayError } from "sidechain-kit/testing";

const USD = (amount: number) => ethers.parseUnits(amount.toString(), 6);
const PRICE = USD(25);

type Bridge = Awaited<ReturnType<typeof createTestBridge>>;

interface World {
  bridge: Bridge;
  merchant: Signer;
  merchantMain: Signer;
  alice: Signer;
  bob: Signer;
  mallory: Signer;
  /** The stablecoin on the main chain. */
  usd: Contract;
  /** Its child token, minted by the child bridge on the first deposit. */
  childUsd: Contract;
  shop: Contract;
  notifier: Contract;
  productId: bigint;
}

/** Bridges `amount` of `token` from `holder` on main to the same address on the child chain. */
async function bridgeTokens(bridge: Bridge, token: Contract, holder: Signer, amount: bigint) {
  const rootBridge = bridge.main.rootBridge;
  await (token.connect(holder) as Contract).approve(await rootBridge.getAddress(), amount);
  await rootBridge.connect(holder).depositERC20(await token.getAddress(), await holder.getAddress(), amount);
}

async function deployWorld(): Promise<World> {
  const bridge = await createTestBridge(hre);
  const [, merchant, merchantMain, alice, bob, mallory] = await ethers.getSigners();

  const usd = (await ethers.deployContract("TestStablecoin")) as unknown as Contract;
  for (const customer of [alice, bob, mallory]) {
    await usd.mint(await customer.getAddress(), USD(1_000));
    await bridgeTokens(bridge, usd, customer, USD(200));
  }
  await bridge.relayAll();
  const childUsd = (await ethers.getContractAt(
    "IChildERC20",
    await bridge.child.childBridge.childTokenOf(await usd.getAddress()),
  )) as unknown as Contract;

  const shop = (await ethers.deployContract("Shop", [
    await bridge.child.messenger.getAddress(),
    await bridge.child.childBridge.getAddress(),
    await merchant.getAddress(),
    await merchantMain.getAddress(),
  ])) as unknown as Contract;
  const notifier = (await ethers.deployContract("OrderNotifier", [
    await bridge.main.messenger.getAddress(),
    await shop.getAddress(),
  ])) as unknown as Contract;
  await (shop.connect(merchant) as Contract).setNotifier(await notifier.getAddress());
  // So that a reverting settlement is reported with its decoded custom error.
  bridge.registerAbi(notifier);
  bridge.registerAbi(shop);

  const productId = await (shop.connect(merchant) as Contract).listProduct.staticCall(await childUsd.getAddress(), PRICE);
  await (shop.connect(merchant) as Contract).listProduct(await childUsd.getAddress(), PRICE);
  return { bridge, merchant, merchantMain, alice, bob, mallory, usd, childUsd, shop, notifier, productId };
}

/** Approves the shop and places an order; returns its id. */
async function placeOrder(world: World, customer: Signer, quantity: bigint): Promise<bigint> {
  const total = PRICE * quantity;
  await (world.childUsd.connect(customer) as Contract).approve(await world.shop.getAddress(), total);
  const shop = world.shop.connect(customer) as Contract;
  const orderId = await shop.placeOrder.staticCall(world.productId, quantity, total);
  await shop.placeOrder(world.productId, quantity, total);
  return orderId;
}

/** The shop holds exactly what its orders in escrow and its unwithdrawn revenue add up to. */
async function expectShopBacked(world: World) {
  const token = await world.childUsd.getAddress();
  const held = await world.childUsd.balanceOf(await world.shop.getAddress());
  expect(held).to.equal((await world.shop.escrowed(token)) + (await world.shop.revenue(token)));
}

describe("checkout (createTestBridge)", function () {
  let world: World;

  beforeEach(async function () {
    world = await deployWorld();
  });

  describe("bridging", function () {
    it("mints the customers' deposits on the child chain once relayAll delivers them", async function () {
      const { bridge, usd, childUsd, alice } = world;
      expect(await childUsd.balanceOf(await alice.getAddress())).to.equal(USD(200));
      expect(await childUsd.rootToken()).to.equal(await usd.getAddress());
      expect(await usd.balanceOf(await bridge.main.rootBridge.lockbox())).to.equal(USD(600));
      expect(await bridge.pending()).to.have.length(0);

      await bridgeTokens(bridge, usd, alice, USD(50));
      const pending = await bridge.pending();
      expect(pending).to.have.length(1);
      expect(pending[0].direction).to.equal("main->child");

      const delivered = await bridge.relayAll();
      expect(delivered).to.have.length(1);
      expect(delivered[0].direction).to.equal("main->child");
      expect(delivered[0].target).to.equal(await bridge.child.childBridge.getAddress());
      expect(delivered[0].success).to.equal(true);
      expect(await childUsd.balanceOf(await alice.getAddress())).to.equal(USD(250));
    });
  });

  describe("products", function () {
    it("lists a product priced in a bridged token", async function () {
      const { shop, childUsd, productId } = world;
      const product = await shop.products(productId);
      expect(product.token).to.equal(await childUsd.getAddress());
      expect(product.price).to.equal(PRICE);
      expect(product.active).to.equal(true);
    });

    it("refuses a token the child bridge did not deploy: the root token, or a look-alike claiming it", async function () {
      const { shop, usd, merchant } = world;
      const lookAlike = await ethers.deployContract("LookAlikeToken", [await usd.getAddress()]);
      for (const token of [await usd.getAddress(), await lookAlike.getAddress()]) {
        await expect((shop.connect(merchant) as Contract).listProduct(token, PRICE))
          .to.be.revertedWithCustomError(shop, "ShopNotABridgedToken")
          .withArgs(token);
      }
    });

    it("lets only the merchant list products", async function () {
      const { shop, childUsd, alice } = world;
      await expect((shop.connect(alice) as Contract).listProduct(await childUsd.getAddress(), PRICE))
        .to.be.revertedWithCustomError(shop, "ShopNotMerchant")
        .withArgs(await alice.getAddress());
    });
  });

  describe("orders", function () {
    it("takes payment in the bridged token into escrow", async function () {
      const { shop, childUsd, alice } = world;
      const orderId = await placeOrder(world, alice, 2n);
      const order = await shop.orders(orderId);
      expect(order.customer).to.equal(await alice.getAddress());
      expect(order.amount).to.equal(PRICE * 2n);
      expect(await childUsd.balanceOf(await alice.getAddress())).to.equal(USD(200) - PRICE * 2n);
      expect(await shop.escrowed(await childUsd.getAddress())).to.equal(PRICE * 2n);
      await expectShopBacked(world);
    });

    it("refuses an order whose total went above the customer's maximum after a price change", async function () {
      const { shop, childUsd, merchant, alice, productId } = world;
      await (shop.connect(merchant) as Contract).updateProduct(productId, PRICE * 2n, true);
      await (childUsd.connect(alice) as Contract).approve(await shop.getAddress(), PRICE * 2n);
      await expect((shop.connect(alice) as Contract).placeOrder(productId, 1n, PRICE))
        .to.be.revertedWithCustomError(shop, "ShopTotalAboveMax")
        .withArgs(PRICE * 2n, PRICE);
    });

    it("refunds a cancelled order in full, before it ships", async function () {
      const { shop, childUsd, alice } = world;
      const orderId = await placeOrder(world, alice, 3n);
      await expect((shop.connect(alice) as Contract).cancelOrder(orderId))
        .to.emit(shop, "OrderCancelled")
        .withArgs(orderId, await alice.getAddress(), PRICE * 3n);
      expect(await childUsd.balanceOf(await alice.getAddress())).to.equal(USD(200));
      expect(await shop.escrowed(await childUsd.getAddress())).to.equal(0n);
      expect((await shop.orders(orderId)).status).to.equal(4n); // Cancelled
      await expectShopBacked(world);
    });

    it("cannot be cancelled once shipped, nor by another customer", async function () {
      const { shop, merchant, alice, bob } = world;
      const orderId = await placeOrder(world, alice, 1n);
      await expect((shop.connect(bob) as Contract).cancelOrder(orderId))
        .to.be.revertedWithCustomError(shop, "ShopNotCustomerOrMerchant")
        .withArgs(orderId, await bob.getAddress());
      await (shop.connect(merchant) as Contract).markShipped(orderId);
      await expect((shop.connect(alice) as Contract).cancelOrder(orderId))
        .to.be.revertedWithCustomError(shop, "ShopWrongOrderStatus")
        .withArgs(orderId, 2n, 1n); // Shipped, expected Placed
    });
  });

  describe("settlement", function () {
    it("records each settled order on the main chain's OrderNotifier once relayAll delivers it", async function () {
      const { bridge, shop, notifier, usd, childUsd, merchant, alice, bob } = world;
      const first = await placeOrder(world, alice, 1n);
      const second = await placeOrder(world, bob, 2n);
      const cancelled = await placeOrder(world, bob, 1n);
      await (shop.connect(bob) as Contract).cancelOrder(cancelled);
      for (const id of [first, second]) await (shop.connect(merchant) as Contract).markShipped(id);

      await expect((shop.connect(merchant) as Contract).settle([first, second])).to.emit(shop, "OrderSettled");
      expect(await shop.revenue(await childUsd.getAddress())).to.equal(PRICE * 3n);
      await expectShopBacked(world);
      // Not known on main until the child block is checkpointed and the messages relayed.
      expect((await notifier.settlements(first)).recordedAt).to.equal(0n);

      const delivered = await bridge.relayAll();
      expect(delivered.map((m) => [m.direction, m.sender, m.target, m.success])).to.deep.equal([
        ["child->main", await shop.getAddress(), await notifier.getAddress(), true],
        ["child->main", await shop.getAddress(), await notifier.getAddress(), true],
      ]);
      const record = await notifier.settlements(second);
      expect(record.customer).to.equal(await bob.getAddress());
      expect(record.rootToken).to.equal(await usd.getAddress());
      expect(record.amount).to.equal(PRICE * 2n);
      expect(await notifier.settledCount()).to.equal(2n);
      expect(await notifier.settledVolume(await usd.getAddress())).to.equal(PRICE * 3n);
      expect((await notifier.settlements(cancelled)).recordedAt).to.equal(0n);
    });

    it("settles only shipped orders", async function () {
      const { shop, merchant, alice } = world;
      const orderId = await placeOrder(world, alice, 1n);
      await expect((shop.connect(merchant) as Contract).settle([orderId]))
        .to.be.revertedWithCustomError(shop, "ShopWrongOrderStatus")
        .withArgs(orderId, 1n, 2n); // Placed, expected Shipped
    });

    it("withdraws the merchant's revenue to the merchant's main-chain address through the bridge", async function () {
      const { bridge, shop, usd, childUsd, merchant, merchantMain, alice } = world;
      const orderId = await placeOrder(world, alice, 4n);
      await (shop.connect(merchant) as Contract).markShipped(orderId);
      await (shop.connect(merchant) as Contract).settle([orderId]);
      const lockbox = await bridge.main.rootBridge.lockbox();
      const lockedBefore = await usd.balanceOf(lockbox);
      const supplyBefore = await childUsd.totalSupply();

      await expect((shop.connect(merchant) as Contract).withdrawRevenue(await childUsd.getAddress(), PRICE * 4n + 1n))
        .to.be.revertedWithCustomError(shop, "ShopNotEnoughRevenue")
        .withArgs(await childUsd.getAddress(), PRICE * 4n + 1n, PRICE * 4n);
      await (shop.connect(merchant) as Contract).withdrawRevenue(await childUsd.getAddress(), PRICE * 4n);
      // Burnt on the child chain at once, released on main only after relayAll.
      expect(await childUsd.totalSupply()).to.equal(supplyBefore - PRICE * 4n);
      expect(await usd.balanceOf(await merchantMain.getAddress())).to.equal(0n);

      const delivered = await bridge.relayAll();
      const rootBridge = await bridge.main.rootBridge.getAddress();
      const withdrawal = delivered.find((m) => m.target === rootBridge);
      expect(withdrawal?.success).to.equal(true);
      expect(await usd.balanceOf(await merchantMain.getAddress())).to.equal(PRICE * 4n);
      expect(await usd.balanceOf(lockbox)).to.equal(lockedBefore - PRICE * 4n);
      expect(await shop.revenue(await childUsd.getAddress())).to.equal(0n);
      await expectShopBacked(world);
    });
  });

  describe("messages the main chain refuses", function () {
    it("surfaces a settlement from a rogue shop as TestBridgeRelayError with CrossChainAppWrongRemoteSender", async function () {
      const { bridge, notifier, shop, childUsd, mallory } = world;
      // Mallory runs her own Shop, wired to the real notifier, to forge settlement records there.
      const rogue = (await ethers.deployContract("Shop", [
        await bridge.child.messenger.getAddress(),
        await bridge.child.childBridge.getAddress(),
        await mallory.getAddress(),
        await mallory.getAddress(),
      ])) as unknown as Contract;
      const asMallory = rogue.connect(mallory) as Contract;
      await asMallory.setNotifier(await notifier.getAddress());
      await asMallory.listProduct(await childUsd.getAddress(), 1n);
      await (childUsd.connect(mallory) as Contract).approve(await rogue.getAddress(), 1n);
      await asMallory.placeOrder(0n, 1n, 1n);
      await asMallory.markShipped(0n);
      await asMallory.settle([0n]);

      const error = await bridge.relayAll().then(
        () => expect.fail("relayAll delivered the rogue settlement"),
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(TestBridgeRelayError);
      const { failed, delivered } = error as TestBridgeRelayError;
      expect(delivered).to.deep.equal([failed]);
      expect(failed.success).to.equal(false);
      expect(failed.direction).to.equal("child->main");
      expect(failed.sender).to.equal(await rogue.getAddress());
      expect(failed.target).to.equal(await notifier.getAddress());
      expect(failed.revertData).to.equal(
        notifier.interface.encodeErrorResult("CrossChainAppWrongRemoteSender", [await rogue.getAddress(), await shop.getAddress()]),
      );
      const decoded = `CrossChainAppWrongRemoteSender(${await rogue.getAddress()}, ${await shop.getAddress()})`;
      expect(failed.revertReason).to.contain(decoded);
      expect((error as Error).message).to.contain(decoded);
      expect(await notifier.settledCount()).to.equal(0n);
      // A failed message is no longer pending: the main chain's Messenger keeps it for retryMessage.
      expect(await bridge.pending()).to.have.length(0);
    });

    it("surfaces a second settlement of one order id as OrderNotifierDuplicateOrder, and reports it with allowFailures", async function () {
      const { bridge, usd, alice } = world;
      // A notifier whose shop is a plain account, so that a test can send what a buggy shop would:
      // two settlements of one order. The real Shop settles an order once.
      const [buggyShop] = await ethers.getSigners();
      const notifier = (await ethers.deployContract("OrderNotifier", [
        await bridge.main.messenger.getAddress(),
        await buggyShop.getAddress(),
      ])) as unknown as Contract;
      bridge.registerAbi(notifier);
      const call = notifier.interface.encodeFunctionData("recordSettlement", [
        7n,
        await alice.getAddress(),
        await usd.getAddress(),
        PRICE,
      ]);
      for (let i = 0; i < 2; i++) {
        await bridge.child.messenger.connect(buggyShop).sendMessage(await notifier.getAddress(), call, 150_000n);
      }

      const error = await bridge.relayAll().then(
        () => expect.fail("relayAll delivered the duplicate"),
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(TestBridgeRelayError);
      const { failed, delivered } = error as TestBridgeRelayError;
      expect(delivered.map((m) => m.success)).to.deep.equal([true, false]);
      expect(delivered[1]).to.deep.equal(failed);
      expect(failed.revertData).to.equal(notifier.interface.encodeErrorResult("OrderNotifierDuplicateOrder", [7n]));
      expect(failed.revertReason).to.contain("OrderNotifierDuplicateOrder(7)");
      expect(await notifier.settledCount()).to.equal(1n);
      expect(await notifier.settledVolume(await usd.getAddress())).to.equal(PRICE);

      // The same again, tolerated: relayAll resolves and says which message failed.
      await bridge.child.messenger.connect(buggyShop).sendMessage(await notifier.getAddress(), call, 150_000n);
      const tolerated = await bridge.relayAll({ allowFailures: true });
      expect(tolerated).to.have.length(1);
      expect(tolerated[0].success).to.equal(false);
      expect(tolerated[0].revertReason).to.contain("OrderNotifierDuplicateOrder(7)");
    });
  });
});
