/**
 * Randomized conservation test of the token bridge (DESIGN §5): for every root token,
 *
 *   lockbox balance = child supply + deposits in flight + withdrawals in flight
 *
 * DESIGN §5 writes "− withdrawals in flight", which does not hold: a
 * withdrawal burns on the child chain when it is sent and releases on the main chain when it is
 * relayed, so while it is in flight the lockbox still holds what the child supply has lost. The
 * first generated run with a withdrawal in flight refutes the "−" form (lockbox 137, formula −97).
 *
 * The invariant is checked after every action of a generated sequence: deposits of ETH, of a plain ERC20 and of a
 * fee-on-transfer ERC20, withdrawals, and relays of pending deposits and withdrawals picked in any
 * order (so a later deposit may overtake its token's first one, fail, and be retried), by several
 * users. Ghost counters track what is in flight; a model tracks every user's balances, which must
 * add up once everything is relayed. fast-check drives it with a fixed seed, so runs are repeatable.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import type { TransactionReceipt } from "ethers";
import {
  FEE_BPS,
  Lane,
  MessageStatus,
  NATIVE_TOKEN,
  TOKEN_SUPPLY,
  bridgeFixture,
  mined,
  onlyMessage,
  type MessageFields,
} from "../helpers/bridges";

const TOKENS = ["eth", "plain", "fee"] as const;
type TokenKey = (typeof TOKENS)[number];
const USER_COUNT = 4;

type Action =
  | { kind: "deposit"; token: TokenKey; from: number; to: number; amount: bigint }
  | { kind: "withdraw"; token: TokenKey; holder: number; to: number; percent: number }
  | { kind: "relayDeposit"; pick: number }
  | { kind: "relayWithdrawal"; pick: number };

const user = fc.nat(USER_COUNT - 1);
// Small amounts make the 1% fee round to zero; large ones make it bite.
const amount = fc.oneof(fc.bigInt({ min: 1n, max: 300n }), fc.bigInt({ min: 1n, max: 10n ** 20n }));
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("deposit" as const), token: fc.constantFrom(...TOKENS), from: user, to: user, amount }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("withdraw" as const),
      token: fc.constantFrom(...TOKENS),
      holder: fc.nat(),
      to: user,
      percent: fc.integer({ min: 1, max: 100 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("relayDeposit" as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("relayWithdrawal" as const), pick: fc.nat() }) },
);

/** The bridge fixture with the plain and the fee-on-transfer token held by every user and approved. */
async function invariantFixture() {
  const fixture = await bridgeFixture();
  const { system, token, feeToken } = fixture;
  const users = system.users.slice(0, USER_COUNT);
  const bridge = await system.rootBridge.getAddress();
  for (const u of users.slice(1)) {
    for (const t of [token, feeToken]) {
      await t.mint(u.address, TOKEN_SUPPLY);
      await t.connect(u).approve(bridge, ethers.MaxUint256);
    }
  }
  return { ...fixture, users };
}

function transferFee(value: bigint): bigint {
  return (value * FEE_BPS) / 10_000n;
}

interface PendingDeposit {
  token: TokenKey;
  to: number;
  credited: bigint;
  receipt: TransactionReceipt;
  message: MessageFields;
  carriesMetadata: boolean;
  failed: boolean;
}

interface PendingWithdrawal {
  token: TokenKey;
  to: number;
  amount: bigint;
  receipt: TransactionReceipt;
  message: MessageFields;
}

/** What the generated runs did, summed over runs: the test fails if a behaviour it claims to cover never happened. */
const coverage = {
  deposits: { eth: 0, plain: 0, fee: 0 } as Record<TokenKey, number>,
  feeCharged: 0,
  withdrawals: { eth: 0, plain: 0, fee: 0 } as Record<TokenKey, number>,
  depositRelays: 0,
  withdrawalRelays: 0,
  overtakingFailures: 0,
  retriesSucceeded: 0,
};

function zeroPerToken(): Record<TokenKey, bigint> {
  return { eth: 0n, plain: 0n, fee: 0n };
}

