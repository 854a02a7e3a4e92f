/**
 * Fault injection for the crash-safety tests: `SIDECHAIN_CRASH_POINT=<point>:<intent prefix>`
 * makes the process SIGKILL itself at `point` of the first transaction whose intent starts with
 * the prefix, e.g. `after-record:relay:` kills it between writing a signed relay to the store and
 * broadcasting it. SIGKILL, not exit(): no handler, no flush, exactly what an OOM kill does.
 * Unset, it costs nothing. Never set it on a relayer you rely on.
 */
import { ConfigError } from "../config";
import type { StoredTx } from "../store/txs";

export const CRASH_POINT_ENV = "SIDECHAIN_CRASH_POINT";
export const CRASH_POINTS = ["after-record", "after-broadcast"] as const;
export type CrashPointName = (typeof CRASH_POINTS)[number];

/** Called by the TxSender at each point of a transaction's life. */
export type TxCheckpointHook = (point: CrashPointName, tx: StoredTx) => void;

/** The hook `SIDECHAIN_CRASH_POINT` asks for, or undefined. @throws ConfigError if malformed */
export function crashHookFromEnv(env: NodeJS.ProcessEnv = process.env): TxCheckpointHook | undefined {
  const raw = env[CRASH_POINT_ENV];
  if (raw === undefined || raw === "") return undefined;
  const colon = raw.indexOf(":");
  const point = raw.slice(0, colon) as CrashPointName;
  if (colon < 0 || !CRASH_POINTS.includes(point)) throw new ConfigError(`${CRASH_POINT_ENV}=${raw}: expected <${CRASH_POINTS.join("|")}>:<intent prefix>`);
  const prefix = raw.slice(colon + 1);
  return (at, tx) => {
    if (at === point && tx.intent.startsWith(prefix)) process.kill(process.pid, "SIGKILL");
  };
}
