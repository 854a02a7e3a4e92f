/**
 * deploy/relayer-config.ts: a relayer config generated from the two deployment files of a real
 * deployment (two Hardhat nodes), loaded by the relayer's own loader and checked against the chains.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { parse as parseYaml } from "yaml";

import { buildRelayerConfig, RelayerConfigError } from "../../deploy/lib/relayerConfig";
import { DeploymentFileError } from "../../deploy/lib";
import { checkChains, loadConfig, type ChainName } from "../../relayer/src/config";
import { RpcClient } from "../../relayer/src/chain/provider";
import { REPO_ROOT, deployDevnet, makeTempDir, startHardhatNode, stopAllNodes, type Devnet } from "./harness";

const SCRIPT = path.join(REPO_ROOT, "deploy", "relayer-config.ts");

function runScript(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", SCRIPT, ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 60_000, // a stuck script fails the test instead of hanging it
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("relayer config generation (deploy/relayer-config.ts)", function () {
  this.timeout(120_000);
  let devnet: Devnet;
  let files: { main: string; child: string };

  before(async function () {
    const [main, child] = await Promise.all([startHardhatNode({ chainId: 31337 }), startHardhatNode({ chainId: 31338 })]);
    devnet = await deployDevnet(main, child);
    files = { main: devnet.deployment.files.main, child: devnet.deployment.files.child };
  });

  after(async function () {
    await stopAllNodes();
  });

  it("writes a config the relayer loads, with the deployment's chains and contracts and no keys", async function () {
    const out = path.join(makeTempDir("relayer-config"), "ops", "relayer.yaml");
    const run = runScript([
      "--main-deployment", files.main, "--child-deployment", files.child,
      "--main-rpc", devnet.main.url, "--child-rpc", devnet.child.url,
      "--main-confirmations", "1", "--child-confirmations", "finalized",
      "--validator-urls", "http://v2.example:7545,http://v3.example:7545", "--out", out,
    ]);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stderr).to.contain("SIDECHAIN_PROPOSER_KEY");

    const text = readFileSync(out, "utf8");
    expect(text).to.not.match(/keys:|privateKey|0x[0-9a-fA-F]{64}/);
    // Relative to the config file, so that the two can move together.
    const raw = parseYaml(text) as { chains: Record<ChainName, { deployment: string }> };
    expect(path.isAbsolute(raw.chains.main.deployment)).to.equal(false);

    const config = loadConfig(out, {});
    expect(config.keys).to.deep.equal({});
    for (const side of ["main", "child"] as const) {
      const deployment = devnet.deployment[side];
      expect(config.chains[side].chainId).to.equal(deployment.chainId);
      expect(config.chains[side].contracts.Messenger).to.equal(deployment.contracts.Messenger!.address.toLowerCase());
      expect(config.chains[side].deployedAtBlock).to.equal(deployment.contracts.ValidatorSet!.block);
    }
    expect(config.chains.main.confirmations).to.equal(1);
    expect(config.chains.child.confirmations).to.equal("finalized");
    expect(config.roles.proposer.validatorUrls).to.deep.equal(["http://v2.example:7545", "http://v3.example:7545"]);
    expect(config.roles.challenger.enabled).to.equal(false);

    // The relayer's start-up check: both RPCs answer with the right chain ids, every contract has code.
    const clients = {
      main: new RpcClient("main", config.chains.main.rpcUrl, config.chains.main.chainId, config.rpc),
      child: new RpcClient("child", config.chains.child.rpcUrl, config.chains.child.chainId, config.rpc),
    };
    try {
      await checkChains(config, clients);
    } finally {
      for (const client of Object.values(clients)) client.provider.destroy();
    }
  });

  it("prints the YAML to stdout without --out, and lists the key variables of the chosen roles", function () {
    const run = runScript([
      "--main-deployment", files.main, "--child-deployment", files.child,
      "--main-rpc", devnet.main.url, "--child-rpc", devnet.child.url, "--roles", "watcher,validator,challenger",
    ]);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.contain("SIDECHAIN_VALIDATOR_KEY, SIDECHAIN_CHALLENGER_KEY.");
    const raw = parseYaml(run.stdout) as { roles: Record<string, { enabled: boolean }>; api: { enabled: boolean } };
    expect(raw.roles.challenger.enabled).to.equal(true);
    expect(raw.roles.proposer.enabled).to.equal(false);
    expect(raw.api.enabled).to.equal(false);
  });

  it("refuses files that are not the two sides of one deployment", function () {
    const swapped = () =>
      buildRelayerConfig({ mainDeployment: files.child, childDeployment: files.main, mainRpcUrl: devnet.main.url, childRpcUrl: devnet.child.url });
    expect(swapped).to.throw(RelayerConfigError, /is the child side of a deployment, not the main side/);

    const other = path.join(makeTempDir("relayer-config-other"), "child.json");
    const unpaired = { ...JSON.parse(readFileSync(files.child, "utf8")), remoteChainId: 1 };
    writeFileSync(other, JSON.stringify(unpaired));
    const run = runScript(["--main-deployment", files.main, "--child-deployment", other, "--main-rpc", devnet.main.url, "--child-rpc", devnet.child.url]);
    expect(run.status).to.equal(1);
    expect(run.stderr.trim()).to.match(/^error \[RELAYER_CONFIG_INVALID\]: the deployment files do not pair/);
  });

  it("enables the equivocation reporter only for a deployment that records a StakeManager", function () {
    const withRoles = (mainDeployment: string) => () =>
      buildRelayerConfig({ mainDeployment, childDeployment: files.child, mainRpcUrl: devnet.main.url, childRpcUrl: devnet.child.url, roles: ["watcher", "equivocation"] });
    // A governance-mode deployment has no stake to slash: refused here, not at the relayer's start.
    expect(withRoles(files.main)).to.throw(RelayerConfigError, /records none: deploy in staking mode/);

    // What staking mode adds to the main file (docs/deployment.md); the address only has to be recorded.
    const staked = path.join(makeTempDir("relayer-config-staked"), "main.json");
    const file = JSON.parse(readFileSync(files.main, "utf8"));
    file.contracts.StakeManager = { ...file.contracts.ValidatorSet };
    writeFileSync(staked, JSON.stringify(file));
    const generated = withRoles(staked)();
    expect(generated.keyEnv).to.include("SIDECHAIN_REPORTER_KEY");
    expect((parseYaml(generated.yaml) as { roles: Record<string, { enabled: boolean }> }).roles.equivocation.enabled).to.equal(true);
  });

  it("reports a bad RPC URL, an unreadable file and a missing flag as errors, not as a broken config", function () {
    expect(() =>
      buildRelayerConfig({ mainDeployment: files.main, childDeployment: files.child, mainRpcUrl: "not a url", childRpcUrl: devnet.child.url }),
    ).to.throw(RelayerConfigError, /chains\.main\.rpcUrl/);
    expect(() =>
      buildRelayerConfig({ mainDeployment: "/nonexistent/main.json", childDeployment: files.child, mainRpcUrl: devnet.main.url, childRpcUrl: devnet.child.url }),
    ).to.throw(DeploymentFileError);
    const run = runScript(["--main-deployment", files.main]);
    expect(run.status).to.equal(2);
    expect(run.stderr).to.match(/required option/);
  });
});
