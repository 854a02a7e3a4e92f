/**
 * Bad config files, bad environment and bad arguments, given to the compiled `sidechain` CLI as a
 * real process: each stops with ONE clear line on stderr ("sidechain: …") and exit code 2
 * (docs/relayer.md), before doing anything. The chains are two anvil nodes with the bridge
 * deployed, so that only the one thing each case breaks is wrong.
 */
import { expect } from "chai";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";

import { deployDevnet, devAccount, freePort, makeTempDir, startAnvil, stopAllNodes, type Devnet } from "./harness";
import { buildCli, cleanEnv, keyEnv, relayerConfig, runCli, stopAllRelayers, writeJson } from "./relayerProcess";

interface Case {
  name: string;
  args: (dir: string) => string[];
  env?: Record<string, string | undefined>;
  error: RegExp;
}

describe("sidechain CLI: bad config and arguments (real processes)", function () {
  this.timeout(90_000);
  let devnet: Devnet;
  let dir: string;
  let keys: Record<string, string | undefined>;
  let closedPort: number;
  /** A valid relayer config object; cases change one thing. */
  let valid: () => Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  before(async function () {
    buildCli();
    const [main, child] = await Promise.all([startAnvil({ chainId: 31337 }), startAnvil({ chainId: 31338 })]);
    devnet = await deployDevnet(main, child);
    dir = makeTempDir("relayer-cli");
    valid = () => JSON.parse(JSON.stringify(relayerConfig(devnet, { dbPath: path.join(dir, "never-created.sqlite") })));
    writeJson(path.join(dir, "ok.json"), valid());
    closedPort = await freePort(); // nothing listens on it afterwards
    keys = keyEnv({ validator: devnet.validators[0].privateKey, proposer: devAccount(1).privateKey, executor: devAccount(2).privateKey });
  });
  after(async function () {
    await stopAllRelayers();
    await stopAllNodes();
  });

  const config = (name: string, mutate: (c: Record<string, any>) => void) => (d: string) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const c = valid();
    mutate(c);
    return ["relayer", "--config", writeJson(path.join(d, name), c)];
  };
  const raw = (name: string, text: string) => (d: string) => {
    writeFileSync(path.join(d, name), text);
    return ["relayer", "--config", path.join(d, name)];
  };
  const contractsOf = (role: "main" | "child") => Object.fromEntries(Object.entries(devnet.deployment[role].contracts).map(([k, v]) => [k, v!.address]));

  const cases: Case[] = [
    { name: "malformed JSON", args: raw("bad.json", '{ "dbPath": "x.sqlite", "chains": '), error: /config file .*bad\.json is malformed/ },
    { name: "malformed YAML", args: raw("bad.yaml", "dbPath: x.sqlite\nchains: { main: [\n"), error: /config file .*bad\.yaml is malformed/ },
    { name: "an unknown field", args: config("unknown.json", (c) => (c.frobnicate = 1)), error: /config: .*frobnicate/i },
    { name: "a missing config file", args: (d) => ["relayer", "--config", path.join(d, "nope.yaml")], error: /cannot read config file .*nope\.yaml/ },
    {
      name: "a wrong chain id for an RPC",
      args: config("chainid.json", (c) => {
        c.chains.main = { ...c.chains.main, chainId: 31999, deployment: undefined, contracts: contractsOf("main") };
      }),
      error: /chains\.main: RPC http:\/\/127\.0\.0\.1:\d+ has chainId 31337, the config says 31999/,
    },
    {
      name: "a deployment file of the other chain",
      args: config("swapped.json", (c) => (c.chains.main.deployment = devnet.deployment.files.child)),
      error: /chains\.main\.deployment .* is for chainId 31338, the config says 31337/,
    },
    {
      name: "an address with no code",
      args: config("nocode.json", (c) => {
        c.chains.child = { ...c.chains.child, deployment: undefined, contracts: { ...contractsOf("child"), Messenger: Wallet.createRandom().address } };
      }),
      error: /chains\.child: Messenger at 0x[0-9a-f]{40} has no code/,
    },
    {
      name: "an unreachable RPC URL (closed port)",
      args: (d) => {
        const c = valid();
        c.rpc = { timeoutMs: 2_000, retries: 0, backoffMs: 50 };
        c.chains.child.rpcUrl = `http://127.0.0.1:${closedPort}`;
        return ["relayer", "--config", writeJson(path.join(d, "unreachable.json"), c)];
      },
      error: /chains\.child: RPC http:\/\/127\.0\.0\.1:\d+ is unreachable/,
    },
    { name: "a missing key for an enabled role (proposer)", args: (d) => ["relayer", "--config", path.join(d, "ok.json")], env: { SIDECHAIN_PROPOSER_KEY: undefined }, error: /the proposer role is enabled but SIDECHAIN_PROPOSER_KEY is not set/ },
    { name: "a missing validator key in validator mode", args: (d) => ["validator", "--config", path.join(d, "ok.json")], env: { SIDECHAIN_VALIDATOR_KEY: undefined }, error: /the validator role is enabled but SIDECHAIN_VALIDATOR_KEY is not set/ },
    { name: "a malformed key in the environment", args: (d) => ["relayer", "--config", path.join(d, "ok.json")], env: { SIDECHAIN_EXECUTOR_KEY: "0x1234" }, error: /the executor key \(SIDECHAIN_EXECUTOR_KEY\) is not a valid private key/ },
    { name: "an unknown command", args: () => ["frobnicate"], error: /unknown command 'frobnicate'/ },
    { name: "an unknown option", args: (d) => ["relayer", "--config", path.join(d, "ok.json"), "--bogus"], error: /unknown option '--bogus'/ },
    { name: "no --config", args: () => ["relayer"], error: /required option '--config <file>' not specified/ },
    { name: "proof with a malformed tx hash", args: (d) => ["proof", "--config", path.join(d, "ok.json"), "--tx", "0x1234"], error: /--tx 0x1234 is not a transaction hash/ },
    { name: "proof with a bad log index", args: (d) => ["proof", "--config", path.join(d, "ok.json"), "--tx", `0x${"ab".repeat(32)}`, "--log-index", "-1"], error: /--log-index -1 is not a non-negative integer/ },
    { name: "proof of a transaction on neither chain", args: (d) => ["proof", "--config", path.join(d, "ok.json"), "--tx", `0x${"ab".repeat(32)}`], error: /transaction 0x(ab){32} is on neither chain/ },
    {
      name: "proof of a transaction without a message",
      args: (d) => ["proof", "--config", path.join(d, "ok.json"), "--tx", devnet.deployment.main.contracts.ValidatorSet!.txHash!],
      error: /transaction 0x[0-9a-f]{64} on main has no MessageSent log/,
    },
  ];

  // The processes run four at a time up front (each takes ~0.7 s to load); each case checks its own.
  const results = new Map<string, Promise<Awaited<ReturnType<typeof runCli>>>>();
  before(async function () {
    const queue = [...cases];
    const worker = async () => {
      for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
        const result = runCli(c.args(dir), cleanEnv({ ...keys, ...(c.env ?? {}) }), 30_000);
        results.set(c.name, result);
        await result;
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  });

  for (const c of cases) {
    it(`stops with one clear line and exit code 2 on ${c.name}`, async function () {
      const result = await results.get(c.name)!;
      const stderr = result.stderr.trim();
      expect(result.code, `exit code; stderr: ${stderr}`).to.equal(2);
      expect(stderr.split("\n"), `stderr is one line: ${stderr}`).to.have.length(1);
      expect(stderr).to.match(/^sidechain: /);
      expect(stderr).to.match(c.error);
    });
  }
});
