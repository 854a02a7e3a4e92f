/**
 * Local chains for the devnet and the end-to-end tests: JSON-RPC nodes (Hardhat node, anvil) started as
 * child processes on free ports, and the bridge deployed onto two of them with deploy/lib.
 *
 * Nodes are spawned in their own process group (detached) so that stop() ends the node and
 * anything it started. Every node is also tracked globally: stopAllNodes() for after() hooks,
 * and a last-resort SIGKILL on exit and on SIGINT/SIGTERM, so that a failing or interrupted test
 * run never leaves a node behind. Their handles are unref'd, so a forgotten node cannot keep the
 * test runner alive either.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { HDNodeWallet, JsonRpcProvider, Wallet } from "ethers";

import { deployBridge, type DeployBridgeOptions, type DeployBridgeResult } from "../../../deploy/lib";
import { ForkError, nodeErrorLine, probeFork, redactUrl, type ForkOptions, type ForkSource } from "./fork";
import { packageRoot, resolveTool } from "../packageFiles";
import { testValidators } from "../testing/validators";
import { CHAIN_ID_ENV, FORK_BLOCK_ENV, FORK_URL_ENV } from "./nodeEnv";

/** The mnemonic whose first accounts Hardhat node and anvil fund by default. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
/**
 * The nodes' own Hardhat config, beside this file: TypeScript in the repository, JavaScript in the
 * package (so an app needs no ts-node to start a devnet).
 */
const HARDHAT_NODE_CONFIG = path.join(__dirname, `hardhat.node.config${path.extname(__filename)}`);

/** Hardhat's CLI, wherever npm put it (an optional peer dependency of the kit). */
export function hardhatCli(): string {
  return resolveTool("hardhat/internal/cli/bootstrap.js", "hardhat");
}

/** anvil's binary from the npm package @foundry-rs/anvil-linux-amd64, wherever npm put it. */
export function anvilBin(): string {
  return resolveTool("@foundry-rs/anvil-linux-amd64/bin/anvil", "@foundry-rs/anvil-linux-amd64");
}

export class HarnessError extends Error {
  constructor(
    readonly code: "NODE_START_TIMEOUT" | "NODE_EXITED" | "NODE_WRONG_CHAIN",
    message: string,
  ) {
    super(message);
    this.name = "HarnessError";
  }
}

export interface RunningNode {
  kind: "hardhat" | "anvil";
  url: string;
  port: number;
  chainId: number;
  process: ChildProcess;
  /** A provider on this node (static network, fast polling); destroyed by stop(). */
  provider: JsonRpcProvider;
  /** Set when the node forks a live chain (startHardhatNode's `fork` option). */
  fork?: ForkSource;
  /** The node's last output lines, for failure messages. */
  output(): string;
  /** Ends the node's process group (SIGTERM, then SIGKILL after 5 s) and waits for it. */
  stop(): Promise<void>;
}

export interface StartOptions {
  chainId: number;
  /** Default: a free port, found by binding port 0 (retried if another process takes it first). */
  port?: number;
  /** Default 60 s: a Hardhat node compiles its TypeScript config with ts-node on start. */
  startupTimeoutMs?: number;
}

export interface HardhatNodeOptions extends StartOptions {
  /** Fork this live JSON-RPC endpoint (probed first: an unreachable URL fails in seconds, not minutes). */
  fork?: ForkOptions;
}

const running = new Set<RunningNode>();
const OUTPUT_LINES = 200;
const PORT_ATTEMPTS = 3;

/**
 * Starts `hardhat node` with the given chain id. Hardhat 2's node takes its chain id from the
 * config only, so it runs with the hardhat.node.config beside this file, which reads it from the environment,
 * as it reads the fork URL and block. With `fork`, the node keeps `chainId`, whatever the live chain's.
 * @throws ForkError when forking and the URL does not answer JSON-RPC, or the node dies on it.
 */
