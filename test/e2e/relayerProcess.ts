/**
 * Helpers for the end-to-end tests that run the relayer as a REAL child process (`sidechain
 * relayer|validator|proof`): build the CLI once, write config files, spawn/kill/restart the
 * processes, read their JSON logs, and wait for conditions with deadlines.
 *
 * The CLI is compiled once per test run with tsc (tsconfig.build.json, ~4 s) into
 * node_modules/.cache/sidechain-kit-e2e/<hash of the sources>/, so it tests the same JavaScript
 * `npm run build` produces without touching dist/ (other runs may be using it). The folder is
 * under node_modules so the compiled files resolve the project's dependencies.
 *
 * Every process is spawned in its own process group and tracked: stopAllRelayers() for after()
 * hooks, and a last-resort SIGKILL of every group when the test process exits, so a failing test
 * never leaves a relayer behind.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import type net from "node:net";
import path from "node:path";
import { expect } from "chai";
import { Contract, ContractFactory, type JsonRpcProvider, type Wallet } from "ethers";

import { REPO_ROOT, sleep, type Devnet } from "./harness";

// ---------------------------------------------------------------- building the CLI

const CACHE_DIR = path.join(REPO_ROOT, "node_modules", ".cache", "sidechain-kit-e2e");
let builtCli: string | undefined;

/** Path of the compiled cli.js, building it if the relayer's sources changed since the last build. */
export function buildCli(): string {
  if (builtCli !== undefined) return builtCli;
  const hash = createHash("sha256");
  const files = [path.join(REPO_ROOT, "tsconfig.json"), path.join(REPO_ROOT, "tsconfig.build.json"), ...listFiles(path.join(REPO_ROOT, "relayer", "src"))];
  for (const file of files.sort()) hash.update(file).update(readFileSync(file));
  const outDir = path.join(CACHE_DIR, hash.digest("hex").slice(0, 16));
  const cli = path.join(outDir, "relayer", "src", "cli.js");
  if (!existsSync(cli)) {
    // Build beside, then rename: a concurrent run never sees a half-written build.
    const tmp = `${outDir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(CACHE_DIR, { recursive: true });
    const tsc = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
    try {
      execFileSync(process.execPath, [tsc, "-p", path.join(REPO_ROOT, "tsconfig.build.json"), "--outDir", tmp, "--incremental", "false"], { cwd: REPO_ROOT, stdio: "pipe" });
    } catch (error) {
      const e = error as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`building the CLI failed:\n${e.stdout?.toString() ?? ""}${e.stderr?.toString() ?? ""}`);
    }
    try {
      renameSync(tmp, outDir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another run built the same sources first
    }
    // Builds of older sources: drop those untouched for a day (a concurrent run may still use a recent one).
    for (const name of readdirSync(CACHE_DIR)) {
      const dir = path.join(CACHE_DIR, name);
      if (dir !== outDir && Date.now() - statSync(dir).mtimeMs > 86_400_000) rmSync(dir, { recursive: true, force: true });
    }
  }
  builtCli = cli;
  return cli;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}

// ---------------------------------------------------------------- configs

/** Environment without any inherited SIDECHAIN_* key, plus `extra`. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("SIDECHAIN_")) env[k] = v;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export interface RelayerConfigOptions {
  dbPath: string;
  validatorPort?: number;
  validatorEnabled?: boolean;
  validatorUrls?: string[];
  proposer?: boolean;
  executor?: boolean;
  api?: boolean;
  pollIntervalMs?: number;
  maxBlocks?: number;
  maxWaitMs?: number;
  logLevel?: string;
}

/** A relayer/validator config object for a devnet (contracts from its deployment files); no keys. */
export function relayerConfig(devnet: Devnet, o: RelayerConfigOptions): Record<string, unknown> {
  const chain = (name: "main" | "child") => ({
    rpcUrl: devnet[name].url,
    chainId: devnet[name].chainId,
    confirmations: 1,
    pollIntervalMs: o.pollIntervalMs ?? 200,
    deployment: devnet.deployment.files[name],
  });
  return {
    dbPath: o.dbPath,
    chains: { main: chain("main"), child: chain("child") },
    rpc: { timeoutMs: 5_000, retries: 2, backoffMs: 100 },
    roles: {
      validator: { enabled: o.validatorEnabled ?? true, port: o.validatorPort ?? 0 },
      proposer: { enabled: o.proposer ?? true, maxBlocks: o.maxBlocks ?? 16, maxWaitMs: o.maxWaitMs ?? 400, validatorUrls: o.validatorUrls ?? [], attestTimeoutMs: 3_000 },
      executor: { enabled: o.executor ?? true, maxAttempts: 50, retryBackoffMs: 300 },
      challenger: { enabled: false },
    },
    tx: { receiptPollMs: 150, stuckTimeoutMs: 20_000 },
    api: { enabled: o.api ?? true, port: 0 },
    log: { level: o.logLevel ?? "info" },
  };
}

export function writeJson(file: string, value: unknown): string {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}

// ---------------------------------------------------------------- processes

const running = new Set<CliProcess>();

export interface LogLine {
  at?: string;
  msg?: string;
  level?: number;
  [key: string]: unknown;
}

/** A `sidechain relayer|validator` process: its logs, ports, and how to end it. */
export class CliProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly listeners = new Set<(line: LogLine) => void>();

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    let buffer = "";
    const collect = (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      const parts = buffer.split("\n");
      buffer = parts.pop()!;
      for (const line of parts) {
        if (line.length === 0) continue;
        this.lines.push(line);
        if (this.lines.length > 400) this.lines.splice(0, this.lines.length - 400);
        const parsed = parseLog(line);
        if (parsed !== undefined) for (const l of this.listeners) l(parsed);
      }
    };
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitStatus = { code, signal };
        running.delete(this);
        resolve(this.exitStatus);
      });
      child.once("error", () => {
        this.exitStatus = { code: -1, signal: null };
        running.delete(this);
        resolve(this.exitStatus);
      });
    });
    child.unref();
    (child.stdout as unknown as net.Socket).unref();
    (child.stderr as unknown as net.Socket).unref();
    running.add(this);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The last lines of output, for failure messages. */
  output(n = 30): string {
    return this.lines.slice(-n).join("\n");
  }

  /** Resolves with the first log line matching `match`, fails if the process exits first or after `timeoutMs`. */
  waitForLog(match: (line: LogLine) => boolean, what: string, timeoutMs = 30_000): Promise<LogLine> {
    for (const line of this.lines) {
      const parsed = parseLog(line);
      if (parsed !== undefined && match(parsed)) return Promise.resolve(parsed);
    }
    return new Promise((resolve, reject) => {
      const done = (error?: Error, line?: LogLine) => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        if (error !== undefined) reject(error);
        else resolve(line!);
      };
      const listener = (line: LogLine) => {
        if (match(line)) done(undefined, line);
      };
      const timer = setTimeout(() => done(new Error(`${this.name}: no log "${what}" within ${timeoutMs} ms:\n${this.output()}`)), timeoutMs);
      this.listeners.add(listener);
      void this.exited.then((s) => done(new Error(`${this.name} exited (${s.signal ?? s.code}) before logging "${what}":\n${this.output()}`)));
    });
  }

  /** Waits for the service's "started" line; returns its bound ports. */
  async started(timeoutMs = 60_000): Promise<{ api?: number; validator?: number }> {
    const line = await this.waitForLog((l) => l.at === "service.start", "service.start", timeoutMs);
    return line.ports as { api?: number; validator?: number };
  }

  /** SIGKILL to the whole process group, then waits for the exit. */
  async kill(): Promise<void> {
    if (this.exitStatus === undefined) signalGroup(this.child, "SIGKILL");
    await this.exited;
  }

  /** SIGTERM (graceful), SIGKILL after `graceMs`; returns the exit status. */
  async stop(graceMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.exitStatus === undefined) {
      signalGroup(this.child, "SIGTERM");
      const timer = setTimeout(() => signalGroup(this.child, "SIGKILL"), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exitStatus!;
  }
}

function parseLog(line: string): LogLine | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return undefined;
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** Spawns `sidechain <args>` from the compiled CLI, in its own process group. */
export function spawnCli(name: string, args: string[], env: NodeJS.ProcessEnv): CliProcess {
  const child = spawn(process.execPath, [buildCli(), ...args], { cwd: REPO_ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  return new CliProcess(name, child);
}

export interface Keys {
  validator?: string;
  proposer?: string;
  executor?: string;
  challenger?: string;
}

export function keyEnv(keys: Keys): Record<string, string | undefined> {
  return { SIDECHAIN_VALIDATOR_KEY: keys.validator, SIDECHAIN_PROPOSER_KEY: keys.proposer, SIDECHAIN_EXECUTOR_KEY: keys.executor, SIDECHAIN_CHALLENGER_KEY: keys.challenger };
}

/** `sidechain relayer|validator --config file` with keys from the environment; resolves once started. */
export async function startService(
  mode: "relayer" | "validator",
  name: string,
  configFile: string,
  keys: Keys,
  env: Record<string, string> = {},
): Promise<{ process: CliProcess; ports: { api?: number; validator?: number } }> {
  const proc = spawnCli(name, [mode, "--config", configFile], cleanEnv({ ...keyEnv(keys), ...env }));
  try {
    return { process: proc, ports: await proc.started() };
  } catch (error) {
    await proc.kill();
    throw error;
  }
}

/** What a CLI run to completion printed, and how it ended. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** One-shot runs still going: stopAllRelayers() and the exit hook end them too. */
const oneShots = new Set<ChildProcess>();

/**
 * Runs the CLI to completion (for errors, `proof`, the user and stake commands), killing it after
 * `timeoutMs`. The compiled CLI, as the package ships it: a run starts in ~0.7 s where ts-node
 * takes ~4 s, which the tests that run dozens of commands feel.
 */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = cleanEnv(), timeoutMs = 30_000): Promise<CliRun> {
  const child = spawn(process.execPath, [buildCli(), ...args], { cwd: REPO_ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  oneShots.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  const timer = setTimeout(() => signalGroup(child, "SIGKILL"), timeoutMs);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("close", (c, s) => resolve({ code: c, signal: s }));
    child.once("error", () => resolve({ code: -1, signal: null }));
  });
  clearTimeout(timer);
  oneShots.delete(child);
  return { code, signal, stdout, stderr };
}

/** A refusal as the CLI promises it: nothing on stdout, one `sidechain: …` line on stderr, exit `code` (2: bad input). */
export function expectBadInput(run: CliRun, pattern: RegExp, code = 2): void {
  expect(run.code, `exit code; stderr: ${run.stderr}`).to.equal(code);
  expect(run.stdout).to.equal("");
  const lines = run.stderr.trim().split("\n");
  expect(lines, run.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^sidechain: /);
  expect(lines[0]).to.match(pattern);
}

/** SIGKILLs every process these helpers started; for after() hooks. */
export async function stopAllRelayers(): Promise<void> {
  for (const child of oneShots) signalGroup(child, "SIGKILL");
  await Promise.all([...running].map((p) => p.kill()));
}

process.once("exit", () => {
  for (const p of running) signalGroup(p.child, "SIGKILL");
  for (const child of oneShots) signalGroup(child, "SIGKILL");
});

// ---------------------------------------------------------------- waiting and the API

/** Polls `fn` until it returns something other than undefined/false; fails after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string | (() => string | Promise<string>), fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, pollMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      lastError = error; // e.g. an API not listening yet; retried until the deadline
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      const description = typeof what === "string" ? what : await Promise.resolve(what()).catch((e: Error) => `(description failed: ${e.message})`);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${detail}`);
    }
    await sleep(pollMs);
  }
}

