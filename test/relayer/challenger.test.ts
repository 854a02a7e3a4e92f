import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";
import {
  ChallengeRejectedError, CheckpointChallenger, encodeBlockHeader,
  type ChallengeResult, type Inspection, type JsonRpcSender, type LeafSource, type PlannedChallenge, type PublishedLeaf, type RpcBlock,
} from "../../relayer/src";
import { expectRejection } from "./helpers/assertions";
import { CHALLENGER_REWARD_BPS, MIN_BOND, makeValidators, signCheckpoint, treeOf } from "../helpers/fixture";
import {
  Fraud, SECP256K1_N, deployManager, leavesOf, mineDroppedFork, nextBlocks, rangeOf, submitTree, tamperedTree, toHighS, withSignature,
  type CheckpointRange, type ManagerContext, type Submitted,
} from "../helpers/checkpoints";

const REWARD = (MIN_BOND * BigInt(CHALLENGER_REWARD_BPS)) / 10_000n;
const FORGED = 3;
const BAD = 1;

interface Entry { level: "info" | "warn" | "error"; fields: Record<string, unknown> }

/** A challenger on the fixture's child-side manager, Hardhat being both chains; logs are kept for assertions. */
function challengerOf(ctx: ManagerContext, options: { signer?: Signer; leafSource?: LeafSource; source?: JsonRpcSender; destination?: JsonRpcSender } = {}) {
  const entries: Entry[] = [];
  const record = (level: Entry["level"]) => (fields: object) => void entries.push({ level, fields: fields as Record<string, unknown> });
  const challenger = new CheckpointChallenger({
    destination: options.destination ?? ethers.provider,
    checkpointManager: ctx.manager.target as string,
    source: options.source ?? ethers.provider,
    signer: options.signer ?? ctx.challenger,
    logger: { info: record("info"), warn: record("warn"), error: record("error") },
    leafSource: options.leafSource,
    // Small log ranges so that every test also reads its events in several eth_getLogs calls.
    maxLogRange: 3n,
  });
  return { challenger, entries, at: (at: string) => entries.filter((e) => e.fields.at === at) };
}

/** The proposer's published trees, found by root; `headers` adds RLP headers of blocks (dropped forks). */
function publish(submitted: Submitted[], headers: RpcBlock[] = []): LeafSource {
  const rlp = new Map(headers.map((b) => [b.hash.toLowerCase(), encodeBlockHeader(b)]));
  return async (ref) => {
    const found = submitted.find((s) => s.blockRoot.toLowerCase() === ref.blockRoot.toLowerCase());
    return found?.tree.blocks.map((leaf): PublishedLeaf => ({ ...leaf, header: rlp.get(leaf.hash) }));
  };
}

/** A source node that, like geth, still serves the side-chain blocks it saw (Hardhat drops them on revert). */
function nodeRemembering(side: RpcBlock[]): JsonRpcSender {
  const byHash = new Map(side.map((b) => [b.hash.toLowerCase(), b]));
  return {
    async send(method, params) {
      const result: unknown = await ethers.provider.send(method, params as unknown[]);
      if (method === "eth_getBlockByHash" && result === null) return byHash.get(String(params[0]).toLowerCase()) ?? null;
      return result;
    },
  };
}

const nonceOf = (signer: { address: string }) => ethers.provider.getTransactionCount(signer.address);

/** Decodes the CheckpointsReverted event of a challenge transaction. */
async function revertedBy(ctx: ManagerContext, txHash: string) {
  const receipt = await ethers.provider.getTransactionReceipt(txHash);
  const event = receipt!.logs.map((l) => ctx.manager.interface.parseLog(l)).find((p) => p?.name === "CheckpointsReverted");
  return { receipt: receipt!, args: event!.args };
}

