/**
 * The operator commands that set a bridge up, shared by the `sidechain` CLI (`sidechain deploy`,
 * `sidechain relayer-config`: what an app that installed the kit runs) and this repository's
 * deploy/deploy.ts and deploy/relayer-config.ts (docs/deployment.md):
 *
 *   MAIN_DEPLOYER_KEY=0x… CHILD_DEPLOYER_KEY=0x… sidechain deploy --config deploy.json [--main-rpc URL] [--child-rpc URL] [--out deployments]
 *   sidechain relayer-config --main-deployment deployments/main.json --child-deployment deployments/child.json --main-rpc URL --child-rpc URL [--out relayer.yaml]
 *
 * Both throw DeployError (deploy/lib) for what goes wrong; the caller prints it and picks the exit code.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";

import { deployBridge, loadDeployConfig, optionsFromConfig, type DeployLogger } from "../../../deploy/lib";
import { DEFAULT_RELAYER_ROLES, RELAYER_ROLES, buildRelayerConfig, type Confirmations, type RelayerRole } from "../../../deploy/lib/relayerConfig";
import { ConfigError } from "../config";

/** Human-readable progress on stderr; stdout carries only the final JSON summary. */
const consoleLogger: DeployLogger = {
  info: (fields, message) => process.stderr.write(`${message} ${describeFields(fields)}\n`),
  warn: (fields, message) => process.stderr.write(`WARNING: ${message} ${describeFields(fields)}\n`),
};

function describeFields(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .filter(([key]) => key !== "at")
    .map(([key, value]) => `${key}=${typeof value === "object" ? JSON.stringify(value) : String(value)}`)
    .join(" ");
}

interface DeployFlags {
  config: string;
  mainRpc?: string;
  childRpc?: string;
  out: string;
  mainNetwork?: string;
  childNetwork?: string;
}

/** `deploy`: deploys and wires both sides; a re-run finishes an interrupted deployment. */
export function deployCommand(name = "deploy"): Command {
  return new Command(name)
    .description("deploy and wire the bridge on a main chain and a child chain (a re-run completes an interrupted one)")
    .requiredOption("--config <file>", "deployment config (see deploy/config.example.json in the kit)")
    .option("--main-rpc <url>", "main chain JSON-RPC URL (overrides config main.rpcUrl)")
    .option("--child-rpc <url>", "child chain JSON-RPC URL (overrides config child.rpcUrl)")
    .option("--out <dir>", "folder of the <network>.json deployment files", "deployments")
    .option("--main-network <name>", "name of the main chain's deployment file (overrides config main.network)")
    .option("--child-network <name>", "name of the child chain's deployment file (overrides config child.network)")
    .addHelpText("after", "\nKeys come from the environment: MAIN_DEPLOYER_KEY and CHILD_DEPLOYER_KEY (hex private keys).")
    .action((flags: DeployFlags) => runDeploy(flags));
}

async function runDeploy(flags: DeployFlags): Promise<void> {
  const keys = { main: process.env.MAIN_DEPLOYER_KEY, child: process.env.CHILD_DEPLOYER_KEY };
  const missing = Object.entries(keys).filter(([, key]) => key === undefined || key === "").map(([role]) => `${role.toUpperCase()}_DEPLOYER_KEY`);
  if (missing.length > 0) throw new ConfigError(`set ${missing.join(" and ")} in the environment (the deployer's private key on each chain)`);

  const config = loadDeployConfig(flags.config);
  if (flags.mainNetwork !== undefined) config.main.network = flags.mainNetwork;
  if (flags.childNetwork !== undefined) config.child.network = flags.childNetwork;
  const options = optionsFromConfig(config, {
    deploymentsDir: path.resolve(flags.out),
    keys: keys as { main: string; child: string },
    rpcUrls: { main: flags.mainRpc, child: flags.childRpc },
  });
  options.logger = consoleLogger;

  const result = await deployBridge(options);
  const summary = { files: result.files, deployed: result.deployed, reused: result.reused, transactions: result.transactions, warnings: result.warnings };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

function confirmations(value: string): Confirmations {
  if (value === "finalized") return value;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a block count or "finalized"');
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError("expected a TCP port");
  return n;
}

function list(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

interface RelayerConfigFlags {
  mainDeployment: string;
  childDeployment: string;
  mainRpc: string;
  childRpc: string;
  out?: string;
  mainConfirmations?: Confirmations;
  childConfirmations?: Confirmations;
  roles: string[];
  validatorUrls: string[];
  validatorPort?: number;
  apiPort?: number;
  db: string;
}

/** `relayer-config`: a relayer config (YAML) from the two deployment files `deploy` wrote. No keys go in it. */
export function relayerConfigCommand(name = "relayer-config"): Command {
  return new Command(name)
    .description("write a relayer config (YAML) for a bridge deployed by `deploy`")
    .requiredOption("--main-deployment <file>", "the main chain's deployment file (deployments/<network>.json)")
    .requiredOption("--child-deployment <file>", "the child chain's deployment file")
    .requiredOption("--main-rpc <url>", "main chain JSON-RPC URL the relayer uses")
    .requiredOption("--child-rpc <url>", "child chain JSON-RPC URL the relayer uses")
    .option("--out <file>", "write the config there (default: stdout)")
    .option("--main-confirmations <n>", 'blocks behind the head counted final on main, or "finalized"', confirmations)
    .option("--child-confirmations <n>", "the same on the child chain", confirmations)
    .option("--roles <list>", `roles to enable, comma-separated, among ${RELAYER_ROLES.join(",")}`, list, [...DEFAULT_RELAYER_ROLES])
    .option("--validator-urls <list>", "other validators' attestation URLs, comma-separated", list, [])
    .option("--validator-port <port>", "port of this relayer's validator endpoint", port)
    .option("--api-port <port>", "port of the relayer's HTTP API", port)
    .option("--db <file>", "SQLite database path, relative to the config file", "relayer.sqlite")
    .action((flags: RelayerConfigFlags) => writeRelayerConfig(flags));
}

function writeRelayerConfig(flags: RelayerConfigFlags): void {
  const out = flags.out === undefined ? undefined : path.resolve(flags.out);
  const generated = buildRelayerConfig({
    mainDeployment: flags.mainDeployment,
    childDeployment: flags.childDeployment,
    mainRpcUrl: flags.mainRpc,
    childRpcUrl: flags.childRpc,
    outFile: out,
    confirmations: { main: flags.mainConfirmations, child: flags.childConfirmations },
    roles: flags.roles as RelayerRole[],
    validatorUrls: flags.validatorUrls,
    validatorPort: flags.validatorPort,
    apiPort: flags.apiPort,
    dbPath: flags.db,
  });
  if (out === undefined) {
    process.stdout.write(generated.yaml);
    return;
  }
  mkdirSync(path.dirname(out), { recursive: true });
  // Temporary file, then rename: a relayer restarted meanwhile never reads half a config.
  const temporary = `${out}.${process.pid}.tmp`;
  writeFileSync(temporary, generated.yaml);
  renameSync(temporary, out);
  process.stderr.write(`wrote ${out}; start the relayer with ${generated.keyEnv.join(", ") || "no keys"} set\n`);
}
