/**
 * The equivocation reporter against real parts: the shared fixture's two CheckpointManagers (the
 * in-process Hardhat network is both chains), a StakeManager whose lanes are those managers and
 * whose validators are the fixture's keys, real submissions and challenges, and a SQLite store on
 * disk that is closed and reopened as a restart does.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";

import { Store } from "../../relayer/src/store";
import { EquivocationReporter, type ReportSender } from "../../relayer/src/roles/equivocation";
import type { LeafSource } from "../../relayer/src/roles/challenger/types";
import type { CheckpointTree } from "../../relayer/src";
import { checkpoint, signCheckpoint, type ChainSide } from "../helpers/fixture";
import { nextBlocks, rangeOf, signInDomain, submitTree, tamperedTree, toHighS, withSignature } from "../helpers/checkpoints";
import { EPOCH, Lane, Status, UNBONDING, deployStaking, freshKeys, joinNative, nextEpoch, signerProof } from "../helpers/staking";

const STAKE = ethers.parseEther("10");
const FORGED = ethers.keccak256(ethers.toUtf8Bytes("a block that never was"));
const FORGED_POSITION = 3;

interface Entry {
  level: string;
  fields: Record<string, unknown>;
}

async function deployStaked() {
  const ctx = await deployStaking();
  for (let i = 0; i < 4; i++) await joinNative(ctx.stakeManager, ctx.owners[i], ctx.signers[i], STAKE);
  await nextEpoch(ctx.stakeManager);
  await mine(6);
  return ctx;
}

type Ctx = Awaited<ReturnType<typeof deployStaked>>;

/** A reporter over both lanes with its store at `dbPath`; every transaction it sends is counted. */
function reporterOf(ctx: Ctx, dbPath: string, leafSource?: LeafSource) {
  const store = Store.open(dbPath);
  const entries: Entry[] = [];
  const record = (level: string) => (fields: object) => void entries.push({ level, fields: fields as Record<string, unknown> });
  const sent: string[] = [];
  const send: ReportSender = async ({ intent, to, data }) => {
    sent.push(intent);
    const tx = await ctx.reporter.sendTransaction({ to, data });
    const receipt = (await tx.wait())!;
    return { hash: tx.hash, status: receipt.status === 1 ? "mined" : "reverted", logs: receipt.logs.map((l) => ({ address: l.address, topics: [...l.topics], data: l.data })) };
  };
  const reporter = new EquivocationReporter({
    stakeManager: ctx.stakeManager.target as string,
    main: ethers.provider,
    lanes: [
      { name: "main", destination: ethers.provider, source: ethers.provider },
      { name: "child", destination: ethers.provider, source: ethers.provider },
    ],
    store,
    send,
    reporter: ctx.reporter.address,
    logger: { info: record("info"), warn: record("warn"), error: record("error") },
    leafSource,
    // Small log ranges: every scan reads its events in several eth_getLogs calls.
    maxLogRange: 7,
  });
  return { reporter, store, sent, entries };
}

const publish = (trees: CheckpointTree[]): LeafSource => async (ref) => trees.find((t) => t.root.toLowerCase() === ref.blockRoot.toLowerCase())?.blocks;

async function slashEvents(ctx: Ctx) {
  return ctx.stakeManager.queryFilter(ctx.stakeManager.filters.EquivocationSlashed());
}

/** Submits `tree` as `proposer` with a bad signature at `position`, and has it reverted by a signature challenge. */
async function submitAndRevert(ctx: Ctx, side: ChainSide, proposer: Signer, tree: CheckpointTree, signerIndices: number[], position: number, bad: string, alsoBad: Record<number, string> = {}) {
  const edit = (signatures: string) => Object.entries({ ...alsoBad, [position]: bad }).reduce((all, [p, sig]) => withSignature(all, Number(p), sig), signatures);
  const submitted = await submitTree(side, ctx.signers, proposer, tree, { signerIndices, edit });
  await side.checkpointManager.connect(ctx.stranger).challengeSignature(submitted.id, submitted.attestation, position);
  return submitted;
}