async function submitSigned(ctx: ManagerContext, forge?: (range: CheckpointRange) => Promise<string> | string, proposer: Signer = ctx.proposer) {
  const tree = treeOf(await nextBlocks(ctx.manager));
  const edit = forge && (async (signatures: string) => withSignature(signatures, FORGED, await forge(rangeOf(tree))));
  return submitTree(ctx.side, ctx.validators, proposer, tree, { edit });
}

async function withHonest() {
  const ctx = await deployManager();
  await mine(2);
  return { ...ctx, honestCp: await submitSigned(ctx) };
}

const outsider = () => new ethers.Wallet(ethers.id("not a validator"), ethers.provider);
const FORGERIES: { what: string; forge: (range: CheckpointRange, ctx: ManagerContext) => Promise<string> }[] = [
  { what: "by a key outside the set", forge: (range, ctx) => signCheckpoint(ctx.manager, outsider(), range) },
  { what: "by another validator", forge: (range, ctx) => signCheckpoint(ctx.manager, ctx.validators[0], range) },
  { what: "with a high s", forge: async (range, ctx) => toHighS(await signCheckpoint(ctx.manager, ctx.validators[FORGED], range)) },
  {
    what: "with v = 0 (ethers accepts it, ecrecover does not)",
    forge: async (range, ctx) => {
      const sig = await signCheckpoint(ctx.manager, ctx.validators[FORGED], range);
      return ethers.concat([ethers.dataSlice(sig, 0, 64), ethers.toBeHex(Number(ethers.dataSlice(sig, 64)) - 27, 1)]);
    },
  },
  { what: "with r = n (out of range)", forge: async () => ethers.concat([ethers.toBeHex(SECP256K1_N, 32), ethers.toBeHex(1, 32), "0x1b"]) },
];

function forgedFixture(forge: (range: CheckpointRange, ctx: ManagerContext) => Promise<string>) {
  return async function withForged() {
    const ctx = await deployManager();
    return { ...ctx, forged: await submitSigned(ctx, (range) => forge(range, ctx)) };
  };
}
const forgedFixtures = FORGERIES.map((f) => forgedFixture(f.forge));

/** A checkpoint, signed by every validator, whose leaf BAD lies; `tamper` says how. */
function tamperedFixture(tamper: (blocks: RpcBlock[]) => (leaf: PublishedLeaf, i: number) => PublishedLeaf) {
  return async function withTampered() {
    const ctx = await deployManager();
    await mine(3);
    const blocks = await nextBlocks(ctx.manager);
    const bad = await submitTree(ctx.side, ctx.validators, ctx.proposer, tamperedTree(blocks, tamper(blocks)));
    return { ...ctx, blocks, bad, badNumber: bad.startBlock + BigInt(BAD) };
  };
}
const withWrongReceiptsRoot = tamperedFixture(() => (leaf, i) => (i === BAD ? { ...leaf, receiptsRoot: ethers.id("forged") } : leaf));
const withShiftedLeaf = tamperedFixture((blocks) => (leaf, i) => (i === BAD ? { ...leaf, hash: blocks[i + 1].hash, receiptsRoot: blocks[i + 1].receiptsRoot } : leaf));
const withMadeUpHash = tamperedFixture(() => (leaf, i) => (i === BAD ? { ...leaf, hash: ethers.id("no such block") } : leaf));

/** A checkpoint ending with a real block of a dropped fork, which does not link to the kept block before it. */
async function withUnlinkedInside() {
  const ctx = await deployManager();
  const { dropped, kept } = await mineDroppedFork(2);
  const blocks = [...(await nextBlocks(ctx.manager)).slice(0, -1), dropped[1]];
  const bad = await submitTree(ctx.side, ctx.validators, ctx.proposer, treeOf(blocks));
  return { ...ctx, bad, dropped, kept };
}

