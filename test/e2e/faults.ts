/**
 * Helpers of the fault end-to-end tests (rogue proposer, RPC faults, reorgs) and of the relayer
 * benchmark: the relayer as a real child process (`sidechain relayer --config FILE`), its config
 * file, an HTTP proxy between the relayer and a node that can drop, fail or delay requests, a
 * rogue proposer with its own bond, and small polling utilities.
 *
 * Relayer processes are tracked like the harness's nodes: stopAllRelayers() for after() hooks and
 * a last-resort SIGKILL on exit, so a failing test never leaves one behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, readFileSync, writeFileSync, type WriteStream } from "node:fs";
import http from "node:http";
import type net from "node:net";
import path from "node:path";
import { Contract, Wallet, concat, getAddress, hexlify, type JsonRpcProvider } from "ethers";

import { loadArtifact, type DeployableContract, type DeploymentFile } from "../../deploy/lib";
import { buildCheckpointTree, fetchBlock, type CheckpointBlock, type CheckpointTree, type RpcBlock } from "../../relayer/src";
import { CHECKPOINT_TYPES, checkpointDomain } from "../../relayer/src/chain/abi";
import { REPO_ROOT, deployDevnet, devAccount, freePort, makeTempDir, makeValidatorWallets, sleep, startHardhatNode, type DeployDevnetOptions, type Devnet, type RunningNode } from "./harness";
import { buildCli } from "./relayerProcess";

// ---------------------------------------------------------------- polling

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false | null>, timeoutMs = 60_000, pollMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== false && value !== null) return value as T;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ""}`);
    await sleep(pollMs);
  }
}

// ---------------------------------------------------------------- mining control

/**
 * Interval mining every `intervalMs` (0 = off) and automine on or off. Hardhat takes the interval
 * in milliseconds, anvil in whole seconds (so at least 1 s there).
 */
export async function setMining(node: RunningNode, mining: { intervalMs: number; auto: boolean }): Promise<void> {
  await node.provider.send("evm_setAutomine", [mining.auto]);
  const interval = node.kind === "anvil" && mining.intervalMs > 0 ? Math.max(1, Math.round(mining.intervalMs / 1_000)) : mining.intervalMs;
  await node.provider.send("evm_setIntervalMining", [interval]);
}

export async function mineBlocks(node: RunningNode, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await node.provider.send("evm_mine", []);
}

// ---------------------------------------------------------------- contracts

export function contractOf(file: DeploymentFile, name: DeployableContract, runner: Wallet | JsonRpcProvider): Contract {
  const record = file.contracts[name];
  if (record === undefined) throw new Error(`${file.network}.json records no ${name}`);
  return new Contract(record.address, loadArtifact(name).abi, runner);
}

/** ids of every MessageRelayed on a Messenger, in chain order. */
export async function relayedIds(messenger: Contract): Promise<string[]> {
  const events = await messenger.queryFilter(messenger.filters.MessageRelayed(), 0, "latest");
  return events.map((e) => (e as unknown as { args: { messageId: string } }).args.messageId.toLowerCase());
}

// ---------------------------------------------------------------- the relayer process

const relayers = new Set<RelayerProcess>();

