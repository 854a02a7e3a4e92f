/**
 * The local two-chain devnet as a library (`sidechain-kit/devnet`): a main chain and a child chain
 * (Hardhat nodes on free or fixed ports, mining a block every `blockTimeMs`), the bridge deployed and
 * wired on both, the app's own contracts deployed by a hook, four validators (any three sign: one
 * may be down) and a relayer with all roles. Used by `npm run devnet`, `npm run demo`, the tests,
 * and apps' own test suites.
 *
 * By default the relayer and the validators run inside the caller's process. With `processes`,
 * each is a `sidechain relayer|validator` process of its own, with a handle to stop and start it
 * (./processes.ts), so that an operator or a test can see what one validator down does.
 *
 * Everything it writes (deployment files, the relayer config, databases, logs) goes to `dir`, so
 * the CLI (`sidechain … --config <dir>/relayer.json`) and the SDK work against it.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import pino from "pino";

import { loadConfig } from "../config";
import { challengerRole } from "../roles/challenger/role";
import { RelayerService } from "../service";
import type { DeployableContract, DeploymentFile } from "../../../deploy/lib";
import type { Wallet } from "ethers";
import { probeFork, type ForkOptions, type ForkSource } from "./fork";
import { devAccount, deployDevnet, freePort, makeTempDir, makeValidatorWallets, startHardhatNode, type RunningNode } from "./localChains";
import { startDevnetProcess, type DevnetProcess } from "./processes";

export const MAIN_CHAIN_ID = 31337;
export const CHILD_CHAIN_ID = 31338;
/**
 * 3f + 1 validators of power 1 with the default threshold (more than two thirds: 3) tolerate f = 1
 * of them down, so that one stopped validator slows nothing.
 */
export const DEVNET_VALIDATOR_COUNT = 4;
/** Dev accounts: 0 deploys and governs, 1 proposes and relays, 2 challenges, 3-9 are for users. */
export const DEVNET_ACCOUNTS = { deployer: 0, operator: 1, challenger: 2, firstUser: 3, lastUser: 9 };

export class DevnetError extends Error {
  readonly code = "DEVNET_FAILED";
  readonly retryable = false;
}

/** Fixed ports; any left out is a free one picked at start. */
export interface DevnetPorts {
  main?: number;
  child?: number;
  /** The relayer's HTTP API (health, status, proofs). */
  api?: number;
  /** One per validator (DEVNET_VALIDATOR_COUNT, four), where each serves its signatures. */
  validators?: number[];
}

export interface DevnetOptions {
  /** Where files go; wiped first, as a devnet starts from genesis. Default: a fresh temporary folder. */
  dir?: string;
  /** Seconds until a checkpoint is final; default 30. */
  challengePeriod?: number;
  /** Both chains mine a block this often (ms); default 1,000. */
  blockTimeMs?: number;
  ports?: DevnetPorts;
  /**
   * Fork the main chain from a live JSON-RPC endpoint (FORK_URL / FORK_BLOCK). The forked main
   * keeps chain id MAIN_CHAIN_ID; an endpoint that does not answer fails the start in seconds.
   */
  fork?: ForkOptions;
  /**
   * Deploys the app's own contracts once the bridge is up and before the relayer starts, so that
   * the relayer sees every message the app sends from its first block. A failure stops the devnet.
   */
  deploy?: (devnet: DevnetDeployContext) => Promise<void> | void;
  /**
   * Run the relayer and each validator as a `sidechain` process of its own (`true`), instead of
   * inside this process. `{ cli }` names a compiled cli.js to run them with; default: the kit's
   * own CLI, found by package resolution (the package's bin, or ts-node on the sources here).
   */
  processes?: boolean | { cli?: string };
}

/** One chain of the devnet: the node, and the addresses of the bridge's contracts on it. */
export interface DevnetChain extends RunningNode {
  addresses: Partial<Record<DeployableContract, string>>;
}

/**
 * Dev accounts (the Hardhat node's default mnemonic), funded on both chains, not connected to a
 * provider: `wallet.connect(devnet.child.provider)`. The deployer governs the bridge; the operator
 * proposes and relays; the challenger challenges; the users are free for the app.
 */
export interface DevnetAccounts {
  deployer: Wallet;
  operator: Wallet;
  challenger: Wallet;
  users: Wallet[];
}

export interface DevnetDeployContext {
  main: DevnetChain;
  child: DevnetChain;
  accounts: DevnetAccounts;
  deployments: { main: DeploymentFile; child: DeploymentFile };
}

