import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { CheckpointChallenger, buildCheckpointTree, type LeafSource, type PublishedLeaf } from "../../relayer/src";
import type { LeafAvailabilityGame } from "../../typechain-types";
import { deployManager, leavesOf, nextBlocks, submitTree, tamperedTree, type ManagerContext, type Submitted } from "../helpers/checkpoints";

const RESPONSE_WINDOW = 600n;
const BAD = 1;

async function withGame(tamper: (leaf: PublishedLeaf, i: number) => PublishedLeaf) {
  const ctx = await deployManager();
  const game = (await ethers.deployContract("LeafAvailabilityGame", [
    ctx.admin.address,
    await ctx.manager.getAddress(),
    RESPONSE_WINDOW,
    300n,
    ethers.parseEther("0.1"),
    ethers.parseEther("0.01"),
  ])) as unknown as LeafAvailabilityGame;
  await ctx.manager.connect(ctx.admin).grantRole(await ctx.manager.AVAILABILITY_ROLE(), await game.getAddress());
  await mine(3);
  const blocks = await nextBlocks(ctx.manager);
  const bad = await submitTree(ctx.side, ctx.validators, ctx.proposer, tamperedTree(blocks, tamper));
  return { ...ctx, game, blocks, bad };
}
const withMadeUpHash = () => withGame((leaf, i) => (i === BAD ? { ...leaf, hash: ethers.id("no such block") } : leaf));
const withWrongReceiptsRoot = () => withGame((leaf, i) => (i === BAD ? { ...leaf, receiptsRoot: ethers.id("forged") } : leaf));

function challengerOf(ctx: ManagerContext & { game: LeafAvailabilityGame }, leafSource?: LeafSource) {
  const quiet = () => undefined;
  return new CheckpointChallenger({
    destination: ethers.provider,
    checkpointManager: ctx.manager.target as string,
    source: ethers.provider,
    signer: ctx.challenger,
    logger: { info: quiet, warn: quiet, error: quiet },
    leafSource,
    availabilityGame: ctx.game.target as string,
    maxLogRange: 50n,
  });
}

function publish(submitted: Submitted): LeafSource {
  return async (ref) => (ref.blockRoot.toLowerCase() === submitted.blockRoot.toLowerCase() ? submitted.tree.blocks.map((l) => ({ ...l })) : undefined);
}

describe("CheckpointChallenger with the availability game", function () {
  it("demands the header of a made-up hash and, unanswered, resolves it: the checkpoint is reverted", async function () {
    const ctx = await loadFixture(withMadeUpHash);
    const challenger = challengerOf(ctx, publish(ctx.bad));
    const number = ctx.bad.startBlock + BigInt(BAD);

    const [demanded] = await challenger.scan();
    expect(demanded).to.include({ kind: "header-unavailable", outcome: "demanded", blockNumber: number });
    expect((await ctx.game.headerDemand(ctx.bad.id, number)).demander).to.equal(ctx.challenger.address);
    const [waiting] = await challenger.scan();
    expect(waiting).to.include({ outcome: "awaiting-answer" });

    await time.increase(RESPONSE_WINDOW);
    const [resolved] = await challenger.scan();
    expect(resolved).to.include({ kind: "header-unavailable", outcome: "challenged" });
    expect(await ctx.manager.checkpointCount()).to.equal(0n);
    // The bond and the reward were credited in the game, and the scan took them home.
    expect(await ctx.game.balanceOf(ctx.challenger.address)).to.equal(0n);
  });

  it("demands the leaves of a checkpoint that ends past the source node's head", async function () {
    const ctx = await loadFixture(withMadeUpHash);
    await time.increaseTo(ctx.bad.finalizesAt);
    const blocks = await nextBlocks(ctx.manager);
    const last = BigInt(blocks[blocks.length - 1].number);
    const future = [1n, 2n].map((k) => ({ number: last + k, hash: ethers.id(`future ${k}`), receiptsRoot: ethers.id("future receipts") }));
    const ahead = await submitTree(ctx.side, ctx.validators, ctx.proposer, buildCheckpointTree([...leavesOf(blocks), ...future]));
    const [demanded] = await challengerOf(ctx).scan();
    expect(demanded).to.include({ id: ahead.id, kind: "leaves-unavailable", outcome: "demanded" });
  });

  it("demands leaves nobody serves, then proves header fraud with the leaves the proposer published", async function () {
    const ctx = await loadFixture(withWrongReceiptsRoot);
    const challenger = challengerOf(ctx);
    const [demanded] = await challenger.scan();
    expect(demanded).to.include({ kind: "leaves-unavailable", outcome: "demanded" });

    // The proposer answers, or be slashed; the leaves it publishes show its lie.
    await ctx.game.connect(ctx.proposer).publishLeaves(ctx.bad.id, ctx.bad.tree.blocks.map((l) => ({ hash: l.hash, receiptsRoot: l.receiptsRoot })));
    const [challenged] = await challenger.scan();
    expect(challenged).to.include({ kind: "header", outcome: "challenged", blockNumber: ctx.bad.startBlock + BigInt(BAD) });
    expect(await ctx.manager.checkpointCount()).to.equal(0n);
    expect((await ctx.game.leafDemand(ctx.bad.id)).status).to.equal(2n /* Answered */);
  });
});