/** GET on the relayer API; returns the status and the parsed JSON body (or text). */
export async function apiGet<T = Record<string, unknown>>(port: number, urlPath: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`http://127.0.0.1:${port}${urlPath}`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // metrics are text
  }
  return { status: response.status, body: body as T };
}

// ---------------------------------------------------------------- chains

/** Mines a block every `ms` on the node (automine stays on), so confirmations advance without traffic. */
export async function intervalMining(provider: JsonRpcProvider, ms: number): Promise<void> {
  await provider.send("evm_setIntervalMining", [ms]);
}

/** Deploys a compiled contract (artifacts/contracts/<file>/<name>.json) with plain ethers. */
export async function deployArtifact(file: string, name: string, signer: Wallet, args: unknown[]): Promise<Contract> {
  const artifact = JSON.parse(readFileSync(path.join(REPO_ROOT, "artifacts", "contracts", file, `${name}.json`), "utf8")) as { abi: never; bytecode: string };
  const contract = await new ContractFactory(artifact.abi, artifact.bytecode, signer).deploy(...args);
  await contract.waitForDeployment();
  return new Contract(await contract.getAddress(), artifact.abi, signer);
}

/** A deterministic PRNG (mulberry32): the same seed gives the same kill moments. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------- a running bridge: two validator processes and a relayer

export const NATIVE_TOKEN = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";
export const TOKEN_ABI = ["function balanceOf(address) view returns (uint256)", "function totalSupply() view returns (uint256)", "function approve(address,uint256) returns (bool)", "function mint(address,uint256)"];

export interface BridgeProcesses {
  dir: string;
  dbPath: string;
  validators: CliProcess[];
  validatorUrls: string[];
  relayer: CliProcess;
  apiPort: number;
  keys: Keys;
  /** Writes the relayer's config with `overrides` (same database) and returns its path. */
  writeConfig(name: string, overrides?: Partial<RelayerConfigOptions>): string;
  /** Starts the relayer again on the same database (after kill() or stop()), with `env` added to its environment. */
  restart(configFile?: string, env?: Record<string, string>): Promise<void>;
}