export interface RunningDevnet extends DevnetDeployContext {
  dir: string;
  apiUrl: string;
  relayerConfigFile: string;
  challengePeriod: number;
  /** The validators' keys (test keys, derived deterministically). */
  validators: Wallet[];
  /** In `processes` mode: the relayer's and each validator's process (validators in key order). */
  processes?: { relayer: DevnetProcess; validators: DevnetProcess[] };
  /** The live chain the main chain forks, in fork mode. */
  fork?: ForkSource;
  /** Stops the relayer, the validators and both chains; safe to call twice. */
  stop(): Promise<void>;
}

/** The devnet's dev accounts, unconnected. */
export function devnetAccounts(): DevnetAccounts {
  const users: Wallet[] = [];
  for (let index = DEVNET_ACCOUNTS.firstUser; index <= DEVNET_ACCOUNTS.lastUser; index++) users.push(devAccount(index));
  return { deployer: devAccount(DEVNET_ACCOUNTS.deployer), operator: devAccount(DEVNET_ACCOUNTS.operator), challenger: devAccount(DEVNET_ACCOUNTS.challenger), users };
}

function withAddresses(node: RunningNode, file: DeploymentFile): DevnetChain {
  const addresses: DevnetChain["addresses"] = {};
  for (const [name, record] of Object.entries(file.contracts)) if (record !== undefined) addresses[name as DeployableContract] = record.address;
  return Object.assign(node, { addresses });
}

/**
 * Starts the devnet. Needs Hardhat installed (an optional peer dependency of the kit).
 * @throws DevnetError on bad options; ForkError for a dead fork URL; HarnessError when a node fails.
 */
