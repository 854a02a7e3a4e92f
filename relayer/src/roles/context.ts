/** What every role receives (STYLE rule 9/11): config, store, logger, RPC clients, metrics, signature rounds, a stop signal. */
import type { Logger } from "pino";

import { errorMessage, sleep, type RpcClient } from "../chain/provider";
import type { ChainName, Config } from "../config";
import type { Metrics } from "../api/metrics";
import { RelayerError } from "../errors";
import type { Store } from "../store";
import type { SigningRounds } from "./signing";

export interface RoleContext {
  config: Config;
  store: Store;
  log: Logger;
  rpc: Readonly<Record<ChainName, RpcClient>>;
  metrics: Metrics;
  /** The proposer's last signature round per lane, for the API (/status, /health). */
  rounds: SigningRounds;
  signal: AbortSignal;
}

/** One direction of traffic: messages from `source`, checkpoints of `source` on `destination`. */
export interface Lane {
  source: ChainName;
  destination: ChainName;
}

export const LANES: readonly Lane[] = [
  { source: "main", destination: "child" },
  { source: "child", destination: "main" },
];

export const laneName = (lane: Lane): string => `${lane.source}->${lane.destination}`;

/** Longest pause between retries of a failing step, unless the poll interval itself is longer. */
export const MAX_RETRY_DELAY_MS = 5_000;

/**
 * Doubles with each consecutive failure, capped low: after an RPC outage ends, every role is back
 * within MAX_RETRY_DELAY_MS; the steps are cheap enough that retrying that often costs nothing.
 */
export function retryDelayMs(intervalMs: number, failures: number): number {
  return Math.min(intervalMs * 2 ** Math.min(failures, 16), Math.max(intervalMs, MAX_RETRY_DELAY_MS));
}

/**
 * Runs `step` every `intervalMs` until the signal aborts. A failing step is logged and retried
 * after a backoff that grows with consecutive failures; the loop itself never dies. Each step's
 * outcome goes to the metrics (last success, failures, last error: the console and the alerts).
 */
export async function runLoop(
  ctx: Pick<RoleContext, "log" | "signal"> & { metrics?: Pick<Metrics, "recordStep"> },
  at: string,
  intervalMs: number,
  step: () => Promise<boolean | void>,
): Promise<void> {
  let failures = 0;
  while (!ctx.signal.aborted) {
    let busy = false;
    try {
      // A step that returns true has more work queued: run again without waiting.
      busy = (await step()) === true;
      failures = 0;
      ctx.metrics?.recordStep(at, { ok: true });
    } catch (error) {
      if (ctx.signal.aborted) break;
      failures++;
      const retryable = error instanceof RelayerError ? error.retryable : true;
      const code = error instanceof RelayerError ? error.code : undefined;
      ctx.metrics?.recordStep(at, { ok: false, error: errorMessage(error), code });
      ctx.log.warn({ at, code, retryable, failures, err: errorMessage(error) }, "step failed");
    }
    if (!busy) await sleep(failures === 0 ? intervalMs : retryDelayMs(intervalMs, failures), ctx.signal);
  }
}
