import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Wallet } from "ethers";

import { sendingKeys } from "../../../relayer/src/api/monitor";
import { ConfigError, loadConfig, requireKeys, rolesNeedingKeys } from "../../../relayer/src/config";

const A = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

describe("config", () => {
  const dir = mkdtempSync(join(tmpdir(), "sidechain-config-"));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  writeFileSync(
    join(dir, "child.json"),
    JSON.stringify({ network: "child", chainId: 31338, role: "child", remoteChainId: 31337, deployedAt: "now", contracts: { ValidatorSet: { address: A(4), block: 3 }, CheckpointManager: { address: A(5), block: 4 }, Messenger: { address: A(6), block: 5 }, ChildBridge: { address: A(7), block: 6 } } }),
  );
  const yaml = `
dbPath: db.sqlite
chains:
  main: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337, confirmations: 2, contracts: { ValidatorSet: "${A(1)}", CheckpointManager: "${A(2)}", Messenger: "${A(3)}" } }
  child: { rpcUrl: "http://127.0.0.1:8546", chainId: 31338, confirmations: finalized, deployment: child.json }
`;

  it("loads YAML with a deployment file, applies defaults and freezes", () => {
    const config = loadConfig(write("good.yaml", yaml), {});
    expect(config.chains.child.contracts.Messenger).to.equal(A(6));
    expect(config.chains.child.deployedAtBlock).to.equal(3);
    expect(config.chains.child.confirmations).to.equal("finalized");
    expect(config.roles.proposer.maxBlocks).to.equal(64);
    expect(Object.isFrozen(config.chains.main)).to.equal(true);
  });

  it("takes keys from the environment", () => {
    const config = loadConfig(write("env.yaml", yaml), { SIDECHAIN_PROPOSER_KEY: KEY });
    expect(config.keys.proposer).to.equal(KEY);
    expect(() => requireKeys(config, ["executor"])).to.throw(ConfigError, /SIDECHAIN_EXECUTOR_KEY/);
  });

  it("rejects a malformed file, an unknown field, a bad address and a wrong deployment chain id", () => {
    expect(() => loadConfig(write("bad.json", "{ nope"), {})).to.throw(ConfigError, /malformed/);
    expect(() => loadConfig(write("extra.yaml", `${yaml}\nfoo: 1\n`), {})).to.throw(ConfigError, /foo|Unrecognized/);
    expect(() => loadConfig(write("addr.yaml", yaml.replace(A(1), "0x1234")), {})).to.throw(ConfigError, /ValidatorSet/);
    expect(() => loadConfig(write("chain.yaml", yaml.replace("chainId: 31338", "chainId: 5")), {})).to.throw(ConfigError, /chainId 31338/);
    expect(() => loadConfig(join(dir, "missing.yaml"), {})).to.throw(ConfigError, /cannot read/);
  });

  it("turns the equivocation reporter on with its own key, and takes the StakeManager from the main deployment", () => {
    writeFileSync(
      join(dir, "main.json"),
      JSON.stringify({ network: "main", chainId: 31337, role: "main", remoteChainId: 31338, contracts: { ValidatorSet: { address: A(1) }, CheckpointManager: { address: A(2) }, Messenger: { address: A(3) }, StakeManager: { address: A(9), block: 2 } } }),
    );
    const staked = yaml.replace(/contracts: \{[^}]*\} \}/, "deployment: main.json }") + "roles: { equivocation: { enabled: true } }\n";
    const config = loadConfig(write("staked.yaml", staked), { SIDECHAIN_REPORTER_KEY: KEY });
    expect(config.chains.main.contracts.StakeManager).to.equal(A(9));
    expect(config.roles.equivocation).to.deep.equal({ enabled: true, leafSourceTimeoutMs: 5_000 });
    expect(rolesNeedingKeys(config, "relayer")).to.include("reporter");
    expect(config.keys.reporter).to.equal(KEY);
    const keyless = loadConfig(write("staked-keyless.yaml", staked), {});
    expect(() => requireKeys(keyless, ["reporter"])).to.throw(ConfigError, /the reporter role is enabled but SIDECHAIN_REPORTER_KEY is not set/);
    expect(loadConfig(write("default.yaml", yaml), {}).roles.equivocation.enabled).to.equal(false);
    // Its balance is watched like the other sending keys', on the one chain it sends on.
    expect(sendingKeys(config).filter((k) => k.role === "reporter")).to.deep.equal([{ role: "reporter", address: new Wallet(KEY).address, chains: ["main"] }]);
    expect(sendingKeys(keyless).some((k) => k.role === "reporter")).to.equal(false);
  });

  it("rejects an invalid key in the environment", () => {
    expect(() => loadConfig(write("k.yaml", yaml), { SIDECHAIN_VALIDATOR_KEY: "0x12" })).to.throw(ConfigError, /validator key/);
  });
});
