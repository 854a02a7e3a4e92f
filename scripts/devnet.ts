/**
 * `npm run devnet`: the local two-chain devnet (relayer/src/devnet/devnet.ts), with what a dapp team
 * needs printed, and a live status line until Ctrl-C, when it stops everything it started.
 *
 * `npm run devnet -- --processes`: the relayer and each validator run as `sidechain` processes of
 * their own; `stop <name>` / `start <name>` on stdin (or a signal to the printed pid) stops and
 * starts one of them, to watch the others carry on.
 *
 * Environment: DEVNET_CHALLENGE_PERIOD (seconds, default 30), DEVNET_DIR (default .devnet),
 * DEVNET_BLOCK_TIME_MS (default 1000), FORK_URL and FORK_BLOCK (fork the main chain from a live
 * JSON-RPC endpoint, at its latest block or at FORK_BLOCK; docs/devnet.md).
 */
import path from "node:path";
import { createInterface } from "node:readline";
import { Contract, JsonRpcProvider } from "ethers";

import { DEVNET_ACCOUNTS, DEVNET_VALIDATOR_COUNT, DevnetError, startDevnet, type RunningDevnet } from "../relayer/src/devnet/devnet";
import { forkOptionsFromEnv, redactUrl } from "../relayer/src/devnet/fork";
import { DEV_MNEMONIC, devAccount } from "../relayer/src/devnet/localChains";

const CHECKPOINT_ABI = [
  "function checkpointCount() view returns (uint256)",
  "function getCheckpoint(uint256 id) view returns (uint64 startBlock, uint64 endBlock, bytes32 blockRoot, uint64 finalizesAt)",
];

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new DevnetError(`${name}=${raw} must be a positive number`);
  return value;
}

/** `--processes` is the only argument. */
function parseArguments(argv: string[]): { processes: boolean } {
  const unknown = argv.filter((arg) => arg !== "--processes");
  if (unknown.length > 0) throw new DevnetError(`unknown argument ${unknown[0]} (the devnet takes --processes, and its environment variables)`);
  return { processes: argv.includes("--processes") };
}

async function main(): Promise<void> {
  const { processes } = parseArguments(process.argv.slice(2));
  const fork = forkOptionsFromEnv(process.env);
  const challengePeriod = envNumber("DEVNET_CHALLENGE_PERIOD", 30);
  const blockTimeMs = envNumber("DEVNET_BLOCK_TIME_MS", 1_000);
  const dir = path.resolve(process.env.DEVNET_DIR ?? path.join(".devnet"));

  let statusTimer: NodeJS.Timeout | undefined;
  let devnet: RunningDevnet | undefined;
  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    if (statusTimer) clearInterval(statusTimer);
    process.stdout.write(`\n${reason}: stopping the relayer, the validators and both chains…\n`);
    void (devnet?.stop() ?? Promise.resolve()).then(() => {
      process.stdout.write("devnet stopped\n");
      process.exit(0);
    });
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));

  if (fork !== undefined) process.stdout.write(`fork mode: checking ${redactUrl(fork.url)}…\n`);
  process.stdout.write(
    `starting the main chain and the child chain, deploying, starting ${DEVNET_VALIDATOR_COUNT} validators and the relayer${processes ? " as separate processes" : ""}…\n`,
  );
  devnet = await startDevnet({ dir, challengePeriod, blockTimeMs, fork, processes });
  printSummary(devnet);
  if (devnet.processes !== undefined) acceptCommands(devnet);
  statusTimer = startStatusLine(devnet);
}