export async function startHardhatNode(options: HardhatNodeOptions): Promise<RunningNode> {
  const env: NodeJS.ProcessEnv = { ...process.env, [CHAIN_ID_ENV]: String(options.chainId), HARDHAT_DISABLE_TELEMETRY_PROMPT: "true", TS_NODE_TRANSPILE_ONLY: "true" };
  // Set or removed explicitly: a FORK_URL inherited from the shell must not fork every node.
  delete env[FORK_URL_ENV];
  delete env[FORK_BLOCK_ENV];
  let source: ForkSource | undefined;
  if (options.fork !== undefined) {
    source = await probeFork(options.fork);
    env[FORK_URL_ENV] = source.url;
    env[FORK_BLOCK_ENV] = String(source.blockNumber);
  }
  try {
    const node = await startWithFreePort(options, (port) => ({
      kind: "hardhat",
      // Hardhat's own CLI under this Node, not `npx hardhat`: one process instead of three, same code.
      command: process.execPath,
      args: [hardhatCli(), "--config", HARDHAT_NODE_CONFIG, "node", "--hostname", "127.0.0.1", "--port", String(port)],
      env,
    }));
    if (source !== undefined) {
      node.fork = source;
      // Until a local block exists, "latest" is the fork block, which Hardhat executes with the live
      // chain's hardfork rules: unknown for chains other than Ethereum and a few L2s ("No known
      // hardfork for execution on historical block"). Its `chains` override does not reach EDR in
      // Hardhat 2.29, so mine one local block instead: calls at "latest" then use the node's rules.
      await node.provider.send("evm_mine", []);
    }
    return node;
  } catch (error) {
    if (source === undefined || !(error instanceof HarnessError)) throw error;
    // The probe passed but the node could not fork (the endpoint lacks a method Hardhat needs, went away…).
    throw new ForkError("FORK_NODE_FAILED", `the node forking ${redactUrl(source.url)} failed: ${nodeErrorLine(error.message.split("\n").slice(1).join("\n") || error.message)}`);
  }
}

/** Starts anvil (from the npm package @foundry-rs/anvil-linux-amd64) with the given chain id. */
export function startAnvil(options: StartOptions): Promise<RunningNode> {
  return startWithFreePort(options, (port) => ({
    kind: "anvil",
    command: anvilBin(),
    args: ["--chain-id", String(options.chainId), "--port", String(port), "--host", "127.0.0.1", "--mnemonic", DEV_MNEMONIC, "--silent"],
    env: { ...process.env },
  }));
}

/** Stops every node this process started; for after() hooks. */
export async function stopAllNodes(): Promise<void> {
  await Promise.all([...running].map((node) => node.stop()));
}

/** A port that was free a moment ago (the OS picks it for port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Launch {
  kind: RunningNode["kind"];
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

async function startWithFreePort(options: StartOptions, launch: (port: number) => Launch): Promise<RunningNode> {
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await startNode(launch(port), port, options.chainId, options.startupTimeoutMs ?? 60_000);
    } catch (error) {
      // Between freePort() and the node's bind another process may take the port: pick another.
      const portTaken = error instanceof HarnessError && /EADDRINUSE|address already in use/i.test(error.message);
      if (!portTaken || options.port !== undefined || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

async function startNode(launch: Launch, port: number, chainId: number, timeoutMs: number): Promise<RunningNode> {
  const child = spawn(launch.command, launch.args, { cwd: packageRoot(), env: launch.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  // Always drain the pipes: a node blocked on a full pipe stops answering RPC.
  const collect = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter((l) => l.length > 0));
    if (lines.length > OUTPUT_LINES) lines.splice(0, lines.length - OUTPUT_LINES);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  let exitStatus: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exitStatus = signal !== null ? `signal ${signal}` : `exit code ${code}`;
      resolve();
    });
    child.once("error", (error) => {
      exitStatus = `spawn error: ${error.message}`;
      resolve();
    });
  });
  child.unref();
  (child.stdout as unknown as net.Socket).unref();
  (child.stderr as unknown as net.Socket).unref();

  const url = `http://127.0.0.1:${port}`;
  const provider = new JsonRpcProvider(url, chainId, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
  const output = () => lines.slice(-40).join("\n");
  let stopping: Promise<void> | undefined;
  const node: RunningNode = {
    kind: launch.kind,
    url,
    port,
    chainId,
    process: child,
    provider,
    output,
    stop() {
      stopping ??= (async () => {
        provider.destroy();
        if (exitStatus === undefined && child.pid !== undefined) {
          signalGroup(child, "SIGTERM");
          if (!(await settlesWithin(exited, 5_000))) {
            signalGroup(child, "SIGKILL");
            await settlesWithin(exited, 5_000);
          }
        }
        running.delete(node);
      })();
      return stopping;
    },
  };
  running.add(node);

  const describeNode = `${launch.kind} node (chain ${chainId}, port ${port})`;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (exitStatus !== undefined) throw new HarnessError("NODE_EXITED", `${describeNode} exited (${exitStatus}) before answering:\n${output()}`);
      const answered = await rpcChainId(url);
      if (answered !== undefined) {
        // Another process on this port would answer too: make sure it is ours.
        if (answered !== chainId) throw new HarnessError("NODE_WRONG_CHAIN", `${describeNode}: port ${port} answers chain id ${answered}`);
        return node;
      }
      if (Date.now() > deadline) throw new HarnessError("NODE_START_TIMEOUT", `${describeNode} did not answer within ${timeoutMs} ms:\n${output()}`);
      await sleep(100);
    }
  } catch (error) {
    await node.stop();
    throw error;
  }
}

async function rpcChainId(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(2_000),
    });
    const body = (await response.json()) as { result?: string };
    return typeof body.result === "string" ? Number(BigInt(body.result)) : undefined;
  } catch {
    return undefined; // not listening yet
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    // Negative pid: the whole process group, so nothing the node spawned survives it.
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const tempDirs = new Set<string>();

/** A fresh folder under the OS temp dir, removed when the process exits (kept if E2E_KEEP_TMP is set). */
export function makeTempDir(name: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `sidechain-kit-${name}-`));
  tempDirs.add(dir);
  return dir;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Last resort: synchronous kills when the test process goes away without stopping its nodes.