/**
 * Starts two `sidechain validator` processes (validator keys 1 and 2 of the devnet) and a
 * `sidechain relayer` whose in-process validator has key 0. deployDevnet's four validators with
 * the default threshold (3) need both separate processes for every checkpoint. `relayer` changes
 * the relayer's config (as writeConfig does).
 */
export async function startBridge(devnet: Devnet, dir: string, keys: { proposer: string; executor: string }, relayer: Partial<RelayerConfigOptions> = {}): Promise<BridgeProcesses> {
  const validators: CliProcess[] = [];
  const validatorUrls: string[] = [];
  for (const i of [1, 2]) {
    const file = writeJson(path.join(dir, `validator${i}.json`), relayerConfig(devnet, { dbPath: path.join(dir, `validator${i}.sqlite`) }));
    const started = await startService("validator", `validator${i}`, file, { validator: devnet.validators[i].privateKey });
    validators.push(started.process);
    validatorUrls.push(`http://127.0.0.1:${started.ports.validator}`);
  }
  const dbPath = path.join(dir, "relayer.sqlite");
  const relayerKeys: Keys = { validator: devnet.validators[0].privateKey, ...keys };
  const writeConfig = (name: string, overrides: Partial<RelayerConfigOptions> = {}) =>
    writeJson(path.join(dir, name), relayerConfig(devnet, { dbPath, validatorUrls, ...overrides }));
  const configFile = writeConfig("relayer.json", relayer);
  const first = await startService("relayer", "relayer", configFile, relayerKeys);
  const bridge: BridgeProcesses = {
    dir,
    dbPath,
    validators,
    validatorUrls,
    relayer: first.process,
    apiPort: first.ports.api!,
    keys: relayerKeys,
    writeConfig,
    async restart(file = configFile, env = {}) {
      if (bridge.relayer.exitStatus === undefined) throw new Error("restart(): the relayer is still running");
      const next = await startService("relayer", "relayer", file, relayerKeys, env);
      bridge.relayer = next.process;
      bridge.apiPort = next.ports.api!;
    },
  };
  return bridge;
}