export async function startDevnet(options: DevnetOptions = {}): Promise<RunningDevnet> {
  const challengePeriod = options.challengePeriod ?? 30;
  const blockTimeMs = options.blockTimeMs ?? 1_000;
  if (!Number.isFinite(challengePeriod) || challengePeriod <= 0) throw new DevnetError(`challengePeriod ${challengePeriod} must be a positive number of seconds`);
  if (!Number.isFinite(blockTimeMs) || blockTimeMs <= 0) throw new DevnetError(`blockTimeMs ${blockTimeMs} must be a positive number`);
  const ports = options.ports ?? {};
  if (ports.validators !== undefined && ports.validators.length !== DEVNET_VALIDATOR_COUNT) {
    throw new DevnetError(`ports.validators needs ${DEVNET_VALIDATOR_COUNT} ports, one per validator; got ${ports.validators.length}`);
  }
  const processes = options.processes === undefined || options.processes === false ? undefined : options.processes === true ? {} : options.processes;
  const dir = path.resolve(options.dir ?? makeTempDir("devnet"));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  const nodes: RunningNode[] = [];
  const services: RelayerService[] = [];
  const children: DevnetProcess[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.allSettled([...services.map((service) => service.stop()), ...children.map((child) => child.stop())]);
      await Promise.allSettled(nodes.map((node) => node.stop()));
    })());

  try {
    // Before any process starts: a dead FORK_URL must cost seconds, not a child chain's start-up.
    if (options.fork !== undefined) await probeFork(options.fork);
    const started = await Promise.allSettled([
      startHardhatNode({ chainId: MAIN_CHAIN_ID, fork: options.fork, port: ports.main }),
      startHardhatNode({ chainId: CHILD_CHAIN_ID, port: ports.child }),
    ]);
    // Keep whichever started, so that stop() ends it when the other failed.
    for (const result of started) if (result.status === "fulfilled") nodes.push(result.value);
    for (const result of started) if (result.status === "rejected") throw result.reason;
    const [mainNode, childNode] = nodes;

    const validators = makeValidatorWallets(DEVNET_VALIDATOR_COUNT);
    const deploymentsDir = path.join(dir, "deployments");
    const devnet = await deployDevnet(mainNode, childNode, { validators, challengePeriod, deploymentsDir });
    const deployments = { main: devnet.deployment.main, child: devnet.deployment.child };
    const context: DevnetDeployContext = {
      main: withAddresses(mainNode, deployments.main),
      child: withAddresses(childNode, deployments.child),
      accounts: devnetAccounts(),
      deployments,
    };
    // Still automining only, so the app's deployment takes no block time.
    if (options.deploy !== undefined) await options.deploy(context);
    // Blocks keep coming without transactions, so confirmations and checkpoints advance.
    await Promise.all([mainNode, childNode].map((node) => node.provider.send("evm_setIntervalMining", [blockTimeMs])));

    const apiPort = ports.api ?? (await freePort());
    const validatorPorts = ports.validators ?? (await Promise.all(validators.map(() => freePort())));
    const operatorKey = devAccount(DEVNET_ACCOUNTS.operator).privateKey;
    const validatorUrl = (index: number) => `http://127.0.0.1:${validatorPorts[index]}`;
    // In-process, the relayer signs as validator 0 itself; as processes, every validator is its own,
    // so that any one of them can be stopped without stopping the relayer.
    const relayerValidator = processes === undefined ? 0 : undefined;
    const configFor = (mode: "relayer" | "validator", index?: number) => ({
      dbPath: path.join(dir, mode === "relayer" ? "relayer.sqlite" : `validator-${index}.sqlite`),
      chains: {
        main: { rpcUrl: mainNode.url, chainId: MAIN_CHAIN_ID, confirmations: 1, pollIntervalMs: 500, deployment: path.join(deploymentsDir, "main.json") },
        child: { rpcUrl: childNode.url, chainId: CHILD_CHAIN_ID, confirmations: 1, pollIntervalMs: 500, deployment: path.join(deploymentsDir, "child.json") },
      },
      roles: {
        validator: index === undefined ? { enabled: false } : { enabled: true, port: validatorPorts[index] },
        proposer: {
          enabled: mode === "relayer",
          maxBlocks: 64,
          maxWaitMs: 2_000,
          validatorUrls: validators.map((_, i) => i).filter((i) => i !== index).map(validatorUrl),
        },
        executor: { enabled: mode === "relayer" },
        challenger: { enabled: mode === "relayer" },
      },
      // A devnet's challenge period is seconds: the console reads clocks and balances as often.
      api: { enabled: mode === "relayer", port: apiPort, monitorIntervalMs: 1_000 },
      // Devnet keys are the well-known dev mnemonic's: kept in the file so the CLI works as is.
      keys: {
        ...(index === undefined ? {} : { validator: validators[index].privateKey }),
        ...(mode === "relayer" ? { proposer: operatorKey, executor: operatorKey, challenger: devAccount(DEVNET_ACCOUNTS.challenger).privateKey } : {}),
      },
    });
    const writeConfig = (file: string, config: unknown) => {
      writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
      return file;
    };

    const relayerConfigFile = writeConfig(path.join(dir, "relayer.json"), configFor("relayer", relayerValidator));
    const validatorFiles = validators.map((_, index) => (index === relayerValidator ? undefined : writeConfig(path.join(dir, `validator-${index}.json`), configFor("validator", index))));
    let handles: RunningDevnet["processes"];
    if (processes === undefined) {
      const log = pino({ level: "info" }, pino.destination({ dest: path.join(dir, "relayer.log"), sync: false }));
      // Validators first: the relayer's proposer asks them for signatures as soon as it starts.
      for (const [index, file] of validatorFiles.entries()) {
        if (file === undefined) continue;
        services.push(await RelayerService.start(loadConfig(file, {}), { mode: "validator", log: log.child({ process: `validator-${index}` }) }));
      }
      services.push(await RelayerService.start(loadConfig(relayerConfigFile, {}), { mode: "relayer", log: log.child({ process: "relayer" }), challenger: challengerRole }));
    } else {
      const cliArgs = processes.cli === undefined ? undefined : [processes.cli];
      const spawnOne = (spec: { name: string; kind: "relayer" | "validator"; configFile: string; url: string; address?: string }) => {
        const handle = startDevnetProcess({ ...spec, logFile: path.join(dir, `${spec.name}.log`), cliArgs });
        children.push(handle);
        return handle;
      };
      const validatorProcesses = validatorFiles.map((file, index) =>
        spawnOne({ name: `validator-${index}`, kind: "validator", configFile: file!, url: validatorUrl(index), address: validators[index].address }),
      );
      await Promise.all(validatorProcesses.map((handle) => handle.start()));
      const relayer = spawnOne({ name: "relayer", kind: "relayer", configFile: relayerConfigFile, url: `http://127.0.0.1:${apiPort}` });
      await relayer.start();
      handles = { relayer, validators: validatorProcesses };
    }
    return {
      ...context,
      validators,
      dir,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      relayerConfigFile,
      challengePeriod,
      fork: mainNode.fork,
      processes: handles,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
