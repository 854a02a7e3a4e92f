import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { buildCheckpointTree, type RpcBlock } from "../../relayer/src";
import type { LeafAvailabilityGame } from "../../typechain-types";
import { CHALLENGER_REWARD_BPS, MIN_BOND } from "../helpers/fixture";
import {
  Fraud,
  Status,
  deployManager,
  leavesOf,
  nextBlocks,
  reveal,
  submitTree,
  tamperedTree,
  type ManagerContext,
  type Submitted,
} from "../helpers/checkpoints";

const RESPONSE_WINDOW = 600n;
const RESOLVE_WINDOW = 300n;
const LEAF_BOND = ethers.parseEther("0.1");
const HEADER_BOND = ethers.parseEther("0.01");
const REWARD = (MIN_BOND * BigInt(CHALLENGER_REWARD_BPS)) / 10_000n;
/** ILeafAvailabilityGame.DemandStatus */
const Demand = { None: 0n, Open: 1n, Answered: 2n, Unavailable: 3n, Void: 4n } as const;
const LEAVES_UNAVAILABLE = Fraud.LeavesUnavailable;
const HEADER_UNAVAILABLE = Fraud.HeaderUnavailable;

/** The game beside the child side's manager, holding its AVAILABILITY_ROLE. */
async function deployGame(ctx: ManagerContext) {
  const game = (await ethers.deployContract("LeafAvailabilityGame", [
    ctx.admin.address,
    await ctx.manager.getAddress(),
    RESPONSE_WINDOW,
    RESOLVE_WINDOW,
    LEAF_BOND,
    HEADER_BOND,
  ])) as unknown as LeafAvailabilityGame;
  await ctx.manager.connect(ctx.admin).grantRole(await ctx.manager.AVAILABILITY_ROLE(), await game.getAddress());
  return game;
}

/** The leaves as `publishLeaves` takes them: (hash, receiptsRoot) per block, in order. */
function published(submitted: Submitted) {
  return submitted.tree.blocks.map((leaf) => ({ hash: leaf.hash, receiptsRoot: leaf.receiptsRoot }));
}

/** One honest checkpoint of real blocks by `proposer`. */
async function withHonest() {
  const ctx = await deployManager();
  const game = await deployGame(ctx);
  await mine(4);
  const blocks = await nextBlocks(ctx.manager);
  const honest = await submitTree(ctx.side, ctx.validators, ctx.proposer, buildCheckpointTree(leavesOf(blocks)));
  return { ...ctx, game, blocks, honest };
}

/** A checkpoint whose leaf 1 has a wrong receipts root: fraud once its leaves are known. */
async function withWrongReceiptsRoot() {
  const ctx = await deployManager();
  const game = await deployGame(ctx);
  await mine(4);
  const blocks = await nextBlocks(ctx.manager);
  const tree = tamperedTree(blocks, (leaf, i) => (i === 1 ? { ...leaf, receiptsRoot: ethers.id("forged receipts") } : leaf));
  const bad = await submitTree(ctx.side, ctx.validators, ctx.proposer, tree);
  return { ...ctx, game, blocks, bad };
}

/** A checkpoint whose leaf 2 is a made-up block hash: no header has it. */
async function withMadeUpHash() {
  const ctx = await deployManager();
  const game = await deployGame(ctx);
  await mine(4);
  const blocks = await nextBlocks(ctx.manager);
  const tree = tamperedTree(blocks, (leaf, i) => (i === 2 ? { ...leaf, hash: ethers.id("no such block") } : leaf));
  const bad = await submitTree(ctx.side, ctx.validators, ctx.proposer, tree);
  return { ...ctx, game, blocks, bad, madeUp: bad.startBlock + 2n };
}

function blockAt(blocks: RpcBlock[], number: bigint): RpcBlock {
  const block = blocks.find((b) => BigInt(b.number) === number);
  if (block === undefined) throw new Error(`block ${number} not fetched`);
  return block;
}

