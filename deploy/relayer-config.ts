/**
 * Generates a relayer config from the two deployment files deploy/deploy.ts wrote (docs/deployment.md):
 *
 *   npx ts-node --transpile-only deploy/relayer-config.ts \
 *     --main-deployment deployments/main.json --child-deployment deployments/child.json \
 *     --main-rpc https://main.example --child-rpc https://child.example [--out relayer.yaml]
 *
 * Without --out the YAML goes to stdout. Exit code 0 on success, 1 when the files cannot make a
 * valid config, 2 on bad usage. No keys are written: the relayer takes them from SIDECHAIN_*_KEY.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";

import { DeployError } from "./lib";
import { DEFAULT_RELAYER_ROLES, RELAYER_ROLES, buildRelayerConfig, type Confirmations, type RelayerRole } from "./lib/relayerConfig";

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

function main(argv: string[]): number {
  const program = new Command()
    .name("relayer-config")
    .description("Write a relayer config (YAML) for a bridge deployed by deploy/deploy.ts")
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
    .exitOverride()
    .parse(argv, { from: "node" });
  const flags = program.opts<{
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
  }>();

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
  } else {
    mkdirSync(path.dirname(out), { recursive: true });
    // Temporary file, then rename: a relayer restarted meanwhile never reads half a config.
    const temporary = `${out}.${process.pid}.tmp`;
    writeFileSync(temporary, generated.yaml);
    renameSync(temporary, out);
    process.stderr.write(`wrote ${out}; start the relayer with ${generated.keyEnv.join(", ") || "no keys"} set\n`);
  }
  return 0;
}

try {
  process.exitCode = main(process.argv);
} catch (error) {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("commander.")) {
    // commander printed the usage error (or the help) itself.
    process.exitCode = code === "commander.helpDisplayed" || code === "commander.help" || code === "commander.version" ? 0 : 2;
  } else if (error instanceof DeployError) {
    process.stderr.write(`error [${error.code}]: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
