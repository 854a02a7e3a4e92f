/**
 * M-2 of the outside review (issue 9): withdrawals whose release cannot succeed were locked for
 * good, because the bridges sent with a fixed 200,000 gas limit that is part of the message id and
 * a retry always gave the call exactly that. Reproduced first on the unfixed contracts: a receiver
 * that rejects ETH, a wallet whose receive() needs ~250k gas and a token whose transfer costs ~250k
 * gas all stayed Failed after retries with 10M and 15M gas.
 *
 * Now: a message's gas limit is a floor and a retry forwards all the gas it has (less a reserve);
 * a release that fails inside the bridge is credited to the receiver, who claims it to any address
 * or sends it back to the child chain; deposits and withdrawals take a gas floor from the user.
 * Each case below ends with the funds with their owner and the lockbox equal to what it still owes.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import type { Signer, TransactionReceipt } from "ethers";
import { Lane, MessageStatus, NATIVE_TOKEN, bridgeFixture, childTokenOf, mined, onlyMessage } from "../helpers/bridges";
import { relayGasLimit } from "../../relayer/src/roles/executor";
import type { ChildERC20 } from "../../typechain-types";

const AMOUNT = 10n ** 17n;

type Fixture = Awaited<ReturnType<typeof bridgeFixture>>;

/** Deposits `amount` of `token` (ETH for NATIVE_TOKEN) for alice and returns its child token. */
async function bridged(ctx: Fixture, token: string, amount = 10n ** 18n): Promise<ChildERC20> {
  const { system, alice } = ctx;
  const deposits = Lane.deposits(system);
  if (token === NATIVE_TOKEN) {
    await deposits.relay(await mined(system.rootBridge.connect(alice).depositETH(alice.address, { value: amount })));
  } else {
    const erc20 = await ethers.getContractAt("ERC20", token);
    await erc20.connect(alice).approve(system.rootBridge, ethers.MaxUint256);
    await deposits.relay(await mined(system.rootBridge.connect(alice).depositERC20(token, alice.address, amount)));
  }
  return childTokenOf(system.childBridge, token);
}

/**
 * Withdraws from alice to `to` and relays it as the shipped relayer does, with the gas its
 * `relayGasLimit` gives the message's gas limit, or (`least`) with the least gas the messenger
 * accepts, as eth_estimateGas finds it: then the call gets about its gas limit and no more.
 * Returns the message and the relay's receipt.
 */
async function withdrawAndRelay(ctx: Fixture, child: ChildERC20, to: string, amount = AMOUNT, minGasLimit?: number, least = false) {
  const { system, alice } = ctx;
  const bridge = system.childBridge.connect(alice);
  const sent = await mined(
    minGasLimit === undefined ? bridge.withdraw(child, to, amount) : bridge.withdrawWithGasLimit(child, to, amount, minGasLimit),
  );
  const lane = Lane.withdrawals(system);
  const message = await onlyMessage(system.child.messenger, sent);
  // The relayer's bound for a proof of this size: a receipt proof from a small block is a few KB.
  const relay = await mined(lane.relay(sent, 0, least ? "least" : relayGasLimit(message.gasLimit, "0x" + "00".repeat(6_000))));
  return { lane, message, relay };
}

function emitted(receipt: TransactionReceipt, contract: { interface: { parseLog(log: unknown): { name: string } | null } }, name: string): boolean {
  return receipt.logs.some((log) => {
    try {
      return contract.interface.parseLog(log)?.name === name;
    } catch {
      return false;
    }
  });
}

async function claim(ctx: Fixture, account: Signer, token: string, to: string, amount: bigint) {
  return ctx.system.rootBridge.connect(account).claimWithdrawal(token, to, amount);
}

