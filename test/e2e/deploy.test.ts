/**
 * deploy/lib against real JSON-RPC nodes in separate processes: two Hardhat nodes (main 31337,
 * child 31338), then a Hardhat main with anvil as the child chain. Checks the deployment files,
 * the wiring on both chains, that re-runs are idempotent and finish partial deployments, and
 * that a fresh deployment carries a deposit across by hand, before any relayer exists.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Contract, Wallet, ZeroHash, getAddress, parseEther, type TransactionRequest } from "ethers";

import {
  ChainIdMismatchError,
  InsufficientFundsError,
  RpcUnreachableError,
  TransactionFailedError,
  deployBridge,
  readDeployment,
  type DeploymentFile,
} from "../../deploy/lib";
import { loadArtifact } from "../../deploy/lib/artifacts";
import { carryMessages, deployed, type ChainEnd } from "./handRelay";
import {
  REPO_ROOT,
  deployDevnet,
  devAccount,
  freePort,
  makeTempDir,
  startAnvil,
  startHardhatNode,
  stopAllNodes,
  type Devnet,
  type RunningNode,
} from "./harness";

const NATIVE_TOKEN = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";
const ERC20_ABI = ["function balanceOf(address) view returns (uint256)", "function symbol() view returns (string)"];

function ends(devnet: Devnet): { main: ChainEnd; child: ChainEnd } {
  return {
    main: { provider: devnet.main.provider, chainId: devnet.main.chainId, deployment: devnet.deployment.main },
    child: { provider: devnet.child.provider, chainId: devnet.child.chainId, deployment: devnet.deployment.child },
  };
}

async function nonces(devnet: Devnet): Promise<[number, number]> {
  return Promise.all([
    devnet.main.provider.getTransactionCount(devnet.deployer.main.address),
    devnet.child.provider.getTransactionCount(devnet.deployer.child.address),
  ]);
}

/** Checks the wiring on chain, both ways, and what each CheckpointManager tracks. */
async function expectWired(devnet: Devnet): Promise<void> {
  const { main, child } = devnet.deployment;
  const at = (file: DeploymentFile, name: "Messenger" | "RootBridge" | "ChildBridge" | "CheckpointManager" | "RootAssetBridge" | "ChildAssetBridge") =>
    deployed(file, name, file === main ? devnet.main.provider : devnet.child.provider);
  expect(await at(main, "Messenger").remoteMessenger()).to.equal(child.contracts.Messenger!.address);
  expect(await at(child, "Messenger").remoteMessenger()).to.equal(main.contracts.Messenger!.address);
  expect(await at(main, "RootBridge").counterpart()).to.equal(child.contracts.ChildBridge!.address);
  expect(await at(child, "ChildBridge").counterpart()).to.equal(main.contracts.RootBridge!.address);
  expect(await at(main, "RootBridge").lockbox()).to.equal(main.contracts.Lockbox!.address);
  expect(await at(main, "RootAssetBridge").counterpart()).to.equal(child.contracts.ChildAssetBridge!.address);
  expect(await at(child, "ChildAssetBridge").counterpart()).to.equal(main.contracts.RootAssetBridge!.address);
  expect(await at(main, "CheckpointManager").sourceChainId()).to.equal(BigInt(devnet.child.chainId));
  expect(await at(child, "CheckpointManager").sourceChainId()).to.equal(BigInt(devnet.main.chainId));
  expect(await at(main, "Messenger").remoteChainId()).to.equal(BigInt(devnet.child.chainId));
  expect(await at(child, "Messenger").remoteChainId()).to.equal(BigInt(devnet.main.chainId));
}