describe("EquivocationReporter", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "equivocation-"));
  let n = 0;
  const dbPath = () => path.join(dir, `reporter-${n++}.sqlite`);

  // A made-up block hash in one lane; in the other, a real hash committed with a made-up receipts root.
  for (const [lane, field] of [["main", "hash"], ["child", "receiptsRoot"]] as const) {
    it(`reports each key that signed two leaves at one height in the ${lane} lane (another ${field}), once, and never a bad signature`, async () => {
      const ctx = await loadFixture(deployStaked);
      const side = ctx[lane];
      const manager = side.checkpointManager;
      const blocks = await nextBlocks(manager);
      const forged = tamperedTree(blocks, (leaf, i) => (i === FORGED_POSITION ? { ...leaf, [field]: FORGED } : leaf));
      // All four sign a made-up block, but 2's signature is made in another chain's domain (a signature
      // challenge reverts the checkpoint over it) and 3's is the high-s twin of its real one, which
      // ecrecover takes and the contracts refuse: neither is evidence. Then all four sign the truth.
      const range = rangeOf(forged);
      const wrongDomain = await signInDomain(ctx.signers[2], { chainId: 1n, verifyingContract: manager.target as string }, await manager.sourceChainId(), range);
      const highS = toHighS(await signCheckpoint(manager, ctx.signers[3], range));
      await submitAndRevert(ctx, side, ctx.proposer, forged, [0, 1, 2, 3], 2, wrongDomain, { 3: highS });
      const honest = await checkpoint(ctx, side, forged.endBlock);
      const height = BigInt(blocks[FORGED_POSITION].number);

      const first = reporterOf(ctx, dbPath(), publish([forged]));
      const file = first.store.db.name;
      const result = await first.reporter.scan();
      expect(result.reported.map((r) => r.signer).sort()).to.deep.equal([ctx.signers[0].address, ctx.signers[1].address].map((a) => a.toLowerCase()).sort());
      const events = await slashEvents(ctx);
      expect(events.map((e) => [e.args.validator, e.args.signer, e.args.lane, e.args.height])).to.have.deep.members([
        [ctx.owners[0].address, ctx.signers[0].address, BigInt(Lane[lane === "main" ? "Main" : "Child"]), height],
        [ctx.owners[1].address, ctx.signers[1].address, BigInt(Lane[lane === "main" ? "Main" : "Child"]), height],
      ]);
      for (const [i, status] of [Status.Jailed, Status.Jailed, Status.Active, Status.Active].entries()) {
        expect((await ctx.stakeManager.getValidator(ctx.owners[i].address)).status, `validator ${i}`).to.equal(status);
      }
      expect(first.sent).to.have.length(2);
      expect(first.store.equivocation.reports().map((r) => r.status)).to.deep.equal(["reported", "reported"]);
      expect(first.entries.filter((e) => e.fields.at === "equivocation.found")).to.have.length(2);
      expect(honest.blockRoot).to.not.equal(forged.root);

      // A restart: the same database, a new process. Nothing is found anew, nothing is sent.
      first.store.close();
      const restarted = reporterOf(ctx, file, publish([forged]));
      expect((await restarted.reporter.scan()).reported).to.deep.equal([]);
      expect(restarted.sent).to.deep.equal([]);
      expect(restarted.store.equivocation.reports().map((r) => r.status)).to.deep.equal(["reported", "reported"]);
      restarted.store.close();

      // Another relayer with an empty database sees the same evidence, and that it was already slashed.
      const other = reporterOf(ctx, dbPath(), publish([forged]));
      expect((await other.reporter.scan()).reported).to.deep.equal([]);
      expect(other.sent).to.deep.equal([]);
      expect(other.store.equivocation.reports().map((r) => [r.signer, r.status])).to.have.deep.members([
        [ctx.signers[0].address.toLowerCase(), "already-slashed"],
        [ctx.signers[1].address.toLowerCase(), "already-slashed"],
      ]);
      other.store.close();
      expect(await slashEvents(ctx)).to.have.length(2);
    });
  }

  it("records a report the StakeManager refuses (a key past its answerable time) and never sends it", async () => {
    const ctx = await loadFixture(deployStaked);
    // Validator 0 retires its key; long after, the old key's signatures are refused as evidence.
    const [replacement] = freshKeys(1, "rotated");
    await ctx.stakeManager.connect(ctx.owners[0]).rotateSigner(replacement.address, await signerProof(ctx.stakeManager, replacement, ctx.owners[0].address));
    await time.increase(UNBONDING + 2n * EPOCH);
    const side = ctx.main;
    const blocks = await nextBlocks(side.checkpointManager);
    const forged = tamperedTree(blocks, (leaf, i) => (i === FORGED_POSITION ? { ...leaf, hash: FORGED } : leaf));
    const bad = await signInDomain(ctx.signers[2], { chainId: 1n, verifyingContract: side.checkpointManager.target as string }, await side.checkpointManager.sourceChainId(), rangeOf(forged));
    await submitAndRevert(ctx, side, ctx.proposer, forged, [0, 1, 2], 2, bad);
    await checkpoint(ctx, side, forged.endBlock);

    const { reporter, store, sent, entries } = reporterOf(ctx, dbPath(), publish([forged]));
    expect((await reporter.scan()).reported.map((r) => r.signer)).to.deep.equal([ctx.signers[1].address.toLowerCase()]);
    await reporter.scan();
    expect(sent).to.have.length(1);
    const refused = store.equivocation.reports().find((r) => r.signer === ctx.signers[0].address.toLowerCase())!;
    expect([refused.status, refused.reason, refused.validator]).to.deep.equal(["refused", "StakeManagerSignerExpired", ctx.owners[0].address.toLowerCase()]);
    expect(entries.filter((e) => e.fields.at === "equivocation.report" && e.fields.status === "refused")).to.have.length(1);
    store.close();
  });

  it("never reports honest overlapping ranges, and keeps waiting for leaves it cannot find", async () => {
    const ctx = await loadFixture(deployStaked);
    const side = ctx.child;
    const blocks = await nextBlocks(side.checkpointManager);
    const short = tamperedTree(blocks.slice(0, 5));
    // An honest range reverted over a high-s twin of validator 0's signature (ecrecover takes it, the contracts do not).
    const highS = toHighS(await signCheckpoint(side.checkpointManager, ctx.signers[0], rangeOf(short)));
    await submitAndRevert(ctx, side, ctx.proposer, short, [0, 1, 2, 3], 0, highS);
    // The same blocks cut longer, signed by all: the same hashes at every shared height.
    await mine(3);
    await checkpoint(ctx, side);
    // A made-up range on the other lane whose leaves nobody publishes.
    const mainBlocks = await nextBlocks(ctx.main.checkpointManager);
    const unknown = tamperedTree(mainBlocks, (leaf, i) => (i === 1 ? { ...leaf, hash: FORGED } : leaf));
    await submitTree(ctx.main, ctx.signers, ctx.proposer, unknown);

    const { reporter, store, sent, entries } = reporterOf(ctx, dbPath());
    for (let i = 0; i < 2; i++) expect((await reporter.scan()).reported).to.deep.equal([]);
    expect(sent).to.deep.equal([]);
    expect(store.equivocation.reports()).to.deep.equal([]);
    expect(await slashEvents(ctx)).to.deep.equal([]);
    // Warned once for the range without leaves, not at every scan.
    expect(entries.filter((e) => e.fields.at === "equivocation.leaves")).to.have.length(1);
    expect(store.equivocation.withoutLeaves("main").map((t) => t.blockRoot)).to.deep.equal([unknown.root.toLowerCase()]);
    store.close();
  });
});
