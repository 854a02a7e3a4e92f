/**
 * The data-availability game end to end: two Hardhat nodes (interval mining), the relayer as a
 * child process with every role on, the challenger WITHOUT any leaf source, and the
 * LeafAvailabilityGame deployed beside each CheckpointManager by deployBridge.
 *   (a) the relayer's proposer answers: the test demands the leaves of one of its checkpoints,
 *       then the header of one leaf; the relayer publishes both in time and is never slashed;
 *   (b) a rogue proposer with a validator's key submits a checkpoint over a made-up block hash
 *       and withholds its leaves: the relayer's challenger, unable to find them, demands them in
 *       the game and resolves the unanswered demand, which reverts the checkpoint and slashes the rogue.
 */
import { expect } from "chai";
import { id as hashText, type EventLog } from "ethers";

import { buildCheckpointTree } from "../../relayer/src";
import {
  CHALLENGER_ACCOUNT,
  RELAYER_ACCOUNT,
  RogueProposer,
  canonicalRange,
  contractOf,
  startFaultBridge,
  submitAheadOfRelayer,
  stopAllRelayers,
  waitFor,
  type FaultBridge,
} from "./faults";
import { devAccount, stopAllNodes } from "./harness";

const CHALLENGE_PERIOD = 40;
const RESPONSE_WINDOW = 6;
const RESOLVE_WINDOW = 4;
/** ICheckpointManager.Fraud.LeavesUnavailable */
const LEAVES_UNAVAILABLE = 3n;

describe("data-availability game: the relayer's proposer answers, its challenger catches withheld leaves (end to end)", function () {
  this.timeout(300_000);
  let bridge: FaultBridge;

  before(async function () {
    bridge = await startFaultBridge("availability", { challengePeriod: CHALLENGE_PERIOD, availability: { responseWindow: RESPONSE_WINDOW, resolveWindow: RESOLVE_WINDOW } }, { challenger: { leafSources: [] }, proposer: { maxWaitMs: 1_000 } });
  });

  after(async function () {
    await stopAllRelayers();
    await stopAllNodes();
  });

  it("answers demands on the relayer's checkpoints, and reverts a checkpoint whose leaves are withheld", async function () {
    const { main, child, devnet, relayer } = bridge;
    expect(devnet.deployment.child.contracts.LeafAvailabilityGame, "deployed beside the CheckpointManager").to.not.equal(undefined);
    const manager = contractOf(devnet.deployment.child, "CheckpointManager", child.provider);
    const demander = devAccount(5, child.provider);
    const game = contractOf(devnet.deployment.child, "LeafAvailabilityGame", demander);
    const gameAddress = await game.getAddress();
    expect(await manager.hasRole(await manager.AVAILABILITY_ROLE(), gameAddress)).to.equal(true);
    const relayerAccount = devAccount(RELAYER_ACCOUNT).address;
    const rootBridge = contractOf(devnet.deployment.main, "RootBridge", devAccount(2, main.provider));

    // (a) A deposit makes the relayer's proposer cut a checkpoint of main's blocks on the child chain.
    const fromBlock = await child.provider.getBlockNumber();
    await (await rootBridge.depositETH(devAccount(6).address, { value: 10n ** 16n })).wait();
    const submitted = await waitFor(
      "a checkpoint by the relayer's proposer",
      async () => {
        const events = (await manager.queryFilter(manager.filters.CheckpointSubmitted(null, relayerAccount), fromBlock, "latest")) as EventLog[];
        return events.at(-1);
      },
      30_000,
    );
    const honestId = submitted.args.id as bigint;
    await (await game.demandLeaves(honestId, { value: await game.leafDemandBond() })).wait();
    const published = await waitFor(
      "the relayer's LeavesPublished",
      async () => ((await game.queryFilter(game.filters.LeavesPublished(honestId), fromBlock, "latest")) as EventLog[]).at(0),
      RESPONSE_WINDOW * 1_000,
    );
    expect(published.args.publisher).to.equal(relayerAccount);

    // The published leaves are all a header demand needs.
    const start = published.args.startBlock as bigint;
    const tree = buildCheckpointTree(
      (published.args.leaves as { hash: string; receiptsRoot: string }[]).map((leaf, i) => ({ number: start + BigInt(i), hash: leaf.hash, receiptsRoot: leaf.receiptsRoot })),
    );
    expect(tree.root).to.equal(submitted.args.blockRoot);
    await (await game.demandHeader(honestId, tree.leafFor(start), tree.proofFor(start), { value: await game.headerDemandBond() })).wait();
    const revealed = await waitFor(
      "the relayer's HeaderRevealed",
      async () => ((await game.queryFilter(game.filters.HeaderRevealed(honestId, start), fromBlock, "latest")) as EventLog[]).at(0),
      RESPONSE_WINDOW * 1_000,
    );
    expect(revealed.args.publisher).to.equal(relayerAccount);

    // (b) The rogue: the validator's real signature over a made-up block hash, leaves kept to itself.
    const rogue = new RogueProposer(devAccount(3, child.provider), { file: devnet.deployment.child, chainId: child.chainId }, main.chainId);
    await rogue.ensureBond();
    const sub = await submitAheadOfRelayer(main, async () => {
      const blocks = await canonicalRange(main, (await manager.nextStartBlock()) as bigint, BigInt(await main.provider.getBlockNumber()));
      const leaves = blocks.map((b, i) => ({ number: BigInt(b.number), hash: i === 0 ? hashText("made-up block") : b.hash, receiptsRoot: b.receiptsRoot }));
      return rogue.submit(leaves, [{ index: 0, key: devnet.validators[0] }]);
    });
    const reverted = await waitFor(
      `CheckpointsReverted from id ${sub.id}`,
      async () => ((await manager.queryFilter(manager.filters.CheckpointsReverted(sub.id), sub.blockNumber, "latest")) as EventLog[]).at(0),
      CHALLENGE_PERIOD * 1_000,
    );
    expect(reverted.args.fraud).to.equal(LEAVES_UNAVAILABLE);
    expect(reverted.args.challenger).to.equal(gameAddress);
    const submittedAt = (await child.provider.getBlock(sub.blockNumber))!.timestamp;
    const revertedAt = (await child.provider.getBlock(reverted.blockNumber))!.timestamp;
    expect(revertedAt - submittedAt, "reverted inside the challenge window").to.be.lessThan(CHALLENGE_PERIOD);
    expect(await rogue.bond()).to.equal(0n);
    const demands = (await game.queryFilter(game.filters.LeavesDemanded(sub.id), sub.blockNumber, "latest")) as EventLog[];
    expect(demands.map((d) => d.args.demander)).to.deep.equal([devAccount(CHALLENGER_ACCOUNT).address]);
    expect(relayer.logs().some((l) => l.at === "challenger.demand-leaves")).to.equal(true);

    // Only the rogue was slashed; the relayer's checkpoint with its answered demands became final.
    const slashed = (await manager.queryFilter(manager.filters.BondSlashed(), 0, "latest")) as EventLog[];
    expect(slashed.map((e) => e.args.proposer)).to.deep.equal([rogue.wallet.address]);
    const honestFinal = (await manager.getCheckpoint(honestId)) as [bigint, bigint, string, bigint];
    expect(honestFinal[2]).to.equal(submitted.args.blockRoot);
  });
});