/** stdin lines `stop <name>`, `start <name>`, `ps`: an operator's handles on the devnet's processes. */
function acceptCommands(devnet: RunningDevnet): void {
  const { relayer, validators } = devnet.processes!;
  const all = [relayer, ...validators];
  const input = createInterface({ input: process.stdin, terminal: false });
  input.on("line", (line) => {
    const [verb, name] = line.trim().split(/\s+/);
    if (verb === undefined || verb === "") return;
    const target = all.find((p) => p.name === name);
    if (verb === "ps") {
      for (const p of all) process.stdout.write(`\n${p.name.padEnd(12)} ${p.running ? `running, pid ${p.pid}` : "stopped"}`);
      process.stdout.write("\n");
      return;
    }
    if ((verb !== "stop" && verb !== "start") || target === undefined) {
      process.stdout.write(`\nunknown command "${line.trim()}": stop <name>, start <name> or ps; names: ${all.map((p) => p.name).join(", ")}\n`);
      return;
    }
    process.stdout.write(`\n${verb === "stop" ? "stopping" : "starting"} ${target.name}…\n`);
    void (verb === "stop" ? target.stop() : target.start()).then(
      () => process.stdout.write(`${target.name} ${verb === "stop" ? "stopped" : `started, pid ${target.pid}`}\n`),
      (error: unknown) => process.stdout.write(`${target.name}: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  // An operator who closes stdin (or runs the devnet in the background) keeps the devnet.
  input.on("close", () => undefined);
}

function printSummary(devnet: RunningDevnet): void {
  const users = [];
  for (let i = DEVNET_ACCOUNTS.firstUser; i <= DEVNET_ACCOUNTS.lastUser; i++) {
    const account = devAccount(i);
    users.push(`  ${account.address}  ${account.privateKey}`);
  }
  const addresses = (side: "main" | "child") =>
    Object.entries(devnet.deployments[side].contracts)
      .map(([name, record]) => `  ${name.padEnd(18)} ${record.address}`)
      .join("\n");
  process.stdout.write(
    [
      "",
      "sidechain-kit devnet is running",
      `main chain   ${devnet.main.url}  chainId ${devnet.main.chainId}`,
      ...(devnet.fork !== undefined
        ? [`             forked from ${redactUrl(devnet.fork.url)} (live chain id ${devnet.fork.liveChainId}) at block ${devnet.fork.blockNumber}`]
        : []),
      `child chain  ${devnet.child.url}  chainId ${devnet.child.chainId}`,
      `relayer API  ${devnet.apiUrl}  (/status, /metrics, /messages/:id, /proof/:txHash/:logIndex)`,
      `challenge period ${devnet.challengePeriod} s; files, config and logs in ${devnet.dir}`,
      // deploy/lib's default threshold: more than two thirds of the power.
      `${devnet.validators.length} validators of power 1, threshold ${Math.floor((devnet.validators.length * 2) / 3) + 1}: checkpoints go on with one of them down`,
      ...processLines(devnet),
      "",
      "main chain contracts:",
      addresses("main"),
      "child chain contracts:",
      addresses("child"),
      "",
      `funded test accounts on both chains (mnemonic "${DEV_MNEMONIC}"):`,
      ...users,
      "",
      "Ctrl-C stops everything.",
      "",
    ].join("\n"),
  );
}

function processLines(devnet: RunningDevnet): string[] {
  if (devnet.processes === undefined) return [];
  const { relayer, validators } = devnet.processes;
  return [
    "",
    "processes (type `stop <name>`, `start <name>` or `ps` here; each keeps its config and database):",
    ...[relayer, ...validators].map(
      (p) => `  ${p.name.padEnd(12)} pid ${String(p.pid).padEnd(8)} ${p.url}${p.address === undefined ? "" : `  signer ${p.address}`}\n               config ${p.configFile}\n               log    ${p.logFile}`,
    ),
  ];
}

/** Heights, the latest checkpoint each way with its challenge countdown, and pending messages. */
function startStatusLine(devnet: RunningDevnet): NodeJS.Timeout {
  const providers = { main: new JsonRpcProvider(devnet.main.url, devnet.main.chainId, { staticNetwork: true }), child: new JsonRpcProvider(devnet.child.url, devnet.child.chainId, { staticNetwork: true }) };
  const checkpointManager = (side: "main" | "child") => {
    const record = devnet.deployments[side].contracts.CheckpointManager;
    if (record === undefined) throw new DevnetError(`the ${side} deployment has no CheckpointManager`);
    return new Contract(record.address, CHECKPOINT_ABI, providers[side]);
  };
  const managers = {
    // The checkpoint manager on a chain tracks the OTHER chain: main->child checkpoints live on child.
    "main->child": checkpointManager("child"),
    "child->main": checkpointManager("main"),
  };
  const interactive = process.stdout.isTTY === true;
  let busy = false;
  let lastPrinted = 0;
  return setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      const [mainHeight, childHeight] = await Promise.all([providers.main.getBlockNumber(), providers.child.getBlockNumber()]);
      const now = Math.floor(Date.now() / 1000);
      const lanes = await Promise.all(
        Object.entries(managers).map(async ([lane, manager]) => {
          const count = (await manager.checkpointCount()) as bigint;
          if (count === 0n) return `${lane} none`;
          const [, endBlock, , finalizesAt] = (await manager.getCheckpoint(count - 1n)) as [bigint, bigint, string, bigint];
          const left = Number(finalizesAt) - now;
          return `${lane} #${count - 1n}→${endBlock} ${left > 0 ? `final in ${left}s` : "final"}`;
        }),
      );
      const validatorsUp = devnet.processes === undefined ? [] : [`validators ${devnet.processes.validators.filter((v) => v.running).length}/${devnet.processes.validators.length} up`];
      const line = [`main ${mainHeight}`, `child ${childHeight}`, ...lanes, ...validatorsUp, await relayerSummary(devnet)].join(" | ");
      if (interactive) process.stdout.write(`\r${line.padEnd(120)}`);
      else if (Date.now() - lastPrinted > 10_000) {
        process.stdout.write(`${line}\n`);
        lastPrinted = Date.now();
      }
    })()
      .catch(() => undefined) // a status line that misses one tick is harmless
      .finally(() => {
        busy = false;
      });
  }, 1_000);
}

/** Pending messages and the relayer's health; "relayer down" while its API does not answer (a stopped process). */
async function relayerSummary(devnet: RunningDevnet): Promise<string> {
  try {
    const status = (await (await fetch(`${devnet.apiUrl}/status`, { signal: AbortSignal.timeout(2_000) })).json()) as { messages: Record<string, Record<string, number>> };
    const health = (await (await fetch(`${devnet.apiUrl}/health`, { signal: AbortSignal.timeout(2_000) })).json()) as { status: string; lanes: Record<string, { status: string }>; warnings: string[] };
    let pending = 0;
    for (const counts of Object.values(status.messages)) {
      for (const [state, count] of Object.entries(counts)) if (state !== "relayed") pending += count;
    }
    const degraded = Object.entries(health.lanes).filter(([, lane]) => lane.status !== "ok").map(([name]) => name);
    const verdict = degraded.length > 0 ? `DEGRADED ${degraded.join(", ")} (see /health)` : health.warnings.length > 0 ? `health ok, ${health.warnings.length} warning(s) (see /health)` : "health ok";
    return `pending messages ${pending} | ${verdict}`;
  } catch {
    return "relayer down";
  }
}

main().catch((error: unknown) => {
  const code = (error as { code?: unknown } | undefined)?.code;
  const prefix = typeof code === "string" ? `devnet [${code}]` : "devnet";
  process.stderr.write(`${prefix}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
