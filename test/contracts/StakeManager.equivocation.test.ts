import { expect } from "chai";
import { ethers } from "hardhat";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { CHECKPOINT_LEAF_ENCODING, type CheckpointTree, type RpcBlock } from "../../relayer/src";
import { CHECKPOINT_TYPES, checkpointDomain } from "../../relayer/src/chain/abi";
import { checkpoint, fetchBlocks, treeOf } from "../helpers/fixture";
import { splitSignatures, tamperedTree, toHighS } from "../helpers/checkpoints";
import {
  BPS,
  Lane,
  REPORTER_BPS,
  SLASH_BPS,
  Status,
  UNBONDING,
  accountedFunds,
  deployStaking,
  freshKeys,
  joinNative,
  nextEpoch,
  signedLeaf,
  signerProof,
  stakeConfig,
  withSignature,
  type Domain,
} from "../helpers/staking";

const STAKE = ethers.parseEther("10");
const FORGED = ethers.keccak256(ethers.toUtf8Bytes("a block that never was"));

/** Four validators (the fixture's validator keys) staked and active, and eight real blocks. */
async function deployStaked(overrides: Parameters<typeof stakeConfig>[0] = {}) {
  const ctx = await deployStaking(overrides);
  for (let i = 0; i < 4; i++) await joinNative(ctx.stakeManager, ctx.owners[i], ctx.signers[i], STAKE);
  const epoch = await nextEpoch(ctx.stakeManager);
  await mine(8);
  const latest = BigInt(await ethers.provider.getBlockNumber());
  const blocks = await fetchBlocks(latest - 7n, latest);
  const main: Domain = { chainId: ctx.lanes[0].chainId, manager: ctx.lanes[0].manager };
  const child: Domain = { chainId: ctx.lanes[1].chainId, manager: ctx.lanes[1].manager };
  // A lane's checkpoints are of the other lane's chain.
  const source = { [Lane.Main]: child.chainId, [Lane.Child]: main.chainId };
  const owned = ctx.owners.slice(0, 4).map((o) => o.address);
  // `main` and `child` are the lanes' domains here; the fixture's chain sides move to `sides`.
  const sides = { main: ctx.main, child: ctx.child };
  return { ...ctx, sides, epoch, blocks, honest: treeOf(blocks), main, child, source, owned };
}

async function deployFullSlash() {
  return deployStaked({ slashBps: 10_000 });
}

/** The tree of `blocks` with the hash of the block at each of `positions` made up. */
function forgedTree(blocks: RpcBlock[], positions: number[], field: "hash" | "receiptsRoot" = "hash"): CheckpointTree {
  return tamperedTree(blocks, (leaf, i) => (positions.includes(i) ? { ...leaf, [field]: FORGED } : leaf));
}

const slashOf = (amount: bigint) => (amount * BigInt(SLASH_BPS)) / BPS;
const rewardOf = (slashed: bigint) => (slashed * BigInt(REPORTER_BPS)) / BPS;