/** What /messages/:id says about a message id (undefined while the relayer has not seen it). */
export async function messageStatus(apiPort: number, id: string): Promise<string | undefined> {
  const { status, body } = await apiGet<{ status?: string }>(apiPort, `/messages/${id.toLowerCase()}`);
  return status === 200 ? body.status : undefined;
}

/** The bridge message id a DepositInitiated/WithdrawalInitiated event of `receipt` carries. */
export function bridgeMessageId(bridge: Contract, receipt: { logs: readonly { topics: readonly string[]; data: string }[] }, event: "DepositInitiated" | "WithdrawalInitiated"): string {
  for (const log of receipt.logs) {
    const parsed = bridge.interface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed?.name === event) return (parsed.args.messageId as string).toLowerCase();
  }
  throw new Error(`no ${event} in the receipt`);
}

// ---------------------------------------------------------------- the deposit + withdrawal round trip (Hardhat or anvil child)

export interface RoundTripResult {
  token: Contract;
  childEth: Contract;
  childToken: Contract;
  messageIds: string[];
}

/**
 * ETH and ERC20 deposits main → child (minted on the child), then withdrawals child → main
 * (released on main), through the running relayer; checks balances, that the API reports every
 * message relayed, and the lockbox invariant with nothing in flight (lockbox == child supply).
 * `user` is funded on both chains; `expect` is chai's.
 */
