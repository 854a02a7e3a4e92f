/**
 * A rogue proposer against the relayer's challenger, end to end: two Hardhat nodes (interval
 * mining), the relayer as a child process with every role on (the challenger included, its
 * `leafSources` pointing at the rogue's published trees), and a test script with its own bond on
 * the child chain's CheckpointManager that submits checkpoints of main's blocks:
 *   (a) real blocks, but a FORGED signature (a non-validator key claiming the validator's index);
 *   (b) valid validator signatures over a BROKEN header chain: one leaf is a block of a fork of
 *       main that was dropped (evm_snapshot / evm_revert), so the next committed block does not
 *       link to it. The rogue publishes its tree with the dropped block's RLP header.
 * The challenger must revert both inside the challenge window (the rogue's bond slashed, the
 * challenger paid), and the deposits sent meanwhile must all arrive, exactly once. The relayer's
 * own proposer, which never builds on an unchecked predecessor, must never be slashed (H-1).
 */
import { expect } from "chai";
import { Contract, Wallet, parseEther, type EventLog } from "ethers";

import { encodeBlockHeader, fetchBlock, type RpcBlock } from "../../relayer/src";
import {
  CHALLENGER_ACCOUNT,
  LeafServer,
  RELAYER_ACCOUNT,
  RogueProposer,
  canonicalRange,
  contractOf,
  metricSum,
  metricsText,
  mineBlocks,
  relayedIds,
  startFaultBridge,
  submitAheadOfRelayer,
  stopAllRelayers,
  waitFor,
  type FaultBridge,
  type RogueSubmission,
} from "./faults";
import { devAccount, stopAllNodes, type RunningNode } from "./harness";

const NATIVE_TOKEN = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";
const CHALLENGE_PERIOD = 12;
const REWARD_BPS = 5_000n;