/** #0 real blocks through h (proposer); #1 only the dropped fork's block h + 1 (the other proposer). */
async function withUnlinkedAcross() {
  const ctx = await deployManager();
  const { dropped, kept } = await mineDroppedFork(2);
  const first = await submitTree(ctx.side, ctx.validators, ctx.proposer, treeOf(await nextBlocks(ctx.manager, BigInt(kept[0].number))));
  await time.increase(100);
  const bad = await submitTree(ctx.side, ctx.validators, ctx.honest, treeOf([dropped[1]]));
  return { ...ctx, first, bad, dropped, kept };
}

/** #0 honest, #1 forged (proposer), #2 honest (the other proposer). */
async function withChain() {
  const ctx = await deployManager();
  const first = await submitSigned(ctx);
  await mine(2);
  // A second pending checkpoint of the same proposer locks a second share of its bond.
  await ctx.manager.connect(ctx.proposer).depositBond({ value: MIN_BOND });
  const forged = await submitSigned(ctx, (range) => signCheckpoint(ctx.manager, outsider(), range));
  await mine(2);
  const later = await submitSigned(ctx, undefined, ctx.honest);
  return { ...ctx, first, forged, later };
}

function planned(inspection: Inspection): PlannedChallenge {
  if (!inspection.fraud) return expect.fail(`expected fraud, got ${inspection.result.outcome}`);
  return inspection.challenge;
}

function expectOne(results: ChallengeResult[], expected: Partial<ChallengeResult>): ChallengeResult {
  expect(results).to.have.length(1);
  expect(results[0]).to.include(expected);
  return results[0];
}