describe("StakeManager", () => {
  describe("reportEquivocation", () => {
    it("slashes a validator that signed two roots with different hashes at one height (main lane)", async () => {
      const ctx = await loadFixture(deployStaked);
      const { stakeManager, signers, owners, reporter, honest, blocks, main, source, epoch } = ctx;
      const height = BigInt(blocks[3].number);
      const first = await signedLeaf(signers[0], main, source[Lane.Main], honest, height);
      const second = await signedLeaf(signers[0], main, source[Lane.Main], forgedTree(blocks, [3]), height);
      const slashed = slashOf(STAKE);
      const reward = rewardOf(slashed);
      expect(await stakeManager.checkEquivocation(Lane.Main, signers[0].address, first, second)).to.deep.equal([
        owners[0].address,
        slashed,
      ]);

      const tx = stakeManager.connect(reporter).reportEquivocation(Lane.Main, signers[0].address, first, second);
      await expect(tx)
        .to.emit(stakeManager, "EquivocationSlashed")
        .withArgs(owners[0].address, signers[0].address, Lane.Main, height, reporter.address, slashed, reward, epoch + 1n);
      await expect(tx).to.changeEtherBalances([reporter, stakeManager], [reward, -reward]);

      const info = await stakeManager.getValidator(owners[0].address);
      expect([info.status, info.stake, info.unbonding, info.withdrawableAt]).to.deep.equal([
        Status.Jailed,
        0n,
        STAKE - slashed,
        BigInt(await time.latest()) + UNBONDING,
      ]);
      expect(await stakeManager.slashedFunds()).to.equal(slashed - reward);
      expect(await ethers.provider.getBalance(await stakeManager.getAddress())).to.equal(await accountedFunds(stakeManager, ctx.owned));
      expect(await stakeManager.isSlashed(owners[0].address, Lane.Main, height)).to.equal(true);
      expect(await stakeManager.isSlashed(owners[0].address, Lane.Child, height)).to.equal(false);

      // Out of the next epoch; the current one was frozen when it began and keeps it.
      expect(await stakeManager.powerAt(owners[0].address, epoch)).to.equal(STAKE);
      expect(await stakeManager.powerAt(owners[0].address, epoch + 1n)).to.equal(0n);
      await nextEpoch(stakeManager);
      expect((await stakeManager.validatorSetAt(epoch + 1n))[0]).to.not.include(signers[0].address);
      expect((await stakeManager.validatorSetAt(epoch + 1n))[0]).to.have.length(3);
      await expect(stakeManager.connect(owners[0]).topUp(STAKE, { value: STAKE }))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerNotActive")
        .withArgs(owners[0].address, Status.Jailed);

      // The same evidence, in either order, is paid once.
      for (const [a, b] of [[first, second], [second, first]]) {
        await expect(stakeManager.connect(reporter).reportEquivocation(Lane.Main, signers[0].address, a, b))
          .to.be.revertedWithCustomError(stakeManager, "StakeManagerAlreadySlashed")
          .withArgs(owners[0].address, Lane.Main, height);
      }
    });

    it("treats each lane and each height as its own offence, each slashed once", async () => {
      const ctx = await loadFixture(deployStaked);
      const { stakeManager, signers, owners, reporter, honest, blocks, main, child, source } = ctx;
      const forged = forgedTree(blocks, [2, 5]);
      const [h2, h5] = [BigInt(blocks[2].number), BigInt(blocks[5].number)];
      const report = async (lane: number, domain: Domain, height: bigint) =>
        stakeManager.connect(reporter).reportEquivocation(
          lane,
          signers[1].address,
          await signedLeaf(signers[1], domain, source[lane as 0 | 1], honest, height),
          await signedLeaf(signers[1], domain, source[lane as 0 | 1], forged, height),
        );
      let held = STAKE;
      for (const [lane, domain, height] of [[Lane.Main, main, h2], [Lane.Main, main, h5], [Lane.Child, child, h2]] as const) {
        const slashed = slashOf(held);
        await expect(report(lane, domain, height))
          .to.emit(stakeManager, "EquivocationSlashed")
          .withArgs(owners[1].address, signers[1].address, lane, height, reporter.address, slashed, rewardOf(slashed), anyValue);
        held -= slashed;
      }
      expect((await stakeManager.getValidator(owners[1].address)).unbonding).to.equal(held);
      await expect(report(Lane.Child, child, h2)).to.be.revertedWithCustomError(stakeManager, "StakeManagerAlreadySlashed");
      expect(await ethers.provider.getBalance(await stakeManager.getAddress())).to.equal(await accountedFunds(stakeManager, ctx.owned));
    });

    it("takes child-lane evidence from a real submission's CheckpointSubmitted event", async () => {
      const ctx = await loadFixture(deployStaked);
      const { stakeManager, signers, owners, reporter, child, source } = ctx;
      // The honest checkpoint of the main chain, signed by all four and submitted on the child chain.
      const submitted = await checkpoint(ctx, ctx.sides.child);
      const manager = ctx.sides.child.checkpointManager;
      const [event] = await manager.queryFilter(manager.filters.CheckpointSubmitted(submitted.id));
      const eventSignature = splitSignatures(event.args.signatures)[2];
      const height = submitted.startBlock + 3n;
      const position = Number(height - submitted.startBlock);
      const first = withSignature(submitted.tree, height, eventSignature);
      const second = await signedLeaf(signers[2], child, source[Lane.Child], forgedTree(submitted.blocks, [position]), height);

      await expect(stakeManager.connect(reporter).reportEquivocation(Lane.Child, signers[2].address, first, second))
        .to.emit(stakeManager, "EquivocationSlashed")
        .withArgs(owners[2].address, signers[2].address, Lane.Child, height, reporter.address, slashOf(STAKE), anyValue, anyValue);
      // The same signature is no evidence in the other lane's domain.
      await expect(stakeManager.checkEquivocation(Lane.Main, signers[2].address, first, second))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerBadSignature")
        .withArgs(Lane.Main, signers[2].address, 0n, anyValue);
    });

    it("computes each lane's digest as its CheckpointManager does", async () => {
      const { stakeManager, honest, sides } = await loadFixture(deployStaked);
      const input = { startBlock: honest.startBlock, endBlock: honest.endBlock, blockRoot: honest.root };
      expect(await stakeManager.checkpointDigest(Lane.Main, input)).to.equal(
        await sides.main.checkpointManager.checkpointDigest(input.startBlock, input.endBlock, input.blockRoot),
      );
      expect(await stakeManager.checkpointDigest(Lane.Child, input)).to.equal(
        await sides.child.checkpointManager.checkpointDigest(input.startBlock, input.endBlock, input.blockRoot),
      );
    });

    it("never slashes honest overlapping ranges, nor one checkpoint signed twice", async () => {
      const { stakeManager, signers, blocks, main, source } = await loadFixture(deployStaked);
      const early = treeOf(blocks.slice(0, 6));
      const late = treeOf(blocks.slice(2));
      for (const position of [2, 3, 5]) {
        const height = BigInt(blocks[position].number);
        const first = await signedLeaf(signers[0], main, source[Lane.Main], early, height);
        const second = await signedLeaf(signers[0], main, source[Lane.Main], late, height);
        await expect(stakeManager.reportEquivocation(Lane.Main, signers[0].address, first, second))
          .to.be.revertedWithCustomError(stakeManager, "StakeManagerNoEquivocation")
          .withArgs(height, blocks[position].hash);
        await expect(stakeManager.reportEquivocation(Lane.Main, signers[0].address, first, first))
          .to.be.revertedWithCustomError(stakeManager, "StakeManagerNoEquivocation")
          .withArgs(height, blocks[position].hash);
      }
    });

    it("slashes one block hash committed with two receipts roots, and one root committing two leaves at a height", async () => {
      const ctx = await loadFixture(deployStaked);
      const { stakeManager, signers, owners, honest, blocks, main, source } = ctx;
      const height = BigInt(blocks[4].number);
      const otherReceipts = forgedTree(blocks, [4], "receiptsRoot");
      await expect(
        stakeManager.reportEquivocation(
          Lane.Main,
          signers[0].address,
          await signedLeaf(signers[0], main, source[Lane.Main], honest, height),
          await signedLeaf(signers[0], main, source[Lane.Main], otherReceipts, height),
        ),
      ).to.emit(stakeManager, "EquivocationSlashed");

      // One tree, leaf encoding of checkpointTree.ts, holding two leaves numbered `height`.
      const values = blocks.map((b) => [BigInt(b.number).toString(), b.hash, b.receiptsRoot]);
      values.push([height.toString(), FORGED, blocks[4].receiptsRoot]);
      const tree = StandardMerkleTree.of(values, [...CHECKPOINT_LEAF_ENCODING], { sortLeaves: false });
      const range = { startBlock: BigInt(blocks[0].number), endBlock: BigInt(blocks[7].number), blockRoot: tree.root };
      const signature = await signers[1].signTypedData(checkpointDomain(main.chainId, main.manager), CHECKPOINT_TYPES, {
        sourceChainId: source[Lane.Main],
        ...range,
      });
      const half = (index: number) => ({
        checkpoint: range,
        signature,
        leaf: { number: height, hash: values[index][1], receiptsRoot: values[index][2] },
        proof: tree.getProof(index),
      });
      await expect(stakeManager.reportEquivocation(Lane.Main, signers[1].address, half(4), half(8)))
        .to.emit(stakeManager, "EquivocationSlashed")
        .withArgs(owners[1].address, signers[1].address, Lane.Main, height, anyValue, slashOf(STAKE), anyValue, anyValue);
    });

    it("refuses a signature by another key, a malformed one and a high-s twin", async () => {
      const { stakeManager, signers, honest, blocks, main, source } = await loadFixture(deployStaked);
      const height = BigInt(blocks[1].number);
      const first = await signedLeaf(signers[0], main, source[Lane.Main], honest, height);
      const byOther = await signedLeaf(signers[1], main, source[Lane.Main], forgedTree(blocks, [1]), height);
      await expect(stakeManager.reportEquivocation(Lane.Main, signers[0].address, first, byOther))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerBadSignature")
        .withArgs(Lane.Main, signers[0].address, 1n, signers[1].address);
      const genuine = await signedLeaf(signers[0], main, source[Lane.Main], forgedTree(blocks, [1]), height);
      for (const signature of [ethers.dataSlice(genuine.signature, 0, 64), toHighS(genuine.signature)]) {
        await expect(stakeManager.reportEquivocation(Lane.Main, signers[0].address, first, { ...genuine, signature }))
          .to.be.revertedWithCustomError(stakeManager, "StakeManagerBadSignature")
          .withArgs(Lane.Main, signers[0].address, 1n, ethers.ZeroAddress);
      }
      await stakeManager.reportEquivocation(Lane.Main, signers[0].address, first, genuine);
    });

    it("refuses a signature made in a wrong domain: another chain, another contract, another source chain", async () => {
      const { stakeManager, signers, honest, blocks, main, child, source } = await loadFixture(deployStaked);
      const height = BigInt(blocks[6].number);
      const forged = forgedTree(blocks, [6]);
      const first = await signedLeaf(signers[3], main, source[Lane.Main], honest, height);
      const wrongDomains: [Domain, bigint][] = [
        [{ chainId: 1n, manager: main.manager }, source[Lane.Main]],
        [child, source[Lane.Main]],
        [{ chainId: main.chainId, manager: await stakeManager.getAddress() }, source[Lane.Main]],
        [main, 1n],
      ];
      for (const [domain, sourceChainId] of wrongDomains) {
        const second = await signedLeaf(signers[3], domain, sourceChainId, forged, height);
        await expect(stakeManager.reportEquivocation(Lane.Main, signers[3].address, first, second))
          .to.be.revertedWithCustomError(stakeManager, "StakeManagerBadSignature")
          .withArgs(Lane.Main, signers[3].address, 1n, anyValue);
      }
    });

    it("refuses leaves at two heights, a leaf outside its range or not in its root, and an unknown key", async () => {
      const { stakeManager, signers, honest, blocks, main, source } = await loadFixture(deployStaked);
      const forged = forgedTree(blocks, [2, 3]);
      const [h2, h3] = [BigInt(blocks[2].number), BigInt(blocks[3].number)];
      const first = await signedLeaf(signers[0], main, source[Lane.Main], honest, h2);
      const atH3 = await signedLeaf(signers[0], main, source[Lane.Main], forged, h3);
      await expect(stakeManager.reportEquivocation(Lane.Main, signers[0].address, first, atH3))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerHeightMismatch")
        .withArgs(h2, h3);
      const atH2 = await signedLeaf(signers[0], main, source[Lane.Main], forged, h2);
      await expect(stakeManager.reportEquivocation(Lane.Main, signers[0].address, first, { ...atH2, proof: atH3.proof }))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerLeafNotInCheckpoint")
        .withArgs(1n, h2);
      // A checkpoint signed for blocks 3..7 says nothing about block 2, even if its root holds a leaf for it.
      const range = { startBlock: h3, endBlock: honest.endBlock, blockRoot: honest.root };
      const outside = {
        checkpoint: range,
        signature: await signers[0].signTypedData(checkpointDomain(main.chainId, main.manager), CHECKPOINT_TYPES, {
          sourceChainId: source[Lane.Main],
          ...range,
        }),
        leaf: honest.leafFor(h2),
        proof: honest.proofFor(h2),
      };
      await expect(stakeManager.reportEquivocation(Lane.Main, signers[0].address, outside, atH2))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerLeafNotInCheckpoint")
        .withArgs(0n, h2);

      const [stranger] = freshKeys(1, "unbound");
      const a = await signedLeaf(stranger, main, source[Lane.Main], honest, h2);
      const b = await signedLeaf(stranger, main, source[Lane.Main], forged, h2);
      await expect(stakeManager.reportEquivocation(Lane.Main, stranger.address, a, b))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerUnknownSigner")
        .withArgs(stranger.address);
    });

    it("refuses evidence of a lane not set yet, and takes it once governance sets it", async () => {
      const ctx = await loadFixture(deployStaked);
      const { admin, lanes, signers, owners, honest, blocks, child, source } = ctx;
      const stakeManager = (await ethers.deployContract("StakeManager", [
        admin.address,
        stakeConfig(),
        [lanes[0], { chainId: lanes[1].chainId, manager: ethers.ZeroAddress }],
      ])) as unknown as typeof ctx.stakeManager;
      await joinNative(stakeManager, owners[0], signers[0], STAKE);
      const height = BigInt(blocks[0].number);
      const first = await signedLeaf(signers[0], child, source[Lane.Child], honest, height);
      const second = await signedLeaf(signers[0], child, source[Lane.Child], forgedTree(blocks, [0]), height);
      await expect(stakeManager.reportEquivocation(Lane.Child, signers[0].address, first, second))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerLaneNotSet")
        .withArgs(Lane.Child);
      await stakeManager.connect(admin).setLane(Lane.Child, child.chainId, child.manager);
      await expect(stakeManager.reportEquivocation(Lane.Child, signers[0].address, first, second)).to.emit(
        stakeManager,
        "EquivocationSlashed",
      );
    });
  });

  describe("slashing and unbonding", () => {
    it("slashes stake that is unbonding up to the last second before it can be withdrawn", async () => {
      const ctx = await loadFixture(deployStaked);
      const { stakeManager, signers, owners, honest, blocks, main, source } = ctx;
      await stakeManager.connect(owners[0]).unstake(STAKE);
      const { withdrawableAt } = await stakeManager.getValidator(owners[0].address);
      const evidence = async (position: number) => {
        const height = BigInt(blocks[position].number);
        return [
          await signedLeaf(signers[0], main, source[Lane.Main], honest, height),
          await signedLeaf(signers[0], main, source[Lane.Main], forgedTree(blocks, [position]), height),
        ] as const;
      };
      const [a, b] = await evidence(0);
      await time.setNextBlockTimestamp(withdrawableAt - 1n);
      await expect(stakeManager.reportEquivocation(Lane.Main, signers[0].address, a, b))
        .to.emit(stakeManager, "EquivocationSlashed")
        .withArgs(owners[0].address, signers[0].address, Lane.Main, anyValue, anyValue, slashOf(STAKE), anyValue, anyValue);
      // The rest waits a full delay again: more of the same keys' contradictions may surface.
      const after = await stakeManager.getValidator(owners[0].address);
      expect(after.withdrawableAt).to.equal(withdrawableAt - 1n + UNBONDING);
      await time.increaseTo(after.withdrawableAt);
      await expect(stakeManager.connect(owners[0]).withdraw(owners[0].address)).to.changeEtherBalance(owners[0], STAKE - slashOf(STAKE));
      // Withdrawn and removed: its key answers for nothing more.
      const [c, d] = await evidence(1);
      await expect(stakeManager.reportEquivocation(Lane.Main, signers[0].address, c, d)).to.be.revertedWithCustomError(
        stakeManager,
        "StakeManagerSignerExpired",
      );
    });

    it("keeps a rotated-out key answerable for the unbonding delay after its last epoch, and no longer", async () => {
      const ctx = await loadFixture(deployStaked);
      const { stakeManager, signers, owners, honest, blocks, main, source } = ctx;
      const [key1, key3] = freshKeys(2, "retire");
      await stakeManager.connect(owners[1]).rotateSigner(key1.address, await signerProof(stakeManager, key1, owners[1].address));
      await stakeManager.connect(owners[3]).rotateSigner(key3.address, await signerProof(stakeManager, key3, owners[3].address));
      const [, until] = await stakeManager.signerInfo(signers[1].address);
      const evidence = async (key: (typeof signers)[number], position: number) => {
        const height = BigInt(blocks[position].number);
        return [
          await signedLeaf(key, main, source[Lane.Main], honest, height),
          await signedLeaf(key, main, source[Lane.Main], forgedTree(blocks, [position]), height),
        ] as const;
      };
      const [a, b] = await evidence(signers[1], 0);
      await time.setNextBlockTimestamp(until - 1n);
      await expect(stakeManager.reportEquivocation(Lane.Main, signers[1].address, a, b))
        .to.emit(stakeManager, "EquivocationSlashed")
        .withArgs(owners[1].address, signers[1].address, Lane.Main, anyValue, anyValue, slashOf(STAKE), anyValue, anyValue);
      const [c, d] = await evidence(signers[3], 0);
      await time.setNextBlockTimestamp(until);
      await expect(stakeManager.reportEquivocation(Lane.Main, signers[3].address, c, d))
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerSignerExpired")
        .withArgs(signers[3].address, until);
    });

    it("never lets a key of an earlier tenure reach the stake of a later one", async () => {
      const ctx = await loadFixture(deployStaked);
      const { stakeManager, signers, owners, honest, blocks, main, source } = ctx;
      const [key1, key2] = freshKeys(2, "tenure");
      await stakeManager.connect(owners[0]).rotateSigner(key1.address, await signerProof(stakeManager, key1, owners[0].address));
      await stakeManager.connect(owners[0]).unstake(STAKE);
      await time.increaseTo((await stakeManager.getValidator(owners[0].address)).withdrawableAt);
      await stakeManager.connect(owners[0]).withdraw(owners[0].address);
      // The retired key's own window is not over, but the stake it answered for is gone.
      await joinNative(stakeManager, owners[0], key2, STAKE);
      expect((await stakeManager.signerInfo(signers[0].address))[1]).to.equal(0n);
      // The new tenure's key follows the old tenure's keys in the history.
      const rejoined = await nextEpoch(stakeManager);
      expect(await stakeManager.signerAt(owners[0].address, rejoined)).to.equal(key2.address);
      expect((await stakeManager.validatorSetAt(rejoined))[0]).to.include(key2.address);
      expect((await stakeManager.validatorSetAt(rejoined))[0]).to.not.include(key1.address);
      const height = BigInt(blocks[0].number);
      await expect(
        stakeManager.reportEquivocation(
          Lane.Main,
          signers[0].address,
          await signedLeaf(signers[0], main, source[Lane.Main], honest, height),
          await signedLeaf(signers[0], main, source[Lane.Main], forgedTree(blocks, [0]), height),
        ),
      )
        .to.be.revertedWithCustomError(stakeManager, "StakeManagerSignerExpired")
        .withArgs(signers[0].address, 0n);
    });

    it("takes everything at a full slash, then refuses further reports and frees the place after the delay", async () => {
      const ctx = await loadFixture(deployFullSlash);
      const { stakeManager, signers, owners, reporter, stranger, honest, blocks, main, source } = ctx;
      const forged = forgedTree(blocks, [0, 1]);
      const report = async (position: number) => {
        const height = BigInt(blocks[position].number);
        return stakeManager
          .connect(reporter)
          .reportEquivocation(
            Lane.Main,
            signers[2].address,
            await signedLeaf(signers[2], main, source[Lane.Main], honest, height),
            await signedLeaf(signers[2], main, source[Lane.Main], forged, height),
          );
      };
      await expect(report(0)).to.changeEtherBalance(reporter, rewardOf(STAKE));
      const info = await stakeManager.getValidator(owners[2].address);
      expect([info.status, info.stake, info.unbonding]).to.deep.equal([Status.Jailed, 0n, 0n]);
      await expect(report(1)).to.be.revertedWithCustomError(stakeManager, "StakeManagerNothingToSlash").withArgs(owners[2].address);
      await expect(stakeManager.connect(stranger).removeValidator(owners[2].address)).to.be.revertedWithCustomError(
        stakeManager,
        "StakeManagerNotRemovable",
      );
      await time.increaseTo(info.withdrawableAt);
      await expect(stakeManager.connect(stranger).removeValidator(owners[2].address))
        .to.emit(stakeManager, "ValidatorRemoved")
        .withArgs(owners[2].address);
      expect(await stakeManager.validators()).to.not.include(owners[2].address);
      expect(await stakeManager.slashedFunds()).to.equal(STAKE - rewardOf(STAKE));
      expect(await ethers.provider.getBalance(await stakeManager.getAddress())).to.equal(await accountedFunds(stakeManager, ctx.owned));
    });
  });
});
