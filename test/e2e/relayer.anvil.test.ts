/**
 * The deposit + withdrawal round trip of relayer.process.test.ts with the child chain on anvil
 * (main: a Hardhat node, 31337; child: anvil, 31338): the relayer and two validators as real
 * processes, ETH and ERC20 both ways, balances and the lockbox invariant.
 */
import { expect } from "chai";

import { deployDevnet, devAccount, makeTempDir, startAnvil, startHardhatNode, stopAllNodes, type Devnet } from "./harness";
import { buildCli, intervalMining, roundTrip, startBridge, stopAllRelayers, type BridgeProcesses } from "./relayerProcess";

describe("relayer processes (Hardhat main, anvil child)", function () {
  this.timeout(240_000);
  let devnet: Devnet;
  let bridge: BridgeProcesses | undefined;

  before(async function () {
    buildCli();
    const [main, child] = await Promise.all([startHardhatNode({ chainId: 31337 }), startAnvil({ chainId: 31338 })]);
    devnet = await deployDevnet(main, child, { challengePeriod: 2 });
    await intervalMining(main.provider, 300);
    // anvil's evm_setIntervalMining takes seconds (and turns automine off).
    await child.provider.send("evm_setIntervalMining", [1]);
    bridge = await startBridge(devnet, makeTempDir("relayer-anvil"), { proposer: devAccount(1).privateKey, executor: devAccount(2).privateKey });
  });
  after(async function () {
    await stopAllRelayers();
    await stopAllNodes();
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed" && bridge !== undefined) console.log(`--- relayer output:\n${bridge.relayer.output(60)}`);
  });

  it("carries ETH and ERC20 deposits to the anvil child and withdrawals back; lockbox == child supply", async function () {
    const user = { main: devAccount(5, devnet.main.provider), child: devAccount(5, devnet.child.provider) };
    await roundTrip(devnet, () => bridge!.apiPort, user, expect);
    expect((await bridge!.relayer.stop()).code).to.equal(0);
  });
});
