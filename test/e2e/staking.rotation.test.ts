/**
 * Staking mode end to end: validators stake on the main chain, and the relayer alone carries the
 * new epoch's set to both chains. Its proposer schedules the rotation once the epoch begins, its
 * executor relays the rotation message to the child chain like any other message, its proposer
 * activates each set when its delay has passed, and checkpoints then go on under the staked set.
 */
import { expect } from "chai";
import { Contract, getAddress, parseEther } from "ethers";

import { loadArtifact } from "../../deploy/lib/artifacts";
import { deployed } from "./handRelay";
import { deployDevnet, devAccount, makeTempDir, startHardhatNode, stopAllNodes, type Devnet } from "./harness";
import { intervalMining, startBridge, stopAllRelayers, waitFor, type BridgeProcesses } from "./relayerProcess";

const EPOCH_SECONDS = 12;

describe("staking mode: the relayer rotates the validator set to both chains", function () {
  this.timeout(180_000);
  let devnet: Devnet;
  let bridge: BridgeProcesses | undefined;

  before(async function () {
    const [main, child] = await Promise.all([startHardhatNode({ chainId: 31337 }), startHardhatNode({ chainId: 31338 })]);
    devnet = await deployDevnet(main, child, { staking: { epochLength: EPOCH_SECONDS, minStake: parseEther("1").toString() } });
  });

  after(async function () {
    await stopAllRelayers();
    await stopAllNodes();
  });

  it("schedules, relays and activates the staked set without anyone but the relayer, and checkpoints go on under it", async function () {
    const { main, child } = devnet;
    const files = devnet.deployment;
    const stakeManager = deployed(files.main, "StakeManager", main.provider);
    const mainSet = new Contract(files.main.contracts.ValidatorSet!.address, loadArtifact("StakedValidatorSet").abi, main.provider);
    const childSet = new Contract(files.child.contracts.ValidatorSet!.address, loadArtifact("ChildValidatorSet").abi, child.provider);

    // Three of the devnet's four validator keys stake (owners are other accounts): the fourth,
    // never started here, drops out of the set with the rotation.
    const signers = devnet.validators.slice(0, 3);
    const domain = { name: "sidechain-kit StakeManager", version: "1", chainId: main.chainId, verifyingContract: await stakeManager.getAddress() };
    for (const [i, key] of signers.entries()) {
      const owner = devAccount(7 + i, main.provider);
      const proof = await key.signTypedData(domain, { SignerKey: [{ name: "validator", type: "address" }, { name: "signer", type: "address" }] }, { validator: owner.address, signer: key.address });
      await (await (stakeManager.connect(owner) as Contract).join(key.address, parseEther("1"), proof, { value: parseEther("1") })).wait();
    }
    const expected = signers.map((s) => getAddress(s.address)).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const checkpointsBefore = await Promise.all([main, child].map((node, i) => deployed(i === 0 ? files.main : files.child, "CheckpointManager", node.provider).head()));

    await Promise.all([intervalMining(main.provider, 500), intervalMining(child.provider, 500)]);
    // Idle lanes checkpoint every maxBlocks blocks, and the proposer activates a due set only on
    // its way to a checkpoint: 4 blocks (2 s) rather than 16 shortens each wait below.
    bridge = await startBridge(devnet, makeTempDir("staking-rotation"), { proposer: devAccount(2).privateKey, executor: devAccount(3).privateKey }, { maxBlocks: 4 });

    // Epoch 1 starts EPOCH_SECONDS after the deployment; nobody but the relayer sends anything.
    await waitFor("the main set to hold epoch 1", async () => (await mainSet.stakeEpoch()) >= 1n, 90_000, 500);
    await waitFor("the rotation message to reach the child set", async () => (await childSet.stakeEpoch()) >= 1n, 90_000, 500);
    for (const [name, set] of [["main", mainSet], ["child", childSet]] as const) {
      await waitFor(`the ${name} set to be the staked signers`, async () => {
        const [addresses] = (await set.validators()) as [string[]];
        return addresses.length === expected.length && addresses.every((a, i) => getAddress(a) === expected[i]);
      }, 90_000, 500);
    }

    // Both lanes keep checkpointing, now signed by the staked keys only.
    for (const [i, node] of [main, child].entries()) {
      const manager = deployed(i === 0 ? files.main : files.child, "CheckpointManager", node.provider);
      const countAtActivation = ((await manager.head()) as { count: bigint }).count;
      expect(countAtActivation).to.be.greaterThan(((checkpointsBefore[i] as { count: bigint }).count));
      await waitFor(`a checkpoint on ${i === 0 ? "main" : "child"} under the staked set`, async () => ((await manager.head()) as { count: bigint }).count > countAtActivation, 60_000, 500);
    }
    expect(bridge.relayer.exitStatus).to.equal(undefined);
  });
});
