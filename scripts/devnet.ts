/**
 * `npm run devnet`: the local two-chain devnet. It starts a main chain and a child chain (Hardhat
 * nodes on free ports, mining a block every second), deploys and wires every contract, starts
 * three validators and a relayer with all roles, prints what a dapp team needs, and shows a
 * live status line until Ctrl-C, when it stops everything it started.
 *
 * Everything it writes (deployment files, the relayer config, databases, logs) goes to `.devnet/`,
 * so the CLI (`node dist/relayer/src/cli.js proof --config .devnet/relayer.json …`) works against it.
 *
 * Environment: DEVNET_CHALLENGE_PERIOD (seconds, default 30), DEVNET_DIR (default .devnet),
 * DEVNET_BLOCK_TIME_MS (default 1000).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Contract, JsonRpcProvider } from "ethers";
import pino from "pino";

import { loadConfig } from "../relayer/src/config";
import { challengerRole } from "../relayer/src/roles/challenger/role";
import { RelayerService } from "../relayer/src/service";
import {
  DEV_MNEMONIC,
  REPO_ROOT,
  devAccount,
  deployDevnet,
  freePort,
  makeValidatorWallets,
  startHardhatNode,
  stopAllNodes,
  type RunningNode,
} from "./lib/localChains";

const MAIN_CHAIN_ID = 31337;
const CHILD_CHAIN_ID = 31338;
const VALIDATOR_COUNT = 3;
/** Dev accounts: 0 deploys and governs, 1 proposes and relays, 2 challenges, 3-9 are for users. */
const ACCOUNTS = { deployer: 0, operator: 1, challenger: 2, firstUser: 3, lastUser: 9 };

const CHECKPOINT_ABI = [
  "function checkpointCount() view returns (uint256)",
  "function getCheckpoint(uint256 id) view returns (uint64 startBlock, uint64 endBlock, bytes32 blockRoot, uint64 finalizesAt)",
];

class DevnetError extends Error {
  readonly code = "DEVNET_FAILED";
}

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new DevnetError(`${name}=${raw} must be a positive number`);
  return value;
}

interface Running {
  nodes: RunningNode[];
  services: RelayerService[];
  statusTimer?: NodeJS.Timeout;
}

