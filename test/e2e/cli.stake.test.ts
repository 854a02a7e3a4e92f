/**
 * `sidechain stake …` as real processes against one real Hardhat node holding a StakeManager
 * (native stake, lanes not set yet, as before a staked bridge is wired): join, status, rotating
 * the signer key, unstaking, a withdrawal refused while unbonding, and bad input as one line on
 * stderr with exit code 2. The node and every process are stopped in after().
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ContractFactory, Wallet, ZeroAddress, parseEther } from "ethers";

import { REPO_ROOT, devAccount, startHardhatNode, type RunningNode } from "./harness";
import { NATIVE_TOKEN, buildCli, expectBadInput, runCli, stopAllRelayers, type CliRun } from "./relayerProcess";

/** `sidechain …` with no key in the environment (cleanEnv drops every SIDECHAIN_*). */
function cli(...args: string[]): Promise<CliRun> {
  return runCli(args, undefined, 90_000);
}

describe("sidechain stake (real processes on a Hardhat node)", function () {
  this.timeout(240_000);
  let node: RunningNode | undefined;
  let connection: string[];
  const owner = devAccount(5);
  const signerKey = Wallet.createRandom();
  const rotatedKey = Wallet.createRandom();

  before(async function () {
    buildCli();
    node = await startHardhatNode({ chainId: 31_337 });
    const artifact = JSON.parse(readFileSync(path.join(REPO_ROOT, "artifacts/contracts/root/StakeManager.sol/StakeManager.json"), "utf8")) as { abi: []; bytecode: string };
    const admin = devAccount(0, node.provider);
    const config = {
      stakeToken: NATIVE_TOKEN,
      epochLength: 60n,
      unbondingDelay: 100n,
      challengePeriod: 10n,
      setChangeDelay: 10n,
      minStake: parseEther("1"),
      maxValidators: 8,
      thresholdBps: 6_667,
      slashBps: 5_000,
      reporterRewardBps: 1_000,
    };
    const lanes = [
      { chainId: 31_337n, manager: ZeroAddress },
      { chainId: 31_338n, manager: ZeroAddress },
    ];
    const stakeManager = await new ContractFactory(artifact.abi, artifact.bytecode, admin).deploy(admin.address, config, lanes);
    await stakeManager.waitForDeployment();
    connection = ["--stake-manager", await stakeManager.getAddress(), "--main-rpc", node.url, "--key", owner.privateKey];
  });

  after(async function () {
    await stopAllRelayers();
    await node?.stop();
  });

  it("joins, shows the status, rotates the signer key and unstakes; refusals are one clear line", async function () {
    const [help, noKey, badAmount] = await Promise.all([
      cli("stake", "--help"),
      cli("stake", "join", "--amount", "2", "--signer-key", signerKey.privateKey, ...connection.slice(0, 4)),
      cli("stake", "join", "--amount", "two", ...connection),
    ]);
    expect(help.code, help.stderr).to.equal(0);
    for (const verb of ["join", "top-up", "unstake", "withdraw", "rotate-signer", "status"]) expect(help.stdout).to.match(new RegExp(`^  ${verb} `, "m"));
    expectBadInput(noKey, /--key \(missing\) is required to send transactions/);
    expectBadInput(badAmount, /--amount two is not a positive decimal number/);

    const join = await cli("stake", "join", "--amount", "2", "--signer-key", signerKey.privateKey, "--json", ...connection);
    expect(join.code, join.stderr).to.equal(0);
    expect(JSON.parse(join.stdout)).to.include({ command: "stake join", validator: owner.address, signer: signerKey.address, amount: parseEther("2").toString() });

    const [text, stranger, again] = await Promise.all([
      cli("stake", "status", ...connection),
      cli("stake", "status", devAccount(6).address, "--json", ...connection.slice(0, 4)),
      cli("stake", "join", "--amount", "2", "--signer-key", signerKey.privateKey, ...connection),
    ]);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/status\s+active/).and.match(new RegExp(`signer\\s+${signerKey.address}`)).and.match(/stake\s+2 ETH bonded/).and.match(/power\s+0 in epoch \d+, 2000000000000000000 from epoch/);
    expect(JSON.parse(stranger.stdout)).to.include({ command: "stake status", status: "none", stake: "0" });
    expectBadInput(again, new RegExp(`${owner.address} is already a validator \\(status active\\) \\(StakeManagerAlreadyValidator\\)`));

    const rotate = await cli("stake", "rotate-signer", "--signer-key", rotatedKey.privateKey, "--json", ...connection);
    expect(rotate.code, rotate.stderr).to.equal(0);
    expect(JSON.parse(rotate.stdout)).to.include({ command: "stake rotate-signer", signer: rotatedKey.address });

    const tooMuch = await cli("stake", "unstake", "--amount", "5", ...connection);
    expectBadInput(tooMuch, new RegExp(`validator ${owner.address} has 2000000000000000000 bonded, less than 5000000000000000000 \\(StakeManagerInsufficientStake\\)`));
    const unstake = await cli("stake", "unstake", "--all", "--json", ...connection);
    expect(unstake.code, unstake.stderr).to.equal(0);
    const unstaked = JSON.parse(unstake.stdout) as { status: string; stake: string; unbonding: string; withdrawableAt: number };
    expect(unstaked).to.include({ status: "exiting", stake: "0", unbonding: parseEther("2").toString() });
    expect(unstaked.withdrawableAt).to.be.greaterThan(Math.floor(Date.now() / 1000));

    const [withdraw, status] = await Promise.all([cli("stake", "withdraw", ...connection), cli("stake", "status", "--json", ...connection)]);
    expectBadInput(withdraw, /is still unbonding until \d{4}-\d\d-\d\dT[\d:.]+Z \(StakeManagerStillUnbonding\)/);
    expect(JSON.parse(status.stdout)).to.include({ status: "exiting", signer: rotatedKey.address, unbonding: parseEther("2").toString() });
  });
});