export async function roundTrip(devnet: Devnet, apiPort: () => number, user: { main: Wallet; child: Wallet }, expect: Chai.ExpectStatic): Promise<RoundTripResult> {
  const ether = 10n ** 18n;
  const mainFile = devnet.deployment.main;
  const childFile = devnet.deployment.child;
  const artifactAbi = (name: string) => (JSON.parse(readFileSync(path.join(REPO_ROOT, "artifacts", "contracts", name), "utf8")) as { abi: never }).abi;
  const rootBridge = new Contract(mainFile.contracts.RootBridge!.address, artifactAbi("root/RootBridge.sol/RootBridge.json"), user.main);
  const childBridge = new Contract(childFile.contracts.ChildBridge!.address, artifactAbi("child/ChildBridge.sol/ChildBridge.json"), user.child);
  const lockbox = mainFile.contracts.Lockbox!.address;
  const recipient = `0x${createHash("sha256").update(`recipient ${Date.now()} ${Math.random()}`).digest("hex").slice(0, 40)}`;

  const token = await deployArtifact("test/TestERC20.sol", "TestERC20", user.main, ["Test Token", "TT", 18]);
  await (await token.getFunction("mint")(user.main.address, 1_000n * ether)).wait();
  await (await token.getFunction("approve")(mainFile.contracts.RootBridge!.address, 1_000n * ether)).wait();

  const ids: string[] = [];
  const ethDeposit = (await (await rootBridge.getFunction("depositETH")(user.child.address, { value: 3n * ether })).wait())!;
  ids.push(bridgeMessageId(rootBridge, ethDeposit, "DepositInitiated"));
  const tokenDeposit = (await (await rootBridge.getFunction("depositERC20")(await token.getAddress(), user.child.address, 100n * ether)).wait())!;
  ids.push(bridgeMessageId(rootBridge, tokenDeposit, "DepositInitiated"));

  const childEth = new Contract((await childBridge.getFunction("predictChildToken")(NATIVE_TOKEN)) as string, TOKEN_ABI, user.child);
  const childToken = new Contract((await childBridge.getFunction("predictChildToken")(await token.getAddress())) as string, TOKEN_ABI, user.child);
  const balanceOf = async (t: Contract, who: string) => ((await t.getFunction("balanceOf")(who)) as bigint);
  const hasCode = async (c: Contract) => (await c.runner!.provider!.getCode(await c.getAddress())) !== "0x";
  await waitFor("both deposits minted on the child", async () => (await hasCode(childEth)) && (await hasCode(childToken)) && (await balanceOf(childEth, user.child.address)) === 3n * ether && (await balanceOf(childToken, user.child.address)) === 100n * ether, 120_000);

  const ethWithdrawal = (await (await childBridge.getFunction("withdraw")(await childEth.getAddress(), recipient, 1n * ether)).wait())!;
  ids.push(bridgeMessageId(childBridge, ethWithdrawal, "WithdrawalInitiated"));
  const tokenWithdrawal = (await (await childBridge.getFunction("withdraw")(await childToken.getAddress(), recipient, 40n * ether)).wait())!;
  ids.push(bridgeMessageId(childBridge, tokenWithdrawal, "WithdrawalInitiated"));
  await waitFor("both withdrawals released on main", async () => (await devnet.main.provider.getBalance(recipient)) === 1n * ether && (await balanceOf(token, recipient)) === 40n * ether, 120_000);

  // The relayer's own view: every message relayed (it may record that a poll after the chain does).
  await waitFor(async () => `all four messages relayed in /messages (${JSON.stringify(await Promise.all(ids.map((id) => messageStatus(apiPort(), id))))})`,
    async () => (await Promise.all(ids.map((id) => messageStatus(apiPort(), id)))).every((s) => s === "relayed"), 20_000);

  // Balances and the lockbox invariant: nothing in flight, so lockbox == child supply, per token.
  expect(await balanceOf(childEth, user.child.address)).to.equal(2n * ether);
  expect(await balanceOf(childToken, user.child.address)).to.equal(60n * ether);
  expect(await balanceOf(token, user.main.address)).to.equal(900n * ether);
  // The root bridge holds the native currency itself, the lockbox the tokens.
  const ethHolder = mainFile.contracts.RootBridge!.address;
  expect(await devnet.main.provider.getBalance(ethHolder)).to.equal((await childEth.getFunction("totalSupply")()) as bigint);
  expect(await balanceOf(token, lockbox)).to.equal((await childToken.getFunction("totalSupply")()) as bigint);
  expect(await devnet.main.provider.getBalance(ethHolder)).to.equal(2n * ether);
  expect(await balanceOf(token, lockbox)).to.equal(60n * ether);
  return { token, childEth, childToken, messageIds: ids };
}