describe("LeafAvailabilityGame", function () {
  describe("demandLeaves", function () {
    it("reverts the checkpoint and slashes the proposer when nobody publishes the leaves", async function () {
      const { game, manager, honest: withheld, challenger, stranger, proposer } = await loadFixture(withHonest);
      await expect(game.connect(challenger).demandLeaves(withheld.id, { value: LEAF_BOND })).to.emit(game, "LeavesDemanded");
      await expect(game.connect(stranger).resolveLeaves(withheld.id, withheld.attestation)).to.be.revertedWithCustomError(
        game,
        "LeafAvailabilityGameResponseWindowOpen",
      );
      await time.increase(RESPONSE_WINDOW);

      // Anyone resolves; the demander is credited its bond and the challenger's reward.
      const resolve = game.connect(stranger).resolveLeaves(withheld.id, withheld.attestation);
      await expect(resolve)
        .to.emit(manager, "CheckpointsReverted")
        .withArgs(withheld.id, 1n, await game.getAddress(), LEAVES_UNAVAILABLE);
      await expect(resolve).to.emit(manager, "BondSlashed").withArgs(proposer.address, await game.getAddress(), MIN_BOND, REWARD);
      await expect(resolve)
        .to.emit(game, "DemandResolved")
        .withArgs(withheld.id, ethers.MaxUint256, challenger.address, Demand.Unavailable, LEAF_BOND, REWARD);
      expect(await manager.checkpointCount()).to.equal(0n);
      expect((await manager.bondOf(proposer.address))[0]).to.equal(0n);
      expect(await game.balanceOf(challenger.address)).to.equal(LEAF_BOND + REWARD);
      await expect(game.connect(challenger).withdraw(challenger.address)).to.changeEtherBalances(
        [game, challenger],
        [-(LEAF_BOND + REWARD), LEAF_BOND + REWARD],
      );
    });

    it("refuses a double resolution", async function () {
      const { game, honest: withheld, challenger } = await loadFixture(withHonest);
      await game.connect(challenger).demandLeaves(withheld.id, { value: LEAF_BOND });
      await time.increase(RESPONSE_WINDOW);
      await game.resolveLeaves(withheld.id, withheld.attestation);
      await expect(game.resolveLeaves(withheld.id, withheld.attestation))
        .to.be.revertedWithCustomError(game, "LeafAvailabilityGameNoOpenDemand")
        .withArgs(withheld.id, ethers.MaxUint256);
    });

    it("refuses a demand that comes too late for the game to end before finality", async function () {
      const { game, honest, challenger } = await loadFixture(withHonest);
      const latest = await game.latestLeafDemand(honest.id);
      expect(latest).to.equal(honest.finalizesAt - 2n * (RESPONSE_WINDOW + RESOLVE_WINDOW));
      await time.setNextBlockTimestamp(latest + 1n);
      await expect(game.connect(challenger).demandLeaves(honest.id, { value: LEAF_BOND }))
        .to.be.revertedWithCustomError(game, "LeafAvailabilityGameDemandTooLate")
        .withArgs(honest.id, latest);
    });

    it("refuses a demand without the exact bond, and a second demand for one checkpoint", async function () {
      const { game, honest, challenger, stranger } = await loadFixture(withHonest);
      await expect(game.connect(challenger).demandLeaves(honest.id, { value: LEAF_BOND - 1n }))
        .to.be.revertedWithCustomError(game, "LeafAvailabilityGameWrongBond")
        .withArgs(LEAF_BOND, LEAF_BOND - 1n);
      await game.connect(challenger).demandLeaves(honest.id, { value: LEAF_BOND });
      await expect(game.connect(stranger).demandLeaves(honest.id, { value: LEAF_BOND }))
        .to.be.revertedWithCustomError(game, "LeafAvailabilityGameAlreadyDemanded")
        .withArgs(honest.id, ethers.MaxUint256, Demand.Open);
    });

    it("voids the demand, bond returned whole, when another challenge reverts the checkpoint first", async function () {
      const { game, manager, bad, blocks, challenger } = await loadFixture(withWrongReceiptsRoot);
      await game.connect(challenger).demandLeaves(bad.id, { value: LEAF_BOND });
      await manager.challengeHeader(bad.id, bad.attestation, reveal(bad.tree, bad.startBlock + 1n, blocks[1]));
      await expect(game.resolveLeaves(bad.id, bad.attestation))
        .to.emit(game, "DemandResolved")
        .withArgs(bad.id, ethers.MaxUint256, challenger.address, Demand.Void, LEAF_BOND, 0n);
      expect(await game.balanceOf(challenger.address)).to.equal(LEAF_BOND);
    });
  });

  describe("publishLeaves", function () {
    it("settles the demand: the publisher is paid its costs from the bond, the demander gets the rest", async function () {
      const { game, manager, honest, challenger, proposer } = await loadFixture(withHonest);
      await game.connect(challenger).demandLeaves(honest.id, { value: LEAF_BOND });
      const tx = await game.connect(proposer).publishLeaves(honest.id, published(honest));
      const receipt = (await tx.wait())!;
      const gameAddress = await game.getAddress();
      const event = game.interface.parseLog(receipt.logs.find((l) => l.address === gameAddress)!)!;
      expect(event.name).to.equal("LeavesPublished");
      const cost = event.args.cost as bigint;
      // The estimate bounds what the publisher paid at the base fee, and never exceeds the bond.
      const block = (await ethers.provider.getBlock(receipt.blockNumber))!;
      expect(cost).to.be.gte(receipt.gasUsed * block.baseFeePerGas!);
      expect(cost).to.be.lte(LEAF_BOND);
      expect(await game.balanceOf(proposer.address)).to.equal(cost);
      expect(await game.balanceOf(challenger.address)).to.equal(LEAF_BOND - cost);
      expect((await game.leafDemand(honest.id)).status).to.equal(Demand.Answered);

      // Past the deadline nothing is left to resolve, and the checkpoint becomes final untouched.
      await time.increase(RESPONSE_WINDOW);
      await expect(game.resolveLeaves(honest.id, honest.attestation)).to.be.revertedWithCustomError(game, "LeafAvailabilityGameNoOpenDemand");
      await time.increaseTo(honest.finalizesAt);
      expect((await manager.checkpointStatus(honest.id))[0]).to.equal(Status.Final);
      expect((await manager.bondOf(proposer.address))[0]).to.equal(MIN_BOND);
    });

    it("charges the demander no less than the publisher paid for 256 leaves, and not much more", async function () {
      const ctx = await loadFixture(withHonest);
      await time.increaseTo(ctx.honest.finalizesAt);
      await mine(256);
      const blocks = await nextBlocks(ctx.manager, (await ctx.manager.nextStartBlock()) + 255n);
      const big = await submitTree(ctx.side, ctx.validators, ctx.proposer, buildCheckpointTree(leavesOf(blocks)));
      await ctx.game.connect(ctx.challenger).demandLeaves(big.id, { value: LEAF_BOND });
      const receipt = (await (await ctx.game.connect(ctx.proposer).publishLeaves(big.id, published(big))).wait())!;
      const gameAddress = await ctx.game.getAddress();
      const cost = ctx.game.interface.parseLog(receipt.logs.find((l) => l.address === gameAddress)!)!.args.cost as bigint;
      const baseFee = (await ethers.provider.getBlock(receipt.blockNumber))!.baseFeePerGas!;
      expect(cost).to.be.lt(LEAF_BOND);
      expect(cost).to.be.gte(receipt.gasUsed * baseFee);
      expect(cost).to.be.lte((receipt.gasUsed * baseFee * 110n) / 100n);
    });

    it("lets a header challenge use the published leaves", async function () {
      const { game, manager, bad, blocks, challenger, proposer } = await loadFixture(withWrongReceiptsRoot);
      await game.connect(challenger).demandLeaves(bad.id, { value: LEAF_BOND });
      const receipt = (await (await game.connect(proposer).publishLeaves(bad.id, published(bad))).wait())!;

      // The challenger knows only what the event says: it rebuilds the tree from it.
      const gameAddress = await game.getAddress();
      const event = game.interface.parseLog(receipt.logs.find((l) => l.address === gameAddress)!)!;
      const start = event.args.startBlock as bigint;
      const leaves = (event.args.leaves as { hash: string; receiptsRoot: string }[]).map((leaf, i) => ({
        number: start + BigInt(i),
        hash: leaf.hash,
        receiptsRoot: leaf.receiptsRoot,
      }));
      const tree = buildCheckpointTree(leaves);
      expect(tree.root).to.equal(bad.blockRoot);
      const challenge = manager.connect(challenger).challengeHeader(bad.id, bad.attestation, reveal(tree, start + 1n, blockAt(blocks, start + 1n)));
      await expect(challenge).to.emit(manager, "CheckpointsReverted").withArgs(bad.id, 1n, challenger.address, Fraud.HeaderMismatch);
    });

    it("refuses leaves that do not rebuild the block root", async function () {
      const { game, honest, challenger, proposer } = await loadFixture(withHonest);
      await game.connect(challenger).demandLeaves(honest.id, { value: LEAF_BOND });
      const leaves = published(honest);
      leaves[0] = { ...leaves[0], receiptsRoot: ethers.id("other") };
      await expect(game.connect(proposer).publishLeaves(honest.id, leaves)).to.be.revertedWithCustomError(game, "LeafAvailabilityGameRootMismatch");
      await expect(game.connect(proposer).publishLeaves(honest.id, leaves.slice(1)))
        .to.be.revertedWithCustomError(game, "LeafAvailabilityGameLeafCountMismatch")
        .withArgs(honest.id, BigInt(leaves.length), BigInt(leaves.length - 1));
    });

    it("refuses a publication after the response window", async function () {
      const { game, honest, challenger, proposer } = await loadFixture(withHonest);
      await game.connect(challenger).demandLeaves(honest.id, { value: LEAF_BOND });
      await time.increase(RESPONSE_WINDOW);
      await expect(game.connect(proposer).publishLeaves(honest.id, published(honest))).to.be.revertedWithCustomError(
        game,
        "LeafAvailabilityGameResponseWindowClosed",
      );
    });

    it("rebuilds the relayer's root for every leaf count up to 9", async function () {
      const { game, blocks } = await loadFixture(withHonest);
      const leaves = leavesOf(blocks);
      for (let count = 1; count <= Math.min(9, leaves.length); count++) {
        const tree = buildCheckpointTree(leaves.slice(0, count));
        const pairs = tree.blocks.map((l) => ({ hash: l.hash, receiptsRoot: l.receiptsRoot }));
        expect(await game.rebuildRoot(tree.startBlock, pairs)).to.equal(tree.root);
      }
    });
  });

  describe("demandHeader", function () {
    it("reverts the checkpoint and slashes the proposer when a made-up block hash has no header", async function () {
      const { game, manager, bad, madeUp, challenger, proposer } = await loadFixture(withMadeUpHash);
      await game.connect(challenger).demandHeader(bad.id, bad.tree.leafFor(madeUp), bad.tree.proofFor(madeUp), { value: HEADER_BOND });
      await time.increase(RESPONSE_WINDOW);
      const resolve = game.resolveHeader(bad.id, madeUp, bad.attestation);
      await expect(resolve).to.emit(manager, "CheckpointsReverted").withArgs(bad.id, 1n, await game.getAddress(), HEADER_UNAVAILABLE);
      await expect(resolve).to.emit(manager, "BondSlashed").withArgs(proposer.address, await game.getAddress(), MIN_BOND, REWARD);
      expect(await game.balanceOf(challenger.address)).to.equal(HEADER_BOND + REWARD);
      await expect(game.resolveHeader(bad.id, madeUp, bad.attestation)).to.be.revertedWithCustomError(game, "LeafAvailabilityGameNoOpenDemand");
    });

    it("is answered by the real header, and the honest proposer is never slashed", async function () {
      const { game, manager, honest, blocks, challenger, proposer } = await loadFixture(withHonest);
      const number = honest.startBlock + 1n;
      const leaf = honest.tree.leafFor(number);
      await game.connect(challenger).demandHeader(honest.id, leaf, honest.tree.proofFor(number), { value: HEADER_BOND });
      const header = reveal(honest.tree, number, blockAt(blocks, number)).header;
      // A header of another block is no answer.
      const other = reveal(honest.tree, number, blockAt(blocks, number + 1n)).header;
      await expect(game.connect(proposer).revealHeader(honest.id, leaf, other)).to.be.revertedWithCustomError(game, "LeafAvailabilityGameHeaderHashMismatch");
      await expect(game.connect(proposer).revealHeader(honest.id, leaf, header)).to.emit(game, "HeaderRevealed");
      expect((await game.headerDemand(honest.id, number)).status).to.equal(Demand.Answered);
      await time.increase(RESPONSE_WINDOW);
      await expect(game.resolveHeader(honest.id, number, honest.attestation)).to.be.revertedWithCustomError(game, "LeafAvailabilityGameNoOpenDemand");
      await time.increaseTo(honest.finalizesAt);
      expect((await manager.checkpointStatus(honest.id))[0]).to.equal(Status.Final);
      expect((await manager.bondOf(proposer.address))[0]).to.equal(MIN_BOND);
    });

    it("refuses a leaf the checkpoint does not commit, and a demand too late", async function () {
      const { game, honest, challenger } = await loadFixture(withHonest);
      const number = honest.startBlock;
      const leaf = { ...honest.tree.leafFor(number), receiptsRoot: ethers.id("other") };
      await expect(game.connect(challenger).demandHeader(honest.id, leaf, honest.tree.proofFor(number), { value: HEADER_BOND }))
        .to.be.revertedWithCustomError(game, "LeafAvailabilityGameBlockNotCommitted")
        .withArgs(honest.id, number);
      const latest = await game.latestHeaderDemand(honest.id);
      expect(latest).to.equal(honest.finalizesAt - RESPONSE_WINDOW - RESOLVE_WINDOW);
      await time.setNextBlockTimestamp(latest + 1n);
      await expect(
        game.connect(challenger).demandHeader(honest.id, honest.tree.leafFor(number), honest.tree.proofFor(number), { value: HEADER_BOND }),
      ).to.be.revertedWithCustomError(game, "LeafAvailabilityGameDemandTooLate");
    });
  });

  describe("wiring and governance", function () {
    it("lets only the game revert a checkpoint as unavailable", async function () {
      const { manager, honest, stranger } = await loadFixture(withHonest);
      await expect(manager.connect(stranger).revertUnavailable(honest.id, honest.attestation, LEAVES_UNAVAILABLE)).to.be.revertedWithCustomError(
        manager,
        "AccessControlUnauthorizedAccount",
      );
    });

    it("refuses windows that do not fit in the challenge period, and zero bonds", async function () {
      const { game, admin } = await loadFixture(withHonest);
      const period = await (await ethers.getContractAt("CheckpointManager", await game.checkpointManager())).challengePeriod();
      await expect(game.connect(admin).setWindows(period / 4n, period / 4n))
        .to.be.revertedWithCustomError(game, "LeafAvailabilityGameWindowsTooLong")
        .withArgs(period, period);
      await expect(game.connect(admin).setDemandBonds(0n, 1n)).to.be.revertedWithCustomError(game, "LeafAvailabilityGameZeroBond");
      await expect(game.connect(admin).setWindows(100n, 50n)).to.emit(game, "WindowsUpdated").withArgs(100n, 50n);
    });
  });
});