describe("rogue proposer vs the relayer's challenger (end to end)", function () {
  this.timeout(300_000);
  let bridge: FaultBridge;
  let leaves: LeafServer | undefined;

  before(async function () {
    leaves = await LeafServer.start();
    bridge = await startFaultBridge("rogue", { challengePeriod: CHALLENGE_PERIOD, challengerRewardBps: Number(REWARD_BPS) }, { challenger: { leafSources: [leaves.url] }, proposer: { maxWaitMs: 2_000 } });
  });

  after(async function () {
    await stopAllRelayers();
    await leaves?.close();
    await stopAllNodes();
  });

  it("reverts a forged-signature and a broken-header-chain checkpoint in the window; every deposit arrives once", async function () {
    const { main, child, devnet, relayer } = bridge;
    const user = devAccount(2, main.provider);
    const rootBridge = contractOf(devnet.deployment.main, "RootBridge", user);
    const childMessenger = contractOf(devnet.deployment.child, "Messenger", child.provider);
    const childBridge = contractOf(devnet.deployment.child, "ChildBridge", child.provider);
    const manager = contractOf(devnet.deployment.child, "CheckpointManager", child.provider);
    const token = new Contract((await childBridge.predictChildToken(NATIVE_TOKEN)) as string, ["function balanceOf(address) view returns (uint256)"], child.provider);
    const challenger = devAccount(CHALLENGER_ACCOUNT).address;

    const deposits: { to: string; amount: bigint }[] = [];
    const deposit = async () => {
      const to = Wallet.createRandom().address;
      const amount = parseEther("0.01") * BigInt(deposits.length + 1);
      await (await rootBridge.depositETH(to, { value: amount })).wait();
      deposits.push({ to, amount });
    };
    await deposit();
    await deposit();

    const rogue = new RogueProposer(devAccount(3, child.provider), { file: devnet.deployment.child, chainId: child.chainId }, main.chainId);
    const validatorIndex = await rogue.indexOf(devnet.validators[0].address);
    expect(validatorIndex).to.equal(0);
    const minBond = (await manager.minBond()) as bigint;
    const challengerBefore = await child.provider.getBalance(challenger);

    /** Waits for the challenger's CheckpointsReverted of `sub` and checks the window, the slash and the reward. */
    const expectReverted = async (sub: RogueSubmission, fraud: number) => {
      const event = await waitFor(
        `CheckpointsReverted from id ${sub.id}`,
        async () => {
          const events = (await manager.queryFilter(manager.filters.CheckpointsReverted(), sub.blockNumber, "latest")) as EventLog[];
          return events.find((e) => e.args.fromId === sub.id);
        },
        CHALLENGE_PERIOD * 1_000 + 10_000,
      );
      expect(event.args.challenger).to.equal(challenger);
      expect(Number(event.args.fraud)).to.equal(fraud);
      const submittedAt = (await child.provider.getBlock(sub.blockNumber))!.timestamp;
      const revertedAt = (await child.provider.getBlock(event.blockNumber))!.timestamp;
      expect(revertedAt - submittedAt, "reverted inside the challenge window").to.be.lessThan(CHALLENGE_PERIOD);
      const receipt = (await child.provider.getTransactionReceipt(event.transactionHash))!;
      const slashed = receipt.logs.map((l) => manager.interface.parseLog(l)).find((p) => p?.name === "BondSlashed")!;
      expect(slashed.args.proposer).to.equal(rogue.wallet.address);
      expect(slashed.args.amount).to.equal(minBond);
      expect(slashed.args.reward).to.equal((minBond * REWARD_BPS) / 10_000n);
      expect(await rogue.bond()).to.equal(0n);
    };

    // (a) Real blocks, one forged signature: a key outside the set claims the validator's index.
    await rogue.ensureBond();
    const forged = await submitAheadOfRelayer(main, async () => {
      const blocks = await canonicalRange(main, await manager.nextStartBlock(), BigInt(await main.provider.getBlockNumber()));
      return rogue.submit(blocks.map(leafOf), [{ index: validatorIndex, key: new Wallet(Wallet.createRandom().privateKey) }]);
    });
    await deposit(); // messages keep flowing meanwhile
    await expectReverted(forged, 0 /* BadSignature */);

    // (b) Valid signatures over a broken header chain: leaf H+1 is a dropped fork's block.
    await rogue.ensureBond();
    const broken = await submitAheadOfRelayer(main, async () => {
      const { dropped, keptNext } = await mineDroppedBlock(main);
      const start = (await manager.nextStartBlock()) as bigint;
      const blocks = await canonicalRange(main, start, keptNext);
      const leafList = blocks.map((b) => (BigInt(b.number) === BigInt(dropped.number) ? leafOf(dropped) : leafOf(b)));
      const sub = await rogue.submit(leafList, [{ index: validatorIndex, key: devnet.validators[0] }]);
      leaves!.publish(sub.tree, new Map([[dropped.hash.toLowerCase(), encodeBlockHeader(dropped)]]));
      return sub;
    });
    await deposit();
    await expectReverted(broken, 2 /* BrokenHeaderChain */);
    expect(leaves!.requests).to.be.greaterThan(0);

    // The honest relayer goes on: every deposit is minted, once.
    await deposit();
    for (const { to, amount } of deposits) {
      await waitFor(`deposit to ${to}`, async () => ((await token.balanceOf(to)) as bigint) === amount, 90_000, 300);
    }
    const ids = await relayedIds(childMessenger);
    expect(new Set(ids).size, "no message relayed twice").to.equal(ids.length);
    expect(ids.length).to.equal(deposits.length);
    for (const { to, amount } of deposits) expect(await token.balanceOf(to)).to.equal(amount);

    // Only the rogue was ever slashed: the relayer's proposer did not build on its checkpoints.
    const slashed = (await manager.queryFilter(manager.filters.BondSlashed(), 0, "latest")) as EventLog[];
    expect(slashed.map((e) => e.args.proposer)).to.deep.equal([rogue.wallet.address, rogue.wallet.address]);
    expect(slashed.map((e) => e.args.proposer)).to.not.include(devAccount(RELAYER_ACCOUNT).address);

    // The challenger was paid both rewards (less its gas); the relayer counted both reverts.
    const gained = (await child.provider.getBalance(challenger)) - challengerBefore;
    expect(gained).to.be.greaterThan(2n * ((minBond * REWARD_BPS) / 10_000n) - parseEther("0.01"));
    const metrics = await metricsText(relayer);
    expect(metricSum(metrics, "sidechain_challenges_total", { chain: "child" })).to.be.at.least(2);
    const challenged = relayer.logs().filter((l) => l.at === "challenger.challenged");
    expect(challenged.map((l) => l.kind)).to.include.members(["signature", "header-chain"]);
  });
});

function leafOf(block: RpcBlock) {
  return { number: BigInt(block.number), hash: block.hash, receiptsRoot: block.receiptsRoot };
}

/**
 * One block on a fork that is dropped (evm_snapshot, mine, evm_revert), then two blocks of the
 * kept chain at its height and the next: the dropped block is a real header whose successor on
 * the kept chain does not link to it. Mining must be paused.
 */
async function mineDroppedBlock(node: RunningNode): Promise<{ dropped: RpcBlock; keptNext: bigint }> {
  const head = await fetchBlock(node.provider, "latest");
  const base = Number(BigInt(head.timestamp));
  const snapshot = (await node.provider.send("evm_snapshot", [])) as string;
  await node.provider.send("evm_setNextBlockTimestamp", [base + 2]);
  await node.provider.send("evm_mine", []);
  const dropped = await fetchBlock(node.provider, "latest");
  await node.provider.send("evm_revert", [snapshot]);
  await node.provider.send("evm_setNextBlockTimestamp", [base + 1]);
  await mineBlocks(node, 2);
  const kept = await fetchBlock(node.provider, BigInt(dropped.number));
  if (kept.hash === dropped.hash) throw new Error("the kept block equals the dropped one");
  return { dropped, keptNext: BigInt(dropped.number) + 1n };
}