describe("RootBridge: no withdrawal stuck for good (M-2)", function () {
  it("credits a withdrawal to a receiver that rejects ETH; the message succeeds and the credit is claimed to another address", async function () {
    const ctx = await bridgeFixture();
    const { system, bob } = ctx;
    const child = await bridged(ctx, NATIVE_TOKEN);
    const owner = await ethers.deployContract("CreditOwner", [await system.rootBridge.getAddress()]);
    const { lane, message, relay } = await withdrawAndRelay(ctx, child, await owner.getAddress());
    expect(await lane.statusOf(message)).to.equal(MessageStatus.Relayed);
    expect(emitted(relay, system.rootBridge, "WithdrawalCredited")).to.equal(true);
    expect(emitted(relay, system.rootBridge, "WithdrawalFinalized")).to.equal(false);
    expect(await system.rootBridge.claimable(NATIVE_TOKEN, await owner.getAddress())).to.equal(AMOUNT);

    const before = await ethers.provider.getBalance(bob.address);
    await expect(owner.claim(NATIVE_TOKEN, bob.address, AMOUNT))
      .to.emit(system.rootBridge, "WithdrawalClaimed")
      .withArgs(NATIVE_TOKEN, await owner.getAddress(), bob.address, AMOUNT);
    expect((await ethers.provider.getBalance(bob.address)) - before).to.equal(AMOUNT);
    expect(await system.rootBridge.claimable(NATIVE_TOKEN, await owner.getAddress())).to.equal(0n);
    expect(await ethers.provider.getBalance(system.rootBridge)).to.equal(await child.totalSupply());
  });

  it("pays a wallet whose receive() needs ~250k gas: credited when relayed with its bare gas limit, paid when given more", async function () {
    const ctx = await bridgeFixture();
    const { system } = ctx;
    const child = await bridged(ctx, NATIVE_TOKEN);
    const wallet = await ethers.deployContract("GasHungryReceiver");
    const walletAddress = await wallet.getAddress();

    // Relayed with the least gas: the receive() runs out of it, and the bridge, which keeps a reserve, credits the amount.
    const bare = await withdrawAndRelay(ctx, child, walletAddress, AMOUNT, undefined, true);
    expect(await bare.lane.statusOf(bare.message)).to.equal(MessageStatus.Relayed);
    expect(emitted(bare.relay, system.rootBridge, "WithdrawalCredited")).to.equal(true);
    expect(await system.rootBridge.claimable(NATIVE_TOKEN, walletAddress)).to.equal(AMOUNT);
    // The wallet claims for itself, in a transaction with all the gas it needs.
    await wallet.claim(system.rootBridge, NATIVE_TOKEN, walletAddress, AMOUNT);
    expect(await wallet.received()).to.equal(AMOUNT);

    // Its default gas limit is a floor: the relayer's usual margin already forwards enough.
    const relayed = await withdrawAndRelay(ctx, child, walletAddress);
    expect(emitted(relayed.relay, system.rootBridge, "WithdrawalFinalized")).to.equal(true);
    // And the user can raise the floor itself, so that even a bare relay pays it.
    const raised = await withdrawAndRelay(ctx, child, walletAddress, AMOUNT, 400_000, true);
    expect(raised.message.gasLimit).to.equal(400_000n);
    expect(emitted(raised.relay, system.rootBridge, "WithdrawalFinalized")).to.equal(true);
    expect(await wallet.received()).to.equal(3n * AMOUNT);
    expect(await ethers.provider.getBalance(system.rootBridge)).to.equal(await child.totalSupply());
  });

  it("releases a token whose transfer costs ~250k gas: credited on a bare relay, released when given more gas", async function () {
    const ctx = await bridgeFixture();
    const { system, alice, bob } = ctx;
    const token = await ethers.deployContract("GasHeavyToken");
    await token.mint(alice.address, 10n ** 18n);
    const root = await token.getAddress();
    const child = await bridged(ctx, root);

    const bare = await withdrawAndRelay(ctx, child, bob.address, AMOUNT, undefined, true);
    expect(await bare.lane.statusOf(bare.message)).to.equal(MessageStatus.Relayed);
    expect(await system.rootBridge.claimable(root, bob.address)).to.equal(AMOUNT);
    await (await claim(ctx, bob, root, bob.address, AMOUNT)).wait();
    expect(await token.balanceOf(bob.address)).to.equal(AMOUNT);

    // With the relayer's usual margin the transfer gets all it needs at once.
    const relayed = await withdrawAndRelay(ctx, child, bob.address);
    expect(emitted(relayed.relay, system.rootBridge, "WithdrawalFinalized")).to.equal(true);
    expect(await token.balanceOf(bob.address)).to.equal(2n * AMOUNT);
    expect(await token.balanceOf(system.lockbox)).to.equal(await child.totalSupply());
  });

  it("sends a withdrawal below a fixed transfer fee back to the child chain, where it can be used", async function () {
    const ctx = await bridgeFixture();
    const { system, alice, bob } = ctx;
    const FEE = 1_000n;
    const token = await ethers.deployContract("FixedFeeToken", [FEE]);
    await token.mint(alice.address, 10n ** 18n);
    const child = await bridged(ctx, await token.getAddress());
    const root = await token.getAddress();
    const { lane, message, relay } = await withdrawAndRelay(ctx, child, bob.address, FEE - 1n);
    expect(await lane.statusOf(message)).to.equal(MessageStatus.Relayed);
    expect(emitted(relay, system.rootBridge, "WithdrawalCredited")).to.equal(true);
    // No transfer can pay it out...
    await expect(claim(ctx, bob, root, bob.address, FEE - 1n)).to.be.revertedWithCustomError(token, "FixedFeeTokenBelowFee");
    // ...so it goes back to the child chain, minted to whoever bob names.
    const back = await mined(system.rootBridge.connect(bob).depositCredit(root, bob.address, FEE - 1n, 0));
    expect(await system.rootBridge.claimable(root, bob.address)).to.equal(0n);
    await Lane.deposits(system).relay(back);
    expect(await child.balanceOf(bob.address)).to.equal(FEE - 1n);
    expect(await token.balanceOf(system.lockbox)).to.equal(await child.totalSupply());
  });

  it("credits a withdrawal to a blocklisted receiver, who claims it to an address of its own", async function () {
    const ctx = await bridgeFixture();
    const { system, alice, bob, carol } = ctx;
    const token = await ethers.deployContract("BlocklistToken");
    await token.mint(alice.address, 10n ** 18n);
    const child = await bridged(ctx, await token.getAddress());
    const root = await token.getAddress();
    await token.setBlocked(bob.address, true);
    const { lane, message } = await withdrawAndRelay(ctx, child, bob.address);
    expect(await lane.statusOf(message)).to.equal(MessageStatus.Relayed);
    expect(await system.rootBridge.claimable(root, bob.address)).to.equal(AMOUNT);
    await expect(claim(ctx, bob, root, bob.address, AMOUNT)).to.be.revertedWithCustomError(token, "BlocklistTokenBlocked");
    await (await claim(ctx, bob, root, carol.address, AMOUNT)).wait();
    expect(await token.balanceOf(carol.address)).to.equal(AMOUNT);
    expect(await token.balanceOf(system.lockbox)).to.equal(await child.totalSupply());
  });

  it("after a negative rebase, credits what the lockbox cannot pay and lets it be claimed in part", async function () {
    // Rebasing tokens are not supported (protocol.md): this is what happens if one is bridged anyway.
    const ctx = await bridgeFixture();
    const { system, alice, bob } = ctx;
    const token = await ethers.deployContract("RebasingToken");
    await token.mint(alice.address, 10n ** 18n);
    const child = await bridged(ctx, await token.getAddress(), 10n ** 18n);
    const root = await token.getAddress();
    await token.rebase(ethers.parseEther("0.5")); // the lockbox now holds half of the child supply
    const all = await child.balanceOf(alice.address);
    const { lane, message } = await withdrawAndRelay(ctx, child, bob.address, all);
    expect(await lane.statusOf(message)).to.equal(MessageStatus.Relayed);
    expect(await system.rootBridge.claimable(root, bob.address)).to.equal(all);
    const held = await token.balanceOf(system.lockbox);
    expect(held).to.equal(all / 2n);
    await expect(claim(ctx, bob, root, bob.address, all)).to.be.reverted;
    await (await claim(ctx, bob, root, bob.address, held)).wait();
    expect(await token.balanceOf(bob.address)).to.equal(held);
    expect(await system.rootBridge.claimable(root, bob.address)).to.equal(all - held);
  });

  describe("claimWithdrawal and depositCredit", function () {
    it("refuse more than the caller's credit, zero, and the zero address", async function () {
      const ctx = await bridgeFixture();
      const { system, bob } = ctx;
      const child = await bridged(ctx, NATIVE_TOKEN);
      const rejecter = await ethers.deployContract("CreditOwner", [await system.rootBridge.getAddress()]);
      await withdrawAndRelay(ctx, child, await rejecter.getAddress());
      const owner = await rejecter.getAddress();
      for (const amount of [0n, AMOUNT + 1n]) {
        await expect(rejecter.claim(NATIVE_TOKEN, bob.address, amount))
          .to.be.revertedWithCustomError(system.rootBridge, "RootBridgeInsufficientCredit")
          .withArgs(NATIVE_TOKEN, owner, AMOUNT, amount);
      }
      // Someone else's credit is not theirs to take.
      await expect(system.rootBridge.connect(bob).claimWithdrawal(NATIVE_TOKEN, bob.address, 1n))
        .to.be.revertedWithCustomError(system.rootBridge, "RootBridgeInsufficientCredit")
        .withArgs(NATIVE_TOKEN, bob.address, 0n, 1n);
      await expect(system.rootBridge.connect(bob).depositCredit(NATIVE_TOKEN, bob.address, 1n, 0))
        .to.be.revertedWithCustomError(system.rootBridge, "RootBridgeInsufficientCredit");
      await expect(rejecter.claim(NATIVE_TOKEN, ethers.ZeroAddress, 1n)).to.be.revertedWithCustomError(system.rootBridge, "RootBridgeZeroAddress");
      await expect(system.rootBridge.connect(bob).depositCredit(NATIVE_TOKEN, ethers.ZeroAddress, 1n, 0)).to.be.revertedWithCustomError(
        system.rootBridge,
        "RootBridgeZeroAddress",
      );
    });

    it("lets a credit be claimed in parts", async function () {
      const ctx = await bridgeFixture();
      const { system, bob } = ctx;
      const child = await bridged(ctx, NATIVE_TOKEN);
      const owner = await ethers.deployContract("CreditOwner", [await system.rootBridge.getAddress()]);
      await withdrawAndRelay(ctx, child, await owner.getAddress());
      await owner.claim(NATIVE_TOKEN, bob.address, AMOUNT / 4n);
      expect(await system.rootBridge.claimable(NATIVE_TOKEN, await owner.getAddress())).to.equal(AMOUNT - AMOUNT / 4n);
      await owner.claim(NATIVE_TOKEN, bob.address, AMOUNT - AMOUNT / 4n);
      expect(await system.rootBridge.claimable(NATIVE_TOKEN, await owner.getAddress())).to.equal(0n);
    });
  });

  describe("gas limits chosen by the user", function () {
    it("raise a deposit's or a withdrawal's gas floor, never lower it below the default", async function () {
      const ctx = await bridgeFixture();
      const { system, alice, token } = ctx;
      const child = await bridged(ctx, NATIVE_TOKEN);
      const gasOf = async (receipt: TransactionReceipt, messenger = system.main.messenger) => (await onlyMessage(messenger, receipt)).gasLimit;
      expect(await gasOf(await mined(system.rootBridge.connect(alice).depositETHWithGasLimit(alice.address, 500_000, { value: 1n })))).to.equal(500_000n);
      expect(await gasOf(await mined(system.rootBridge.connect(alice).depositETHWithGasLimit(alice.address, 1_000, { value: 1n })))).to.equal(200_000n);
      // The first deposit of a token deploys its child token: its 3,000,000 is the floor then.
      const root = await token.getAddress();
      expect(await gasOf(await mined(system.rootBridge.connect(alice).depositERC20WithGasLimit(root, alice.address, 5n, 700_000)))).to.equal(3_000_000n);
      expect(await gasOf(await mined(system.rootBridge.connect(alice).depositERC20WithGasLimit(root, alice.address, 5n, 700_000)))).to.equal(700_000n);
      const withdrawal = await mined(system.childBridge.connect(alice).withdrawWithGasLimit(child, alice.address, 1n, 300_000));
      expect(await gasOf(withdrawal, system.child.messenger)).to.equal(300_000n);
      expect(await gasOf(await mined(system.childBridge.connect(alice).withdrawWithGasLimit(child, alice.address, 1n, 0)), system.child.messenger)).to.equal(200_000n);
    });

    it("cannot exceed the messenger's 15,000,000", async function () {
      const { system, alice } = await bridgeFixture();
      await expect(system.rootBridge.connect(alice).depositETHWithGasLimit(alice.address, 15_000_001, { value: 1n }))
        .to.be.revertedWithCustomError(system.main.messenger, "MessengerGasLimitTooHigh")
        .withArgs(15_000_001n, 15_000_000n);
    });
  });
});