describe("Bridge conservation invariant (randomized)", function () {
  this.timeout(180_000);

  it("keeps every root token's lockbox balance equal to child supply + deposits in flight + withdrawals in flight", async function () {
    const property = fc.asyncProperty(fc.array(action, { minLength: 25, maxLength: 45 }), async (actions) => {
      const { system, token, feeToken, lockbox, users } = await loadFixture(invariantFixture);
      const deposits = Lane.deposits(system);
      const withdrawals = Lane.withdrawals(system);
      const lockboxAddress = await lockbox.getAddress();
      const rootOf: Record<TokenKey, string> = {
        eth: NATIVE_TOKEN,
        plain: await token.getAddress(),
        fee: await feeToken.getAddress(),
      };
      const erc20 = { plain: token, fee: feeToken };

      // Ghost counters, per root token.
      const depositsInFlight = zeroPerToken();
      const withdrawalsInFlight = zeroPerToken();
      // Model of the bridge and of every user's balances.
      const mapped: Record<TokenKey, boolean> = { eth: false, plain: false, fee: false };
      const deployed: Record<TokenKey, boolean> = { eth: false, plain: false, fee: false };
      const childBalance: Record<TokenKey, bigint[]> = {
        eth: Array(USER_COUNT).fill(0n),
        plain: Array(USER_COUNT).fill(0n),
        fee: Array(USER_COUNT).fill(0n),
      };
      const rootBalance: Record<"plain" | "fee", bigint[]> = {
        plain: Array(USER_COUNT).fill(TOKEN_SUPPLY),
        fee: Array(USER_COUNT).fill(TOKEN_SUPPLY),
      };
      const ethStart = await Promise.all(users.map((u) => ethers.provider.getBalance(u.address)));
      const ethDelta: bigint[] = Array(USER_COUNT).fill(0n);
      const pendingDeposits: PendingDeposit[] = [];
      const pendingWithdrawals: PendingWithdrawal[] = [];

      const lockboxBalance = async (t: TokenKey): Promise<bigint> =>
        t === "eth" ? ethers.provider.getBalance(lockboxAddress) : erc20[t].balanceOf(lockboxAddress);
      const childToken = async (t: TokenKey) => {
        const address = await system.childBridge.childTokenOf(rootOf[t]);
        return address === ethers.ZeroAddress ? undefined : ethers.getContractAt("ChildERC20", address);
      };

      async function checkInvariant(step: string): Promise<void> {
        for (const t of TOKENS) {
          const child = await childToken(t);
          expect(child !== undefined, `${step}: ${t} child token deployed`).to.equal(deployed[t]);
          const supply = child === undefined ? 0n : await child.totalSupply();
          expect(supply, `${step}: ${t} child supply vs model`).to.equal(childBalance[t].reduce((a, b) => a + b, 0n));
          expect(await lockboxBalance(t), `${step}: ${t} lockbox = supply + deposits in flight + withdrawals in flight`).to.equal(
            supply + depositsInFlight[t] + withdrawalsInFlight[t],
          );
        }
      }

      async function deposit(t: TokenKey, from: number, to: number, value: bigint): Promise<void> {
        const sender = users[from];
        const tx =
          t === "eth"
            ? system.rootBridge.connect(sender).depositETH(users[to].address, { value })
            : system.rootBridge.connect(sender).depositERC20(rootOf[t], users[to].address, value);
        const receipt = await mined(tx);
        ethDelta[from] -= receipt.fee;
        const credited = t === "fee" ? value - transferFee(value) : value;
        if (t === "eth") ethDelta[from] -= value;
        else rootBalance[t][from] -= value;
        if (credited !== value) coverage.feeCharged++;

        const message = await onlyMessage(system.main.messenger, receipt);
        await expect(tx)
          .to.emit(system.rootBridge, "DepositInitiated")
          .withArgs(rootOf[t], sender.address, users[to].address, credited, await deposits.idOf(message));
        pendingDeposits.push({ token: t, to, credited, receipt, message, carriesMetadata: !mapped[t], failed: false });
        mapped[t] = true;
        depositsInFlight[t] += credited;
        coverage.deposits[t]++;
      }

      async function withdraw(t: TokenKey, holderPick: number, to: number, percent: number): Promise<void> {
        const holders = [...Array(USER_COUNT).keys()].filter((u) => childBalance[t][u] > 0n);
        if (holders.length === 0) return;
        const holder = holders[holderPick % holders.length];
        const value = (childBalance[t][holder] * BigInt(percent)) / 100n || 1n;
        const child = await childToken(t);
        const receipt = await mined(
          system.childBridge.connect(users[holder]).withdraw(await child!.getAddress(), users[to].address, value),
        );
        ethDelta[holder] -= receipt.fee;
        childBalance[t][holder] -= value;
        expect(await child!.balanceOf(users[holder].address)).to.equal(childBalance[t][holder]);
        const message = await onlyMessage(system.child.messenger, receipt);
        pendingWithdrawals.push({ token: t, to, amount: value, receipt, message });
        withdrawalsInFlight[t] += value;
        coverage.withdrawals[t]++;
      }

      async function relayDeposit(index: number): Promise<void> {
        const [d] = pendingDeposits.splice(index, 1);
        // A deposit without metadata that overtook its token's first deposit must fail, and stay in flight.
        const succeeds = deployed[d.token] || d.carriesMetadata;
        if (d.failed) await deposits.retry(d.message);
        else await deposits.relay(d.receipt);
        const status = await deposits.statusOf(d.message);
        coverage.depositRelays++;
        if (!succeeds) {
          expect(status, "overtaking deposit fails").to.equal(MessageStatus.Failed);
          coverage.overtakingFailures++;
          pendingDeposits.splice(index, 0, { ...d, failed: true });
          return;
        }
        expect(status, "deposit relayed").to.equal(MessageStatus.Relayed);
        if (d.failed) coverage.retriesSucceeded++;
        deployed[d.token] = true;
        childBalance[d.token][d.to] += d.credited;
        depositsInFlight[d.token] -= d.credited;
      }

      async function relayWithdrawal(index: number): Promise<void> {
        const [w] = pendingWithdrawals.splice(index, 1);
        await withdrawals.relay(w.receipt);
        expect(await withdrawals.statusOf(w.message), "withdrawal relayed").to.equal(MessageStatus.Relayed);
        coverage.withdrawalRelays++;
        withdrawalsInFlight[w.token] -= w.amount;
        if (w.token === "eth") ethDelta[w.to] += w.amount;
        else rootBalance[w.token][w.to] += w.token === "fee" ? w.amount - transferFee(w.amount) : w.amount;
      }

      for (const [i, a] of actions.entries()) {
        switch (a.kind) {
          case "deposit":
            await deposit(a.token, a.from, a.to, a.amount);
            break;
          case "withdraw":
            await withdraw(a.token, a.holder, a.to, a.percent);
            break;
          case "relayDeposit":
            if (pendingDeposits.length > 0) await relayDeposit(a.pick % pendingDeposits.length);
            break;
          case "relayWithdrawal":
            if (pendingWithdrawals.length > 0) await relayWithdrawal(a.pick % pendingWithdrawals.length);
            break;
        }
        await checkInvariant(`action ${i} (${a.kind})`);
      }

      // Drain: withdrawals in any order; deposits in sending order, so each token's first one goes first.
      while (pendingWithdrawals.length > 0) await relayWithdrawal(0);
      pendingDeposits.sort((x, y) => (x.message.nonce < y.message.nonce ? -1 : 1));
      while (pendingDeposits.length > 0) {
        const before = pendingDeposits.length;
        await relayDeposit(0);
        expect(pendingDeposits.length, "a drained deposit succeeds").to.equal(before - 1);
      }
      await checkInvariant("drained");

      for (const t of TOKENS) {
        expect(depositsInFlight[t]).to.equal(0n);
        expect(withdrawalsInFlight[t]).to.equal(0n);
        const child = await childToken(t);
        for (const [u, signer] of users.entries()) {
          const held = child === undefined ? 0n : await child.balanceOf(signer.address);
          expect(held, `child ${t} of user ${u}`).to.equal(childBalance[t][u]);
          if (t !== "eth") expect(await erc20[t].balanceOf(signer.address), `root ${t} of user ${u}`).to.equal(rootBalance[t][u]);
        }
      }
      for (const [u, signer] of users.entries()) {
        expect(await ethers.provider.getBalance(signer.address), `ETH of user ${u}`).to.equal(ethStart[u] + ethDelta[u]);
      }
    });

    await fc.assert(property, { numRuns: 12, seed: 0x5eed, endOnFailure: true });

    // The seed is fixed: these pin that the generated runs exercise what this test claims to cover.
    for (const t of TOKENS) {
      expect(coverage.deposits[t], `${t} deposits`).to.be.greaterThan(0);
      expect(coverage.withdrawals[t], `${t} withdrawals`).to.be.greaterThan(0);
    }
    expect(coverage.feeCharged, "deposits charged a transfer fee").to.be.greaterThan(0);
    expect(coverage.overtakingFailures, "deposits that overtook their token's first one").to.be.greaterThan(0);
    expect(coverage.retriesSucceeded, "failed deposits retried successfully").to.be.greaterThan(0);
    expect(coverage.withdrawalRelays).to.be.greaterThan(0);
  });
});