/** Deposits 1 ETH on main for `user` and relays it to the child chain by hand; returns the child ETH token. */
async function depositByHand(devnet: Devnet, user: Wallet): Promise<Contract> {
  const { main, child } = ends(devnet);
  const rootBridge = deployed(main.deployment, "RootBridge", user.connect(devnet.main.provider));
  const receipt = (await (await rootBridge.depositETH(user.address, { value: parseEther("1") })).wait())!;
  await carryMessages({
    source: main,
    destination: child,
    receipt,
    validators: devnet.validators,
    proposer: devAccount(2, devnet.child.provider),
    relayer: devAccount(3, devnet.child.provider),
  });
  const childBridge = deployed(child.deployment, "ChildBridge", devnet.child.provider);
  const token = new Contract((await childBridge.predictChildToken(NATIVE_TOKEN)) as string, ERC20_ABI, devnet.child.provider);
  expect(await token.balanceOf(user.address)).to.equal(parseEther("1"));
  expect(await devnet.main.provider.getBalance(main.deployment.contracts.RootBridge!.address)).to.be.gte(parseEther("1"));
  return token;
}

/** A wallet whose `n`-th transaction fails before it is sent, as if the deployment was killed there. */
function crashingAt(wallet: Wallet, n: number): Wallet {
  let count = 0;
  const send = wallet.sendTransaction.bind(wallet);
  wallet.sendTransaction = async (tx: TransactionRequest) => {
    if (++count === n) throw new Error(`simulated crash before transaction ${n}`);
    return send(tx);
  };
  return wallet;
}