export interface RelayerProcess {
  pid: number;
  apiUrl: string;
  process: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs(): Record<string, unknown>[];
  /** SIGTERM, then SIGKILL after 10 s; resolves once it exited. */
  stop(): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface RelayerConfigOptions {
  dir: string;
  devnet: Devnet;
  /** RPC URLs as the relayer sees them (default: the nodes'), e.g. a proxy's. */
  rpcUrls?: { main?: string; child?: string };
  confirmations?: number;
  pollIntervalMs?: number;
  challenger?: { leafSources?: string[] };
  proposer?: { maxBlocks?: number; maxWaitMs?: number };
  rpc?: { timeoutMs?: number; retries?: number; backoffMs?: number };
  logLevel?: string;
}

/** Keys: the single validator of the devnet signs; proposer+executor, challenger have their own dev accounts. */
export const RELAYER_ACCOUNT = 1;
export const CHALLENGER_ACCOUNT = 4;

/** Writes relayer.json into `dir`; returns its path and the API port chosen. */
export async function writeRelayerConfig(options: RelayerConfigOptions): Promise<{ file: string; apiPort: number }> {
  const { devnet, dir } = options;
  const apiPort = await freePort();
  const chain = (name: "main" | "child") => ({
    rpcUrl: options.rpcUrls?.[name] ?? devnet[name].url,
    chainId: devnet[name].chainId,
    confirmations: options.confirmations ?? 1,
    pollIntervalMs: options.pollIntervalMs ?? 300,
    deployment: devnet.deployment.files[name],
  });
  const config = {
    dbPath: path.join(dir, "relayer.sqlite"),
    chains: { main: chain("main"), child: chain("child") },
    rpc: { timeoutMs: 3_000, retries: 2, backoffMs: 100, ...options.rpc },
    roles: {
      validator: { enabled: true, port: 0 },
      proposer: { enabled: true, maxBlocks: 64, maxWaitMs: 1_500, ...options.proposer },
      executor: { enabled: true, maxAttempts: 50, retryBackoffMs: 500 },
      challenger: { enabled: options.challenger !== undefined, leafSources: options.challenger?.leafSources ?? [] },
    },
    tx: { receiptPollMs: 200, stuckTimeoutMs: 20_000 },
    api: { enabled: true, port: apiPort },
    log: { level: options.logLevel ?? "info" },
  };
  const file = path.join(dir, "relayer.json");
  writeFileSync(file, JSON.stringify(config, null, 2));
  return { file, apiPort };
}

/** Secrets as the environment gives them. */
export function relayerEnv(devnet: Devnet): Record<string, string> {
  return {
    SIDECHAIN_VALIDATOR_KEY: devnet.validators[0].privateKey,
    SIDECHAIN_PROPOSER_KEY: devAccount(RELAYER_ACCOUNT).privateKey,
    SIDECHAIN_EXECUTOR_KEY: devAccount(RELAYER_ACCOUNT).privateKey,
    SIDECHAIN_CHALLENGER_KEY: devAccount(CHALLENGER_ACCOUNT).privateKey,
  };
}

/**
 * The CLI entry: the built one RELAYER_CLI points at, else the sources compiled once per run
 * (buildCli): a relayer then starts in under a second where ts-node takes ~4 s.
 */
export function relayerCommand(): string[] {
  return [process.env.RELAYER_CLI ?? buildCli()];
}

/**
 * Starts `sidechain relayer --config FILE` and waits until its API answers /health. Its stdout
 * (JSON logs) goes to `logFile` and is kept parsed in memory.
 */
export async function startRelayer(configFile: string, apiPort: number, env: Record<string, string>, logFile: string): Promise<RelayerProcess> {
  const child = spawn(process.execPath, [...relayerCommand(), "relayer", "--config", configFile], {
    cwd: REPO_ROOT,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out: WriteStream = createWriteStream(logFile, { flags: "a" });
  const parsed: Record<string, unknown>[] = [];
  let partial = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    out.write(chunk);
    const text = partial + chunk.toString("utf8");
    const lines = text.split("\n");
    partial = lines.pop()!;
    for (const line of lines) {
      try {
        parsed.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    out.write(chunk);
    stderr += chunk.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      relayers.delete(handle);
      resolve({ code, signal });
    });
  });
  void exited.then(() => out.end());
  let stopping: Promise<void> | undefined;
  const handle: RelayerProcess = {
    pid: child.pid!,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    process: child,
    logs: () => parsed,
    exited,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
  relayers.add(handle);
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  try {
    await waitFor(
      "the relayer's /health",
      async () => {
        if (exitedEarly) throw new Error(`relayer exited: ${stderr.slice(-2_000)}`);
        const response = await fetch(`${handle.apiUrl}/health`, { signal: AbortSignal.timeout(1_000) });
        return response.status < 500;
      },
      60_000,
      250,
    );
  } catch (error) {
    await handle.stop();
    throw new Error(`${(error as Error).message}\n${stderr.slice(-2_000)}`);
  }
  return handle;
}

export async function stopAllRelayers(): Promise<void> {
  await Promise.all([...relayers].map((r) => r.stop()));
}

process.once("exit", () => {
  for (const r of relayers) r.process.kill("SIGKILL");
});

/** How often the fault tests' nodes mine a block (interval mining). */
export const FAULT_MINING_INTERVAL_MS = 300;

/** Two interval-mining Hardhat nodes with a devnet on them and the relayer watching it (startFaultBridge). */
export interface FaultBridge {
  main: RunningNode;
  child: RunningNode;
  devnet: Devnet;
  relayer: RelayerProcess;
  /** The relayer's folder: relayer.json, its database and relayer.log. */
  dir: string;
}

/**
 * The set-up of the fault tests: both nodes (31337, 31338), the bridge deployed with `deploy` (one
 * validator unless it names others), interval mining every FAULT_MINING_INTERVAL_MS with automine
 * on (a test's own transactions are mined at once), and the relayer with every role on, configured
 * by `relayer`. Ended by stopAllNodes() and stopAllRelayers().
 */
export async function startFaultBridge(name: string, deploy: DeployDevnetOptions, relayer: Omit<RelayerConfigOptions, "dir" | "devnet">): Promise<FaultBridge> {
  const [main, child] = await Promise.all([startHardhatNode({ chainId: 31337 }), startHardhatNode({ chainId: 31338 })]);
  const devnet = await deployDevnet(main, child, { validators: makeValidatorWallets(1), ...deploy });
  const mining = { intervalMs: FAULT_MINING_INTERVAL_MS, auto: true };
  await Promise.all([setMining(main, mining), setMining(child, mining)]);
  const dir = makeTempDir(name);
  const { file, apiPort } = await writeRelayerConfig({ dir, devnet, ...relayer });
  const process = await startRelayer(file, apiPort, relayerEnv(devnet), path.join(dir, "relayer.log"));
  return { main, child, devnet, relayer: process, dir };
}

/** Blocks `from`..`to` of `node` as it has them now. */
export async function canonicalRange(node: RunningNode, from: bigint, to: bigint): Promise<RpcBlock[]> {
  const blocks: RpcBlock[] = [];
  for (let n = from; n <= to; n++) blocks.push(await fetchBlock(node.provider, n));
  return blocks;
}

/**
 * Runs a rogue's `submit` with main's mining paused right after fresh blocks, so its range starts
 * where the relayer's proposer has not submitted yet; retried (three tries) if the proposer still
 * got there first (the contract refuses a non-contiguous range or a wrong predecessor).
 */
export async function submitAheadOfRelayer<T>(main: RunningNode, submit: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await setMining(main, { intervalMs: 0, auto: false });
    try {
      await mineBlocks(main, 2);
      return await submit();
    } catch (error) {
      if (attempt >= 3 || !/NotContiguous|UnexpectedPredecessor|reverted|0x/i.test((error as Error).message)) throw error;
    } finally {
      await setMining(main, { intervalMs: FAULT_MINING_INTERVAL_MS, auto: true });
    }
  }
}

export async function metricsText(relayer: RelayerProcess): Promise<string> {
  return (await fetch(`${relayer.apiUrl}/metrics`)).text();
}

/** Sum of a Prometheus metric's samples whose labels contain all of `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

// ---------------------------------------------------------------- a faulty RPC proxy

export type ProxyMode = { kind: "pass" } | { kind: "drop" } | { kind: "error"; status: number } | { kind: "delay"; ms: number };

/**
 * A JSON-RPC proxy (node:http) in front of one node. `mode` switches at any time between passing
 * requests through, dropping the connection, answering an HTTP error, or delaying the answer.
 */
export class RpcProxy {
  mode: ProxyMode = { kind: "pass" };
  readonly counts = { passed: 0, dropped: 0, failed: 0, delayed: 0 };
  private readonly sockets = new Set<net.Socket>();
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<RpcProxy> {
    let proxy: RpcProxy | undefined;
    const server = http.createServer((req, res) => void proxy!.handle(req, res, target));
    const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
    proxy = new RpcProxy(server, `http://127.0.0.1:${port}`);
    server.on("connection", (socket) => {
      proxy!.sockets.add(socket);
      socket.once("close", () => proxy!.sockets.delete(socket));
    });
    return proxy;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, target: string): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const mode = this.mode;
    if (mode.kind === "drop") {
      this.counts.dropped++;
      req.socket.destroy();
      return;
    }
    if (mode.kind === "error") {
      this.counts.failed++;
      res.writeHead(mode.status, { "content-type": "text/plain" }).end("proxy: injected failure");
      return;
    }
    if (mode.kind === "delay") {
      this.counts.delayed++;
      await sleep(mode.ms);
    } else {
      this.counts.passed++;
    }
    try {
      const response = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body: Buffer.concat(chunks) });
      const body = Buffer.from(await response.arrayBuffer());
      if (!res.destroyed) res.writeHead(response.status, { "content-type": "application/json" }).end(body);
    } catch {
      req.socket.destroy();
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------- a rogue proposer

export interface RogueSubmission {
  id: bigint;
  tree: CheckpointTree;
  txHash: string;
  blockNumber: number;
}

/**
 * A proposer outside the relayer with its own bond on `destination`'s CheckpointManager. It
 * submits whatever leaves it is given, signed by whichever keys it is given, claiming the
 * validator indices it is given.
 */
export class RogueProposer {
  readonly manager: Contract;
  private readonly validatorSet: Contract;
  constructor(
    readonly wallet: Wallet,
    readonly destination: { file: DeploymentFile; chainId: number },
    readonly sourceChainId: number,
  ) {
    this.manager = contractOf(destination.file, "CheckpointManager", wallet);
    this.validatorSet = contractOf(destination.file, "ValidatorSet", wallet);
  }

  async bond(): Promise<bigint> {
    return ((await this.manager.bondOf(this.wallet.address)) as [bigint, bigint])[0];
  }

  async ensureBond(): Promise<void> {
    const [required] = (await this.manager.submissionBond(this.wallet.address)) as [bigint, bigint];
    const bond = await this.bond();
    if (bond < required) await (await this.manager.depositBond({ value: required - bond })).wait();
  }

  /** Submits the tree of `leaves`; `signers` are (claimed validator index, signing key) pairs. */
  async submit(leaves: CheckpointBlock[], signers: { index: number; key: Wallet }[]): Promise<RogueSubmission> {
    const tree = buildCheckpointTree(leaves);
    const checkpoint = { startBlock: tree.startBlock, endBlock: tree.endBlock, blockRoot: tree.root };
    const packed = [...((await this.validatorSet.packedValidators()) as string[])];
    const domain = checkpointDomain(this.destination.chainId, this.manager.target as string);
    const value = { sourceChainId: this.sourceChainId, ...checkpoint };
    const sorted = [...signers].sort((a, b) => a.index - b.index);
    const signatures = await Promise.all(sorted.map((s) => s.key.signTypedData(domain, CHECKPOINT_TYPES, value)));
    // Built on whatever the chain of checkpoints ends with: the rogue checks nothing.
    const [id, , previousBlockRoot] = (await this.manager.head()) as [bigint, bigint, string];
    const tx = await this.manager.submitCheckpoint(checkpoint, previousBlockRoot, packed, hexlify(Uint8Array.from(sorted.map((s) => s.index))), concat(signatures));
    const receipt = (await tx.wait())!;
    return { id, tree, txHash: receipt.hash, blockNumber: receipt.blockNumber };
  }

  /** The validator index of `address` in the set. */
  async indexOf(address: string): Promise<number> {
    const packed = (await this.validatorSet.packedValidators()) as string[];
    return packed.map((entry) => getAddress(`0x${entry.slice(2, 42)}`)).indexOf(getAddress(address));
  }
}

/** Serves published leaves at `GET /<blockRoot>` (the `roles.challenger.leafSources` protocol). */
export class LeafServer {
  readonly trees = new Map<string, unknown[]>();
  requests = 0;
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<LeafServer> {
    let self: LeafServer | undefined;
    const server = http.createServer((req, res) => {
      self!.requests++;
      const root = (req.url ?? "/").split("/").pop()!.toLowerCase();
      const leaves = self!.trees.get(root);
      if (leaves === undefined) res.writeHead(404).end();
      else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(leaves));
    });
    const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
    self = new LeafServer(server, `http://127.0.0.1:${port}/leaves`);
    return self;
  }

  publish(tree: CheckpointTree, headers: ReadonlyMap<string, string> = new Map()): void {
    this.trees.set(
      tree.root.toLowerCase(),
      tree.blocks.map((b) => ({ number: b.number.toString(), hash: b.hash, receiptsRoot: b.receiptsRoot, header: headers.get(b.hash.toLowerCase()) })),
    );
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, "utf8")) as T;
}