describe("CheckpointChallenger", function () {
  describe("signatures", function () {
    it("finds an honest checkpoint valid, sends nothing and does not fetch it again", async function () {
      const ctx = await loadFixture(withHonest);
      let sourceCalls = 0;
      const source: JsonRpcSender = { send: (m, p) => (sourceCalls++, ethers.provider.send(m, p as unknown[])) };
      const { challenger, at } = challengerOf(ctx, { source });
      const nonce = await nonceOf(ctx.challenger);
      expectOne(await challenger.scan(), { id: 0n, kind: "none", outcome: "valid" });
      expect(sourceCalls).to.be.greaterThan(0);
      const before = sourceCalls;
      expectOne(await challenger.scan(), { id: 0n, outcome: "valid" });
      expect(sourceCalls).to.equal(before);
      expect(await nonceOf(ctx.challenger)).to.equal(nonce);
      expect(at("challenger.unprovable")).to.be.empty;
    });

    FORGERIES.forEach(({ what }, i) => {
      it(`challenges a signature made ${what}: checkpoint reverted, proposer slashed, challenger rewarded`, async function () {
        const ctx = await loadFixture(forgedFixtures[i]);
        const { challenger } = challengerOf(ctx);
        const balance = await ethers.provider.getBalance(ctx.challenger.address);
        const result = expectOne(await challenger.scan(), { id: 0n, kind: "signature", outcome: "challenged", position: FORGED });
        const { receipt, args } = await revertedBy(ctx, result.txHash!);
        expect([args.fromId, args.toId, args.challenger, args.fraud]).to.deep.equal([0n, 1n, ctx.challenger.address, BigInt(Fraud.BadSignature)]);
        expect(await ctx.manager.checkpointCount()).to.equal(0n);
        expect((await ctx.manager.bondOf(ctx.proposer.address))[0]).to.equal(0n);
        const gas = receipt.gasUsed * receipt.gasPrice;
        expect(await ethers.provider.getBalance(ctx.challenger.address)).to.equal(balance + REWARD - gas);
      });
    });

    it("checks signatures against the validator set of the submission block, not a later one", async function () {
      // The set changes while the checkpoint is pending: proposed a delay minus a minute before it.
      const ctx = await loadFixture(deployManager);
      const others = makeValidators(4, "a later validator set");
      await ctx.validatorSet.connect(ctx.admin).proposeValidators(others.map((v) => v.address), [1n, 1n, 1n, 1n], 3n);
      await time.increase((await ctx.validatorSet.changeDelay()) - 60n);
      await mine(2);
      await submitSigned(ctx);
      await time.increase(60);
      await ctx.validatorSet.activateValidators();
      const { challenger } = challengerOf(ctx);
      expectOne(await challenger.scan(), { id: 0n, outcome: "valid" });
    });
  });

  describe("headers", function () {
    it("proves with challengeHeader a leaf whose receipts root is not its block's", async function () {
      const ctx = await loadFixture(withWrongReceiptsRoot);
      const { challenger } = challengerOf(ctx, { leafSource: publish([ctx.bad]) });
      const result = expectOne(await challenger.scan(), { kind: "header", outcome: "challenged", blockNumber: ctx.badNumber });
      expect((await revertedBy(ctx, result.txHash!)).args.fraud).to.equal(BigInt(Fraud.HeaderMismatch));
      expect(await ctx.manager.checkpointCount()).to.equal(0n);
      expect((await ctx.manager.bondOf(ctx.proposer.address))[0]).to.equal(0n);
    });

    it("proves with challengeHeader a leaf that carries the next block under its number", async function () {
      const ctx = await loadFixture(withShiftedLeaf);
      const { challenger } = challengerOf(ctx, { leafSource: publish([ctx.bad]) });
      const result = expectOne(await challenger.scan(), { kind: "header", outcome: "challenged", blockNumber: ctx.badNumber });
      expect((await revertedBy(ctx, result.txHash!)).args.fraud).to.equal(BigInt(Fraud.HeaderMismatch));
    });

    it("proves with challengeHeaderChain a dropped-fork block inside the checkpoint, header from the source node", async function () {
      const ctx = await loadFixture(withUnlinkedInside);
      const { challenger } = challengerOf(ctx, { leafSource: publish([ctx.bad]), source: nodeRemembering(ctx.dropped) });
      const result = expectOne(await challenger.scan(), { kind: "header-chain", outcome: "challenged", blockNumber: BigInt(ctx.dropped[1].number) });
      expect((await revertedBy(ctx, result.txHash!)).args.fraud).to.equal(BigInt(Fraud.BrokenHeaderChain));
      expect(await ctx.manager.checkpointCount()).to.equal(0n);
    });

    it("proves with challengeHeaderChain a break across the boundary, header published with the tree", async function () {
      const ctx = await loadFixture(withUnlinkedAcross);
      // Hardhat forgot the dropped block: only the proposer's published header can reveal it.
      const { challenger } = challengerOf(ctx, { leafSource: publish([ctx.bad], ctx.dropped) });
      const results = await challenger.scan();
      expect(results.map((r) => [r.id, r.outcome])).to.deep.equal([[0n, "valid"], [1n, "challenged"]]);
      const { args } = await revertedBy(ctx, results[1].txHash!);
      expect([args.fromId, args.toId, args.fraud]).to.deep.equal([1n, 2n, BigInt(Fraud.BrokenHeaderChain)]);
      expect(await ctx.manager.checkpointCount()).to.equal(1n);
      expect((await ctx.manager.bondOf(ctx.honest.address))[0]).to.equal(0n);
      expect((await ctx.manager.bondOf(ctx.proposer.address))[0]).to.equal(MIN_BOND);
    });

    it("without a leaf source, reports unprovable, alerts once at error level and sends nothing", async function () {
      const ctx = await loadFixture(withWrongReceiptsRoot);
      const { challenger, at } = challengerOf(ctx);
      const nonce = await nonceOf(ctx.challenger);
      expectOne(await challenger.scan(), { id: 0n, kind: "root-mismatch", outcome: "unprovable" });
      expectOne(await challenger.scan(), { id: 0n, outcome: "unprovable" });
      expect(at("challenger.unprovable").map((e) => e.level)).to.deep.equal(["error", "warn"]);
      expect(at("challenger.unprovable")[0].fields).to.include({ id: 0n, blockRoot: ctx.bad.blockRoot, proposer: ctx.proposer.address });
      expect(await nonceOf(ctx.challenger)).to.equal(nonce);
      expect(await ctx.manager.checkpointCount()).to.equal(1n);
    });

    it("reports unprovable when the published leaves do not rebuild the committed root", async function () {
      const ctx = await loadFixture(withWrongReceiptsRoot);
      const honestLeaves: LeafSource = async () => leavesOf(ctx.blocks);
      const { challenger, at } = challengerOf(ctx, { leafSource: honestLeaves });
      const [result] = await challenger.scan();
      expect(result).to.include({ outcome: "unprovable" });
      expect(result.reason).to.match(/build root/);
      expect(at("challenger.leaf-source")).to.have.length(1);
    });

    it("reports unprovable when a committed hash is made up, as no header can be revealed", async function () {
      const ctx = await loadFixture(withMadeUpHash);
      const { challenger } = challengerOf(ctx, { leafSource: publish([ctx.bad]) });
      const [result] = await challenger.scan();
      expect(result).to.include({ outcome: "unprovable" });
      expect(result.reason).to.match(/no known header/);
    });
  });

  describe("scanning", function () {
    it("ignores a checkpoint that is already final", async function () {
      const ctx = await loadFixture(forgedFixtures[0]);
      await time.increaseTo((await ctx.manager.getCheckpoint(0n))[3]);
      const { challenger } = challengerOf(ctx);
      const nonce = await nonceOf(ctx.challenger);
      expect(await challenger.scan()).to.deep.equal([]);
      expect(await nonceOf(ctx.challenger)).to.equal(nonce);
    });

    it("checks in order and drops the checkpoints its challenge reverted with the fraudulent one", async function () {
      const ctx = await loadFixture(withChain);
      const { challenger } = challengerOf(ctx);
      const results = await challenger.scan();
      expect(results.map((r) => [r.id, r.outcome])).to.deep.equal([[0n, "valid"], [1n, "challenged"]]);
      expect(await ctx.manager.checkpointCount()).to.equal(1n);
    });

    it("checks a resubmission under the id and root it has challenged before", async function () {
      const ctx = await loadFixture(forgedFixtures[0]);
      const { challenger } = challengerOf(ctx);
      expectOne(await challenger.scan(), { outcome: "challenged" });
      const again = await submitSigned(ctx, undefined, ctx.honest);
      expect(again.id).to.equal(0n);
      expectOne(await challenger.scan(), { id: 0n, blockRoot: again.blockRoot, outcome: "valid" });
    });

    it("reads events in ranges of at most maxLogRange blocks", async function () {
      const ctx = await loadFixture(withChain);
      const spans: bigint[] = [];
      const destination: JsonRpcSender = {
        send(method, params) {
          if (method === "eth_getLogs") {
            const { fromBlock, toBlock } = params[0] as { fromBlock: string; toBlock: string };
            spans.push(BigInt(toBlock) - BigInt(fromBlock) + 1n);
          }
          return ethers.provider.send(method, params as unknown[]);
        },
      };
      const { challenger } = challengerOf(ctx, { destination });
      expect(await challenger.scan()).to.have.length(2);
      expect(spans.length).to.be.greaterThan(3);
      expect(spans.every((s) => s >= 1n && s <= 3n)).to.equal(true);
    });
  });

  describe("races", function () {
    it("reports lost-race, without sending, when another challenger reverted the checkpoint first", async function () {
      const ctx = await loadFixture(forgedFixtures[0]);
      const slow = challengerOf(ctx, { signer: ctx.stranger });
      const [pending] = await slow.challenger.pendingCheckpoints();
      const plan = planned(await slow.challenger.inspect(pending));
      expectOne(await challengerOf(ctx).challenger.scan(), { outcome: "challenged" });
      const nonce = await nonceOf(ctx.stranger);
      const result = await slow.challenger.challenge(plan);
      expect(result).to.include({ id: 0n, kind: "signature", outcome: "lost-race" });
      expect(result.txHash).to.equal(undefined);
      expect(await nonceOf(ctx.stranger)).to.equal(nonce);
      expect(slow.at("challenger.lost-race").map((e) => e.fields.errorName)).to.deep.equal(["CheckpointManagerUnknownCheckpoint"]);
    });

    it("two challengers scanning in lockstep: one challenges, the other loses the race or finds nothing left", async function () {
      const ctx = await loadFixture(forgedFixtures[0]);
      // The second one signs with a plain ethers Wallet, whose sendTransaction estimates gas itself.
      const wallet = new ethers.Wallet(ethers.id("second challenger"), ethers.provider);
      await ctx.stranger.sendTransaction({ to: wallet.address, value: ethers.parseEther("10") });
      const one = challengerOf(ctx);
      const two = challengerOf(ctx, { signer: wallet });
      const [a, b] = await Promise.all([one.challenger.scan(), two.challenger.scan()]);
      // Which one wins, and whether the other still saw the checkpoint (lost-race) or read after
      // the revert landed (nothing pending), depends on timing; exactly one challenge succeeds.
      const outcomes = [...a, ...b].map((r) => r.outcome).sort();
      expect(outcomes.filter((o) => o === "challenged")).to.have.length(1);
      expect(outcomes.filter((o) => o !== "challenged").every((o) => o === "lost-race")).to.equal(true);
      expect([...one.at("challenger.check"), ...two.at("challenger.check")]).to.be.empty;
      expect(await ctx.manager.checkpointCount()).to.equal(0n);
      // Both simulated before either landed, so the loser's transaction got out and failed: a race
      // between processes can always end so. What the loser must not do is call it anything but lost.
      expect(await nonceOf(wallet)).to.be.at.most(1);
    });

    it("refuses, without sending, a challenge the contract would reject, and does not retry it", async function () {
      const ctx = await loadFixture(withHonest);
      const { challenger } = challengerOf(ctx);
      const [pending] = await challenger.pendingCheckpoints();
      const nonce = await nonceOf(ctx.challenger);
      const error = await expectRejection(
        challenger.challenge({ kind: "signature", checkpoint: pending, position: 0, reason: "a valid signature" }),
        ChallengeRejectedError,
      );
      expect([error.code, error.retryable, error.errorName]).to.deep.equal(["CHALLENGE_REJECTED", false, "CheckpointManagerSignatureValid"]);
      expect(await challenger.scan()).to.deep.equal([]);
      expect(await nonceOf(ctx.challenger)).to.equal(nonce);
    });

    it("one challenger scanning twice at once sends one challenge", async function () {
      const ctx = await loadFixture(forgedFixtures[0]);
      const { challenger } = challengerOf(ctx);
      const nonce = await nonceOf(ctx.challenger);
      const [first, second] = await Promise.all([challenger.scan(), challenger.scan()]);
      expect(second).to.equal(first);
      expect(await nonceOf(ctx.challenger)).to.equal(nonce + 1);
    });

    it("reports window-closed, without sending, when the checkpoint became final before the challenge", async function () {
      const ctx = await loadFixture(forgedFixtures[0]);
      const { challenger, at } = challengerOf(ctx);
      const [pending] = await challenger.pendingCheckpoints();
      const plan = planned(await challenger.inspect(pending));
      await time.increaseTo(pending.finalizesAt);
      const nonce = await nonceOf(ctx.challenger);
      expect(await challenger.challenge(plan)).to.include({ outcome: "window-closed" });
      expect(await nonceOf(ctx.challenger)).to.equal(nonce);
      expect(at("challenger.window-closed").map((e) => [e.level, e.fields.errorName])).to.deep.equal([
        ["error", "CheckpointManagerChallengeWindowClosed"],
      ]);
    });
  });
});