process.once("exit", () => {
  for (const node of running) signalGroup(node.process, "SIGKILL");
  if (process.env.E2E_KEEP_TMP === undefined) for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  const onSignal = () => {
    for (const node of running) signalGroup(node.process, "SIGKILL");
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal); // then die as the signal asks
  };
  process.on(signal, onSignal);
}

// ---------------------------------------------------------------- accounts and deployment

/** Account `index` of the dev mnemonic (funded on both node kinds), connected to `provider`. */
export function devAccount(index: number, provider?: JsonRpcProvider): Wallet {
  const hd = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`);
  return new Wallet(hd.privateKey, provider);
}

/** Deterministic validator keys sorted by address: the test kit's, so devnets and tests sign alike. */
export const makeValidatorWallets = testValidators;

export interface DeployDevnetOptions extends Partial<Omit<DeployBridgeOptions, "main" | "child" | "validators">> {
  /** Validators of both chains; default four from makeValidatorWallets. */
  validators?: Wallet[];
  /** Dev account index of the deployer on both chains; default 0. */
  deployerIndex?: number;
  main?: Partial<DeployBridgeOptions["main"]>;
  child?: Partial<DeployBridgeOptions["child"]>;
}

export interface Devnet {
  main: RunningNode;
  child: RunningNode;
  deployment: DeployBridgeResult;
  validators: Wallet[];
  deployer: { main: Wallet; child: Wallet };
  /** The options used, to run the same deployment again. */
  options: DeployBridgeOptions;
}

/** Test defaults: a 2 s challenge period, so a checkpoint is final after one evm_increaseTime. */
export const DEVNET_CHALLENGE_PERIOD = 2;
export const DEVNET_MIN_BOND = 10n ** 18n;

/**
 * Deploys the bridge onto two running nodes with the dev accounts, into a fresh temporary
 * deployments folder unless `deploymentsDir` is given.
 */
export async function deployDevnet(main: RunningNode, child: RunningNode, options: DeployDevnetOptions = {}): Promise<Devnet> {
  const validators = options.validators ?? makeValidatorWallets(4);
  const deployerIndex = options.deployerIndex ?? 0;
  const deployer = { main: devAccount(deployerIndex, main.provider), child: devAccount(deployerIndex, child.provider) };
  const { validators: _v, deployerIndex: _d, main: mainOverrides, child: childOverrides, ...rest } = options;
  const bridgeOptions: DeployBridgeOptions = {
    challengePeriod: DEVNET_CHALLENGE_PERIOD,
    minBond: DEVNET_MIN_BOND,
    challengerRewardBps: 5_000,
    deploymentsDir: makeTempDir("deployments"),
    ...rest,
    validators: validators.map((v) => ({ address: v.address, power: 1 })),
    main: { network: "main", rpcUrl: main.url, privateKey: deployer.main.privateKey, expectedChainId: main.chainId, pollingIntervalMs: 50, ...mainOverrides },
    child: { network: "child", rpcUrl: child.url, privateKey: deployer.child.privateKey, expectedChainId: child.chainId, pollingIntervalMs: 50, ...childOverrides },
  };
  const deployment = await deployBridge(bridgeOptions);
  return { main, child, deployment, validators, deployer, options: bridgeOptions };
}
