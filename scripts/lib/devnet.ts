/**
 * The local two-chain devnet as a library: a main chain and a child chain (Hardhat nodes on free
 * ports, mining a block every `blockTimeMs`), the bridge deployed and wired on both, three
 * validators and a relayer with all roles. Used by `npm run devnet`, `npm run demo` and the tests.
 *
 * Everything it writes (deployment files, the relayer config, databases, logs) goes to `dir`, so
 * the CLI (`sidechain … --config <dir>/relayer.json`) and the SDK work against it.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import pino from "pino";

import { loadConfig } from "../../relayer/src/config";
import { challengerRole } from "../../relayer/src/roles/challenger/role";
import { RelayerService } from "../../relayer/src/service";
import type { DeploymentFile } from "../../deploy/lib";
import { probeFork, type ForkOptions, type ForkSource } from "./fork";
import { devAccount, deployDevnet, freePort, makeValidatorWallets, startHardhatNode, type RunningNode } from "./localChains";

export const MAIN_CHAIN_ID = 31337;
export const CHILD_CHAIN_ID = 31338;
const VALIDATOR_COUNT = 3;
/** Dev accounts: 0 deploys and governs, 1 proposes and relays, 2 challenges, 3-9 are for users. */
export const DEVNET_ACCOUNTS = { deployer: 0, operator: 1, challenger: 2, firstUser: 3, lastUser: 9 };

export class DevnetError extends Error {
  readonly code = "DEVNET_FAILED";
  readonly retryable = false;
}

export interface DevnetOptions {
  /** Where files go; wiped first, as a devnet starts from genesis. */
  dir: string;
  challengePeriod?: number;
  blockTimeMs?: number;
  /**
   * Fork the main chain from a live JSON-RPC endpoint (FORK_URL / FORK_BLOCK). The forked main
   * keeps chain id MAIN_CHAIN_ID; an endpoint that does not answer fails the start in seconds.
   */
  fork?: ForkOptions;
}

export interface RunningDevnet {
  main: RunningNode;
  child: RunningNode;
  deployments: { main: DeploymentFile; child: DeploymentFile };
  dir: string;
  apiUrl: string;
  relayerConfigFile: string;
  challengePeriod: number;
  /** The live chain the main chain forks, in fork mode. */
  fork?: ForkSource;
  /** Stops the relayer, the validators and both chains; safe to call twice. */
  stop(): Promise<void>;
}

export async function startDevnet(options: DevnetOptions): Promise<RunningDevnet> {
  const challengePeriod = options.challengePeriod ?? 30;
  const blockTimeMs = options.blockTimeMs ?? 1_000;
  const dir = path.resolve(options.dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  const nodes: RunningNode[] = [];
  const services: RelayerService[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.allSettled(services.map((service) => service.stop()));
      await Promise.allSettled(nodes.map((node) => node.stop()));
    })());

  try {
    // Before any process starts: a dead FORK_URL must cost seconds, not a child chain's start-up.
    if (options.fork !== undefined) await probeFork(options.fork);
    const started = await Promise.allSettled([
      startHardhatNode({ chainId: MAIN_CHAIN_ID, fork: options.fork }),
      startHardhatNode({ chainId: CHILD_CHAIN_ID }),
    ]);
    // Keep whichever started, so that stop() ends it when the other failed.
    for (const result of started) if (result.status === "fulfilled") nodes.push(result.value);
    for (const result of started) if (result.status === "rejected") throw result.reason;
    const [mainNode, childNode] = nodes;

    const validators = makeValidatorWallets(VALIDATOR_COUNT);
    const deploymentsDir = path.join(dir, "deployments");
    const devnet = await deployDevnet(mainNode, childNode, { validators, challengePeriod, deploymentsDir });
    // Blocks keep coming without transactions, so confirmations and checkpoints advance.
    await Promise.all([mainNode, childNode].map((node) => node.provider.send("evm_setIntervalMining", [blockTimeMs])));

    const apiPort = await freePort();
    const validatorPorts = await Promise.all(validators.map(() => freePort()));
    const operatorKey = devAccount(DEVNET_ACCOUNTS.operator).privateKey;
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
          maxWaitMs: 2_000,
          validatorUrls: validatorPorts.filter((_, i) => i !== index).map((port) => `http://127.0.0.1:${port}`),
        },
        executor: { enabled: mode === "relayer" },
        challenger: { enabled: mode === "relayer" },
      },
      api: { enabled: mode === "relayer", port: apiPort },
      // Devnet keys are the well-known dev mnemonic's: kept in the file so the CLI works as is.
      keys:
        mode === "relayer"
          ? { validator: validators[index].privateKey, proposer: operatorKey, executor: operatorKey, challenger: devAccount(DEVNET_ACCOUNTS.challenger).privateKey }
          : { validator: validators[index].privateKey },
    });

    const log = pino({ level: "info" }, pino.destination({ dest: path.join(dir, "relayer.log"), sync: false }));
    const relayerConfigFile = path.join(dir, "relayer.json");
    // Validators first: the relayer's proposer asks them for signatures as soon as it starts.
    for (let index = VALIDATOR_COUNT - 1; index >= 0; index--) {
      const mode = index === 0 ? "relayer" : "validator";
      const file = mode === "relayer" ? relayerConfigFile : path.join(dir, `validator-${index}.json`);
      writeFileSync(file, `${JSON.stringify(configFor(index, mode), null, 2)}\n`);
      services.push(
        await RelayerService.start(loadConfig(file, {}), {
          mode,
          log: log.child({ process: mode === "relayer" ? "relayer" : `validator-${index}` }),
          challenger: challengerRole,
        }),
      );
    }
    return {
      main: mainNode,
      child: childNode,
      deployments: { main: devnet.deployment.main, child: devnet.deployment.child },
      dir,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      relayerConfigFile,
      challengePeriod,
      fork: mainNode.fork,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
