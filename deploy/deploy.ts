/**
 * Deploys the bridge onto any two EVM chains and wires them (see docs/deployment.md):
 *
 *   MAIN_DEPLOYER_KEY=0x… CHILD_DEPLOYER_KEY=0x… \
 *   npx ts-node --transpile-only deploy/deploy.ts --config deploy/config.json \
 *     [--main-rpc URL] [--child-rpc URL] [--out deployments]
 *
 * A plain script rather than `hardhat run`: `hardhat run` takes no arguments and speaks to one
 * network, and this needs two. Re-running it finishes an interrupted deployment and changes
 * nothing on a complete one. Exit code 0 on success, 1 on a deployment error, 2 on bad usage.
 */
import path from "node:path";
import { Command } from "commander";

import { DeployError, deployBridge, loadDeployConfig, optionsFromConfig, type DeployLogger } from "./lib";

/** Human-readable progress on stderr; stdout carries only the final JSON summary. */
const consoleLogger: DeployLogger = {
  info: (fields, message) => console.error(`${message} ${describe(fields)}`),
  warn: (fields, message) => console.error(`WARNING: ${message} ${describe(fields)}`),
};

function describe(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .filter(([key]) => key !== "at")
    .map(([key, value]) => `${key}=${typeof value === "object" ? JSON.stringify(value) : String(value)}`)
    .join(" ");
}

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name("deploy")
    .description("Deploy and wire the sidechain-kit bridge on a main chain and a child chain")
    .requiredOption("--config <file>", "deployment config (see deploy/config.example.json)")
    .option("--main-rpc <url>", "main chain JSON-RPC URL (overrides config main.rpcUrl)")
    .option("--child-rpc <url>", "child chain JSON-RPC URL (overrides config child.rpcUrl)")
    .option("--out <dir>", "folder of the <network>.json deployment files", "deployments")
    .option("--main-network <name>", "name of the main chain's deployment file (overrides config main.network)")
    .option("--child-network <name>", "name of the child chain's deployment file (overrides config child.network)")
    .addHelpText("after", "\nKeys come from the environment: MAIN_DEPLOYER_KEY and CHILD_DEPLOYER_KEY (hex private keys).")
    .exitOverride()
    .parse(argv, { from: "node" });
  const flags = program.opts<{ config: string; mainRpc?: string; childRpc?: string; out: string; mainNetwork?: string; childNetwork?: string }>();

  const keys = { main: process.env.MAIN_DEPLOYER_KEY, child: process.env.CHILD_DEPLOYER_KEY };
  const missing = Object.entries(keys).filter(([, key]) => key === undefined || key === "").map(([role]) => `${role.toUpperCase()}_DEPLOYER_KEY`);
  if (missing.length > 0) {
    console.error(`error: set ${missing.join(" and ")} in the environment (the deployer's private key on each chain)`);
    return 2;
  }

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
  console.log(
    JSON.stringify(
      { files: result.files, deployed: result.deployed, reused: result.reused, transactions: result.transactions, warnings: result.warnings },
      null,
      2,
    ),
  );
  return 0;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // commander reports its own usage errors (and --help) through exitOverride.
    const commanderCode = (error as { code?: string }).code;
    if (typeof commanderCode === "string" && commanderCode.startsWith("commander.")) {
      process.exitCode = commanderCode === "commander.helpDisplayed" || commanderCode === "commander.version" ? 0 : 2;
      return;
    }
    if (error instanceof DeployError) {
      console.error(`error [${error.code}]${error.retryable ? " (running again may help)" : ""}: ${error.message}`);
      process.exitCode = error.code === "DEPLOY_CONFIG_INVALID" ? 2 : 1;
      return;
    }
    console.error(error);
    process.exitCode = 1;
  },
);