describe("deploy (end to end, real nodes)", function () {
  this.timeout(240_000);
  after(stopAllNodes);

  describe("on two Hardhat nodes", function () {
    let main: RunningNode;
    let child: RunningNode;
    let devnet: Devnet;

    before(async function () {
      [main, child] = await Promise.all([startHardhatNode({ chainId: 31337 }), startHardhatNode({ chainId: 31338 })]);
      devnet = await deployDevnet(main, child);
    });
    after(async function () {
      await Promise.all([main?.stop(), child?.stop()]);
    });

    it("records every contract with its deployment block and transaction", async function () {
      for (const [role, node] of [["main", main], ["child", child]] as const) {
        const file = JSON.parse(readFileSync(devnet.deployment.files[role], "utf8")) as DeploymentFile;
        expect(file).to.include({ network: role, chainId: node.chainId, role, remoteChainId: role === "main" ? child.chainId : main.chainId });
        expect(new Date(file.deployedAt).toISOString()).to.equal(file.deployedAt);
        const names =
          role === "main"
            ? ["ValidatorSet", "CheckpointManager", "Messenger", "RootBridge", "Lockbox", "RootAssetBridge"]
            : ["ValidatorSet", "CheckpointManager", "Messenger", "ChildBridge", "ChildAssetBridge"];
        expect(Object.keys(file.contracts)).to.have.members(names);
        for (const record of Object.values(file.contracts)) {
          expect(await node.provider.getCode(record.address)).to.not.equal("0x");
          const receipt = (await node.provider.getTransactionReceipt(record.txHash))!;
          expect(receipt.blockNumber).to.equal(record.block);
          expect(Array.isArray(record.args)).to.equal(true);
        }
      }
      const mainFile = devnet.deployment.main.contracts;
      expect(mainFile.Lockbox!.txHash).to.equal(mainFile.RootBridge!.txHash);
    });

    it("wires the messengers and the bridges to each other on both chains", async function () {
      await expectWired(devnet);
    });

    it("checkpoints each chain from the block after its head at deployment, with the configured validators", async function () {
      for (const [file, node, remoteFile] of [
        [devnet.deployment.main, main, devnet.deployment.child],
        [devnet.deployment.child, child, devnet.deployment.main],
      ] as const) {
        const manager = deployed(file, "CheckpointManager", node.provider);
        // Both chains were fresh: the other side's first contract is in the first block checkpointed.
        const remoteFirstBlock = Math.min(...Object.values(remoteFile.contracts).map((record) => record.block));
        expect(await manager.nextStartBlock()).to.equal(BigInt(remoteFirstBlock));
        expect(await manager.challengePeriod()).to.equal(2n);
        const [addresses] = (await deployed(file, "ValidatorSet", node.provider).validators()) as [string[]];
        expect(addresses).to.deep.equal(devnet.validators.map((v) => v.address));
      }
    });

    it("deploys nothing and sends no transaction when run again", async function () {
      const before = await nonces(devnet);
      const again = await deployBridge(devnet.options);
      expect(await nonces(devnet)).to.deep.equal(before);
      expect(again.deployed).to.deep.equal([]);
      expect(again.transactions).to.deep.equal({ main: 0, child: 0 });
      expect(again.warnings).to.deep.equal([]);
      expect(again.main.contracts).to.deep.equal(devnet.deployment.main.contracts);
      expect(again.child.contracts).to.deep.equal(devnet.deployment.child.contracts);
    });

    it("carries an ETH deposit from main to child by hand, without a relayer", async function () {
      const token = await depositByHand(devnet, devAccount(1));
      expect(await token.symbol()).to.be.a("string");
    });

    it("stops with CHAIN_ID_MISMATCH, before any transaction, when an RPC is another chain than expected", async function () {
      const before = await nonces(devnet);
      const error = await deployBridge({ ...devnet.options, child: { ...devnet.options.child, expectedChainId: 1 } }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ChainIdMismatchError);
      expect(error).to.include({ code: "CHAIN_ID_MISMATCH", expected: 1, actual: 31338, retryable: false });
      expect((error as Error).message).to.match(/child chain: the RPC reports chain id 31338, but 1 is expected \(the configured chain id/);
      expect(await nonces(devnet)).to.deep.equal(before);
    });

    it("stops with RPC_UNREACHABLE when an RPC does not answer", async function () {
      const deploymentsDir = makeTempDir("unreachable");
      const url = `http://127.0.0.1:${await freePort()}`;
      const error = await deployBridge({ ...devnet.options, deploymentsDir, main: { ...devnet.options.main, rpcUrl: url } }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(RpcUnreachableError);
      expect(error).to.include({ code: "RPC_UNREACHABLE", retryable: true, role: "main" });
      expect(existsSync(path.join(deploymentsDir, "child.json"))).to.equal(false);
    });

    it("stops with INSUFFICIENT_FUNDS, and writes nothing, when the deployer has no funds", async function () {
      const deploymentsDir = makeTempDir("unfunded");
      const broke = Wallet.createRandom();
      const error = await deployBridge({ ...devnet.options, deploymentsDir, child: { ...devnet.options.child, privateKey: broke.privateKey } }).catch(
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(InsufficientFundsError);
      expect(error).to.include({ code: "INSUFFICIENT_FUNDS", role: "child", deployer: broke.address });
      expect(existsSync(path.join(deploymentsDir, "child.json"))).to.equal(false);
    });

    it("finishes a deployment killed half-way, deploying only what is missing", async function () {
      const deploymentsDir = makeTempDir("partial");
      const flaky = crashingAt(devAccount(0, child.provider), 3); // after the child's ValidatorSet and CheckpointManager
      const failed = await deployDevnet(main, child, { deploymentsDir, child: { signer: flaky } }).catch((e: unknown) => e);
      expect(failed).to.be.instanceOf(TransactionFailedError);
      expect((failed as TransactionFailedError).message).to.match(/child chain: deploy Messenger failed: simulated crash/);

      // The main side was completed meanwhile; the child side recorded what was mined.
      const half = { main: readDeployment(deploymentsDir, "main")!, child: readDeployment(deploymentsDir, "child")! };
      expect(Object.keys(half.main.contracts)).to.have.members(["ValidatorSet", "CheckpointManager", "Messenger", "RootBridge", "Lockbox", "RootAssetBridge"]);
      expect(Object.keys(half.child.contracts)).to.have.members(["ValidatorSet", "CheckpointManager"]);

      const finished = await deployDevnet(main, child, { deploymentsDir });
      expect(finished.deployment.deployed).to.have.members(["child.Messenger", "child.ChildBridge", "child.ChildAssetBridge"]);
      expect(finished.deployment.main.contracts).to.deep.equal(half.main.contracts);
      expect(finished.deployment.child.contracts.CheckpointManager).to.deep.equal(half.child.contracts.CheckpointManager);
      // Main: only its three wiring transactions and the guardian's role on its two bridges;
      // child: three deployments, three wirings and the two guardian grants.
      expect(finished.deployment.transactions).to.deep.equal({ main: 5, child: 8 });
      await expectWired(finished);
    });

    it("restores a Lockbox entry deleted from the file, without a transaction", async function () {
      const file = devnet.deployment.files.main;
      const json = JSON.parse(readFileSync(file, "utf8")) as DeploymentFile;
      const lockbox = json.contracts.Lockbox;
      delete json.contracts.Lockbox;
      writeFileSync(file, JSON.stringify(json, null, 2));
      const again = await deployBridge(devnet.options);
      expect(again.transactions).to.deep.equal({ main: 0, child: 0 });
      expect(again.main.contracts.Lockbox).to.deep.equal(lockbox);
    });

    it("redeploys a contract deleted from the file, and the other chain's contract wired to it for good", async function () {
      const deploymentsDir = makeTempDir("redeploy");
      const first = await deployDevnet(main, child, { deploymentsDir });
      const json = JSON.parse(readFileSync(first.deployment.files.child, "utf8")) as DeploymentFile;
      delete json.contracts.ChildBridge;
      writeFileSync(first.deployment.files.child, JSON.stringify(json, null, 2));

      const second = await deployDevnet(main, child, { deploymentsDir });
      // RootBridge.counterpart is set once, to the forgotten ChildBridge: it must go too.
      expect(second.deployment.deployed).to.have.members(["child.ChildBridge", "main.RootBridge", "main.Lockbox"]);
      expect(second.deployment.main.contracts.Messenger).to.deep.equal(first.deployment.main.contracts.Messenger);
      expect(second.deployment.child.contracts.Messenger).to.deep.equal(first.deployment.child.contracts.Messenger);
      expect(second.deployment.main.contracts.RootBridge!.address).to.not.equal(first.deployment.main.contracts.RootBridge!.address);
      await expectWired(second);
    });

    it("deploys with the command-line script", async function () {
      const dir = makeTempDir("cli");
      const config = JSON.parse(readFileSync(path.join(REPO_ROOT, "deploy", "config.example.json"), "utf8")) as Record<string, unknown>;
      const configFile = path.join(dir, "config.json");
      writeFileSync(configFile, JSON.stringify({ ...config, main: { chainId: main.chainId }, child: { chainId: child.chainId } }));
      const key = devAccount(0).privateKey;
      const run = await runCli(
        ["--config", configFile, "--main-rpc", main.url, "--child-rpc", child.url, "--out", dir, "--main-network", "cli-main", "--child-network", "cli-child"],
        { MAIN_DEPLOYER_KEY: key, CHILD_DEPLOYER_KEY: key },
      );
      expect(run.code, run.stderr).to.equal(0);
      const summary = JSON.parse(run.stdout) as { deployed: string[] };
      // Six contracts on main (with RootAssetBridge), five on child (with ChildAssetBridge), and a
      // LeafAvailabilityGame beside each CheckpointManager.
      expect(summary.deployed).to.have.lengthOf(13);
      const cliMain = readDeployment(dir, "cli-main")!;
      expect(cliMain.contracts.RootBridge).to.not.equal(undefined);
      const messenger = deployed(cliMain, "Messenger", main.provider);
      // The example config's guardian can pause; the admin is the deployer (account 0).
      expect(await messenger.hasRole(ZeroHash, devAccount(0).address)).to.equal(true);
      expect(await messenger.hasRole(await messenger.GUARDIAN_ROLE(), "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc")).to.equal(true);
      for (const name of ["RootBridge", "RootAssetBridge"] as const) {
        const bridge = deployed(cliMain, name, main.provider);
        expect(await bridge.hasRole(await bridge.GUARDIAN_ROLE(), "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"), `${name} guardian`).to.equal(true);
      }

      const wrong = await runCli(["--config", configFile, "--main-rpc", child.url, "--child-rpc", main.url, "--out", dir], { MAIN_DEPLOYER_KEY: key, CHILD_DEPLOYER_KEY: key });
      expect(wrong.code).to.equal(1);
      expect(wrong.stderr).to.match(/CHAIN_ID_MISMATCH/);
    });

    it("deploys the staking mode, wired and handed over, and carries a rotation to the child chain by hand", async function () {
      const admin = devAccount(6, main.provider);
      const staked = await deployDevnet(main, child, { staking: { epochLength: 120, minStake: parseEther("1").toString() }, admin: admin.address });
      const files = staked.deployment;
      expect(Object.keys(files.main.contracts)).to.have.members(["StakeManager", "ValidatorSet", "CheckpointManager", "Messenger", "RootBridge", "Lockbox", "RootAssetBridge"]);
      expect(files.main.contracts.ValidatorSet!.contract).to.equal("StakedValidatorSet");
      expect(files.child.contracts.ValidatorSet!.contract).to.equal("ChildValidatorSet");
      const address = (file: DeploymentFile, name: keyof DeploymentFile["contracts"]) => file.contracts[name]!.address;
      const stakeManager = deployed(files.main, "StakeManager", main.provider);
      const mainSet = new Contract(address(files.main, "ValidatorSet"), loadArtifact("StakedValidatorSet").abi, main.provider);
      const childSet = new Contract(address(files.child, "ValidatorSet"), loadArtifact("ChildValidatorSet").abi, child.provider);

      expect([...(await stakeManager.laneDomain(0))]).to.deep.equal([BigInt(main.chainId), address(files.main, "CheckpointManager")]);
      expect([...(await stakeManager.laneDomain(1))]).to.deep.equal([BigInt(child.chainId), address(files.child, "CheckpointManager")]);
      expect(await stakeManager.mainValidatorSet()).to.equal(await mainSet.getAddress());
      expect(await stakeManager.messenger()).to.equal(address(files.main, "Messenger"));
      expect(await stakeManager.childValidatorSet()).to.equal(await childSet.getAddress());
      expect(await childSet.messenger()).to.equal(address(files.child, "Messenger"));
      for (const set of [mainSet, childSet]) expect(await set.stakeManager()).to.equal(await stakeManager.getAddress());
      for (const contract of [stakeManager, mainSet, childSet]) {
        expect(await contract.hasRole(ZeroHash, admin.address)).to.equal(true);
        expect(await contract.hasRole(ZeroHash, staked.deployer.main.address)).to.equal(false);
      }
      expect((await deployBridge(staked.options)).transactions).to.deep.equal({ main: 0, child: 0 });

      // One validator stakes in epoch 0; epoch 1's set is rotated to both chains.
      const owner = devAccount(7, main.provider);
      const key = staked.validators[0];
      const proof = await key.signTypedData(
        { name: "sidechain-kit StakeManager", version: "1", chainId: main.chainId, verifyingContract: await stakeManager.getAddress() },
        { SignerKey: [{ name: "validator", type: "address" }, { name: "signer", type: "address" }] },
        { validator: owner.address, signer: key.address },
      );
      await (await (stakeManager.connect(owner) as Contract).join(key.address, parseEther("1"), proof, { value: parseEther("1") })).wait();
      await main.provider.send("evm_increaseTime", [120]);
      await main.provider.send("evm_mine", []);
      const rotation = (await (await (stakeManager.connect(owner) as Contract).rotateValidatorSet(1n)).wait())!;
      const [relayed] = await carryMessages({
        source: { provider: main.provider, chainId: main.chainId, deployment: files.main },
        destination: { provider: child.provider, chainId: child.chainId, deployment: files.child },
        receipt: rotation,
        validators: staked.validators,
        proposer: devAccount(2, child.provider),
        relayer: devAccount(3, child.provider),
      });
      const childMessenger = deployed(files.child, "Messenger", child.provider);
      expect(relayed.logs.some((log) => log.topics[0] === childMessenger.interface.getEvent("MessageRelayed")!.topicHash)).to.equal(true);
      expect(await childSet.stakeEpoch()).to.equal(1n);
      const [, setHash, signers] = await childSet.pendingChange();
      expect([...signers]).to.deep.equal([key.address]);
      expect((await mainSet.pendingChange())[1]).to.equal(setHash);
    });
  });

  describe("with anvil as the child chain", function () {
    let main: RunningNode;
    let child: RunningNode;
    let devnet: Devnet;
    const admin = devAccount(5);
    const guardian = devAccount(6);

    before(async function () {
      [main, child] = await Promise.all([startHardhatNode({ chainId: 31337 }), startAnvil({ chainId: 31338 })]);
      devnet = await deployDevnet(main, child, { admin: admin.address, guardian: guardian.address });
    });
    after(async function () {
      await Promise.all([main?.stop(), child?.stop()]);
    });

    it("deploys, wires, and hands the admin role over to the configured admin", async function () {
      await expectWired(devnet);
      for (const [file, node, bridge] of [[devnet.deployment.main, main, "RootBridge"], [devnet.deployment.child, child, "ChildBridge"]] as const) {
        for (const name of ["ValidatorSet", "CheckpointManager", "Messenger", bridge] as const) {
          const contract = deployed(file, name, node.provider);
          expect(await contract.hasRole(ZeroHash, admin.address), `${name} admin`).to.equal(true);
          expect(await contract.hasRole(ZeroHash, devnet.deployer.main.address), `${name} deployer`).to.equal(false);
        }
        // The bridges' guardian extends queued releases and cancels loosened limits (FlowControl).
        const assetBridge = bridge === "RootBridge" ? "RootAssetBridge" : "ChildAssetBridge";
        for (const name of ["CheckpointManager", "Messenger", bridge, assetBridge] as const) {
          const contract = deployed(file, name, node.provider);
          expect(await contract.hasRole(await contract.GUARDIAN_ROLE(), guardian.address), `${name} guardian`).to.equal(true);
          expect(await contract.hasRole(await contract.GUARDIAN_ROLE(), devnet.deployer.main.address), `${name} deployer as guardian`).to.equal(false);
        }
      }
    });

    it("deploys nothing and sends no transaction when run again", async function () {
      const before = await nonces(devnet);
      const again = await deployBridge(devnet.options);
      expect(again.transactions).to.deep.equal({ main: 0, child: 0 });
      expect(await nonces(devnet)).to.deep.equal(before);
    });

    it("carries a deposit to anvil and a withdrawal back to Hardhat by hand", async function () {
      const user = devAccount(1);
      const token = await depositByHand(devnet, user);

      const receiver = getAddress("0x000000000000000000000000000000000000bEEF");
      const childBridge = deployed(devnet.deployment.child, "ChildBridge", user.connect(child.provider));
      const receipt = (await (await childBridge.withdraw(await token.getAddress(), receiver, parseEther("0.25"))).wait())!;
      const { main: mainEnd, child: childEnd } = ends(devnet);
      await carryMessages({
        source: childEnd,
        destination: mainEnd,
        receipt,
        validators: devnet.validators,
        proposer: devAccount(2, main.provider),
        relayer: devAccount(3, main.provider),
      });
      expect(await main.provider.getBalance(receiver)).to.equal(parseEther("0.25"));
      expect(await token.balanceOf(user.address)).to.equal(parseEther("0.75"));
    });
  });
});

/** Runs deploy/deploy.ts with ts-node, as a user would. */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", path.join(REPO_ROOT, "deploy", "deploy.ts"), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