async function main(): Promise<void> {
  if (process.env.FORK_URL) {
    throw new DevnetError("fork mode (FORK_URL) is not supported yet: unset FORK_URL to run the local devnet");
  }
  const challengePeriod = envNumber("DEVNET_CHALLENGE_PERIOD", 30);
  const blockTimeMs = envNumber("DEVNET_BLOCK_TIME_MS", 1_000);
  const dir = path.resolve(process.env.DEVNET_DIR ?? path.join(REPO_ROOT, ".devnet"));
  // A devnet starts from genesis: yesterday's databases and deployments describe other chains.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  const running: Running = { nodes: [], services: [] };
  let stopping: Promise<void> | undefined;
  const stop = (reason: string) =>
    (stopping ??= (async () => {
      if (running.statusTimer) clearInterval(running.statusTimer);
      process.stdout.write(`\n${reason}: stopping the relayer, the validators and both chains…\n`);
      await Promise.allSettled(running.services.map((service) => service.stop()));
      await stopAllNodes();
      process.stdout.write("devnet stopped\n");
    })());
  process.on("SIGINT", () => void stop("SIGINT").then(() => process.exit(0)));
  process.on("SIGTERM", () => void stop("SIGTERM").then(() => process.exit(0)));

  try {
    process.stdout.write("starting the main chain and the child chain…\n");
    const [mainNode, childNode] = await Promise.all([
      startHardhatNode({ chainId: MAIN_CHAIN_ID }),
      startHardhatNode({ chainId: CHILD_CHAIN_ID }),
    ]);
    running.nodes.push(mainNode, childNode);

    process.stdout.write("deploying the bridge on both chains…\n");
    const validators = makeValidatorWallets(VALIDATOR_COUNT);
    const deploymentsDir = path.join(dir, "deployments");
    const devnet = await deployDevnet(mainNode, childNode, { validators, challengePeriod, deploymentsDir });
    // Blocks keep coming without transactions, so confirmations and checkpoints advance.
    await Promise.all([mainNode, childNode].map((node) => node.provider.send("evm_setIntervalMining", [blockTimeMs])));

    const apiPort = await freePort();
    const validatorPorts = await Promise.all(validators.map(() => freePort()));
    const operatorKey = devAccount(ACCOUNTS.operator).privateKey;
    const configFor = (index: number, mode: "relayer" | "validator") => ({
      dbPath: path.join(dir, mode === "relayer" ? "relayer.sqlite" : `validator-${index}.sqlite`),
      chains: {
        main: { rpcUrl: mainNode.url, chainId: MAIN_CHAIN_ID, confirmations: 1, pollIntervalMs: 500, deployment: path.join(deploymentsDir, "main.json") },
        child: { rpcUrl: childNode.url, chainId: CHILD_CHAIN_ID, confirmations: 1, pollIntervalMs: 500, deployment: path.join(deploymentsDir, "child.json") },
      },
      roles: {
        validator: { enabled: true, port: validatorPorts[index] },
        proposer: {
          enabled: mode === "relayer",
          maxBlocks: 64,
          maxWaitMs: 5_000,
          validatorUrls: validatorPorts.filter((_, i) => i !== index).map((port) => `http://127.0.0.1:${port}`),
        },
        executor: { enabled: mode === "relayer" },
        challenger: { enabled: mode === "relayer" },
      },
      api: { enabled: mode === "relayer", port: apiPort },
      // Devnet keys are the well-known dev mnemonic's: kept in the file so the CLI works as is.
      keys:
        mode === "relayer"
          ? { validator: validators[index].privateKey, proposer: operatorKey, executor: operatorKey, challenger: devAccount(ACCOUNTS.challenger).privateKey }
          : { validator: validators[index].privateKey },
    });

    process.stdout.write(`starting ${VALIDATOR_COUNT} validators and the relayer…\n`);
    const log = pino({ level: "info" }, pino.destination({ dest: path.join(dir, "relayer.log"), sync: false }));
    for (let index = VALIDATOR_COUNT - 1; index >= 0; index--) {
      const mode = index === 0 ? "relayer" : "validator";
      const file = path.join(dir, mode === "relayer" ? "relayer.json" : `validator-${index}.json`);
      writeFileSync(file, `${JSON.stringify(configFor(index, mode), null, 2)}\n`);
      const service = await RelayerService.start(loadConfig(file, {}), {
        mode,
        log: log.child({ process: mode === "relayer" ? "relayer" : `validator-${index}` }),
        challenger: challengerRole,
      });
      running.services.push(service);
    }

    printSummary(devnet, dir, apiPort, challengePeriod);
    running.statusTimer = startStatusLine(devnet, apiPort);
  } catch (error) {
    await stop("failed");
    throw error;
  }
}

function printSummary(devnet: Awaited<ReturnType<typeof deployDevnet>>, dir: string, apiPort: number, challengePeriod: number): void {
  const users = [];
  for (let i = ACCOUNTS.firstUser; i <= ACCOUNTS.lastUser; i++) {
    const account = devAccount(i);
    users.push(`  ${account.address}  ${account.privateKey}`);
  }
  const addresses = (side: "main" | "child") =>
    Object.entries(devnet.deployment[side].contracts)
      .map(([name, record]) => `  ${name.padEnd(18)} ${record.address}`)
      .join("\n");
  process.stdout.write(
    [
      "",
      "sidechain-kit devnet is running",
      `main chain   ${devnet.main.url}  chainId ${devnet.main.chainId}`,
      `child chain  ${devnet.child.url}  chainId ${devnet.child.chainId}`,
      `relayer API  http://127.0.0.1:${apiPort}  (/status, /metrics, /messages/:id, /proof/:txHash/:logIndex)`,
      `challenge period ${challengePeriod} s; files, config and logs in ${dir}`,
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

/** Heights, the latest checkpoint each way with its challenge countdown, and pending messages. */
function startStatusLine(devnet: Awaited<ReturnType<typeof deployDevnet>>, apiPort: number): NodeJS.Timeout {
  const providers = { main: new JsonRpcProvider(devnet.main.url, devnet.main.chainId, { staticNetwork: true }), child: new JsonRpcProvider(devnet.child.url, devnet.child.chainId, { staticNetwork: true }) };
  const checkpointManager = (side: "main" | "child") => {
    const record = devnet.deployment[side].contracts.CheckpointManager;
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
      const status = (await (await fetch(`http://127.0.0.1:${apiPort}/status`)).json()) as { messages: Record<string, Record<string, number>> };
      let pending = 0;
      for (const counts of Object.values(status.messages)) {
        for (const [state, count] of Object.entries(counts)) if (state !== "relayed") pending += count;
      }
      const line = `main ${mainHeight} | child ${childHeight} | ${lanes.join(" | ")} | pending messages ${pending}`;
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

main().catch((error: unknown) => {
  process.stderr.write(`devnet: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
