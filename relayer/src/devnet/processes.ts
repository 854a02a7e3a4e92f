/**
 * The devnet's relayer and validators as separate `sidechain relayer|validator --config FILE`
 * processes (startDevnet's `processes` mode), so that an operator or a test can stop one of them,
 * watch what the others do, and start it again on the same config and database.
 *
 * Each process runs in its own process group (its output appended to its own log file) and is
 * tracked globally: a last-resort SIGKILL on exit and on SIGINT/SIGTERM, as localChains.ts does for
 * the nodes, so that a failing test never leaves one behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import type net from "node:net";

import { packageRoot, sidechainCliArgs } from "../packageFiles";

export class DevnetProcessError extends Error {
  readonly code = "DEVNET_PROCESS_FAILED";
  readonly retryable = false;
}

export interface DevnetProcessSpec {
  /** `relayer`, `validator-0`, … */
  name: string;
  kind: "relayer" | "validator";
  configFile: string;
  logFile: string;
  /** The relayer's API, or the validator's attestation endpoint. */
  url: string;
  /** The validator's signing address. */
  address?: string;
  /** Node arguments before `relayer|validator --config FILE`; default: the kit's CLI (sidechainCliArgs). */
  cliArgs?: string[];
  /** How long start() waits for the "started" log line; default 120 s (ts-node compiles the CLI first). */
  startTimeoutMs?: number;
}

/** One process of the devnet: where its config and log are, and how to stop and start it. */
export interface DevnetProcess {
  readonly name: string;
  readonly kind: "relayer" | "validator";
  readonly configFile: string;
  readonly logFile: string;
  readonly url: string;
  readonly address?: string;
  /** The running process's id; undefined while stopped. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Starts it (again) on the same config and database; resolves once it logged that it started. No-op while running. */
  start(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after 10 s; resolves once it exited. No-op while stopped. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
const STOP_GRACE_MS = 10_000;
const TAIL_CHARS = 4_000;

export function startDevnetProcess(spec: DevnetProcessSpec): DevnetProcess {
  return new CliProcess(spec);
}

class CliProcess implements DevnetProcess {
  readonly name: string;
  readonly kind: "relayer" | "validator";
  readonly configFile: string;
  readonly logFile: string;
  readonly url: string;
  readonly address?: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private starting: Promise<void> | undefined;

  constructor(private readonly spec: DevnetProcessSpec) {
    this.name = spec.name;
    this.kind = spec.kind;
    this.configFile = spec.configFile;
    this.logFile = spec.logFile;
    this.url = spec.url;
    this.address = spec.address;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): Promise<void> {
    if (this.running) return this.starting ?? Promise.resolve();
    const starting = this.launch();
    this.starting = starting;
    starting.catch(() => undefined).finally(() => {
      if (this.starting === starting) this.starting = undefined;
    });
    return starting;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    signalGroup(child, "SIGTERM");
    const timer = setTimeout(() => signalGroup(child, "SIGKILL"), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private launch(): Promise<void> {
    const args = [...(this.spec.cliArgs ?? sidechainCliArgs()), this.kind, "--config", this.configFile];
    // The devnet's configs carry their keys: keys of the caller's shell must not override them.
    const env: NodeJS.ProcessEnv = { TS_NODE_TRANSPILE_ONLY: "true" };
    for (const [name, value] of Object.entries(process.env)) if (!name.startsWith("SIDECHAIN_")) env[name] = value;
    const child = spawn(process.execPath, args, { cwd: packageRoot(), env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    live.add(child);
    const log = createWriteStream(this.logFile, { flags: "a" });
    let tail = "";
    let started = false;
    let onStarted: (() => void) | undefined;
    let pending = "";
    const collect = (chunk: Buffer) => {
      log.write(chunk);
      const text = chunk.toString("utf8");
      tail = (tail + text).slice(-TAIL_CHARS);
      if (started) return;
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      // pino's JSON line of RelayerService.start: the ports are bound and every role runs.
      if (lines.some((line) => line.includes('"at":"service.start"'))) {
        started = true;
        pending = "";
        onStarted?.();
      }
    };
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    this.exited = new Promise<void>((resolve) => {
      const done = () => {
        live.delete(child);
        log.end();
        resolve();
      };
      // "close", not "exit": the pipes are drained by then, so nothing is written after log.end().
      child.once("close", done);
      child.once("error", (error) => {
        tail += `\nspawn error: ${error.message}`;
        done();
      });
    });
    // The devnet's owner decides how long they live; they must not keep it alive by themselves.
    child.unref();
    (child.stdout as unknown as net.Socket).unref();
    (child.stderr as unknown as net.Socket).unref();

    const timeoutMs = this.spec.startTimeoutMs ?? 120_000;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        signalGroup(child, "SIGKILL");
        reject(new DevnetProcessError(`${this.name} did not start within ${timeoutMs} ms (log ${this.logFile}):\n${tail}`));
      }, timeoutMs);
      onStarted = () => {
        clearTimeout(timer);
        resolve();
      };
      void this.exited.then(() => {
        if (started) return;
        clearTimeout(timer);
        reject(new DevnetProcessError(`${this.name} exited (${child.signalCode ?? child.exitCode}) before it started (log ${this.logFile}):\n${tail.trim()}`));
      });
    });
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    // Negative pid: the whole group, ts-node's compiler included.
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

process.once("exit", () => {
  for (const child of live) signalGroup(child, "SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  const onSignal = () => {
    for (const child of live) signalGroup(child, "SIGKILL");
    process.removeListener(signal, onSignal);
    // Others (the devnet script, localChains.ts) may handle the signal themselves.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.on(signal, onSignal);
}
