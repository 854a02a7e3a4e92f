/**
 * Fork mode of the devnet's main chain: checks a live JSON-RPC endpoint before a Hardhat node is
 * told to fork it.
 *
 * Why probe first: a Hardhat node whose fork URL does not answer does not exit, it retries for
 * minutes before its server starts. One eth_chainId with a short timeout turns that into a one-line
 * error within seconds. The probe also reads the live head, to refuse a FORK_BLOCK above it.
 */

/** What to fork: a JSON-RPC URL and, optionally, the block to fork at (default: its latest block). */
export interface ForkOptions {
  url: string;
  blockNumber?: number;
}

/** What the probe learnt about the live chain. */
export interface ForkSource {
  url: string;
  /** The live chain's id: informative only, the forked chain keeps the configured id (docs/devnet.md). */
  liveChainId: number;
  /** The block the fork starts from: FORK_BLOCK, or the live head at probe time. */
  blockNumber: number;
}

type ForkErrorCode = "FORK_URL_INVALID" | "FORK_UNREACHABLE" | "FORK_NOT_JSON_RPC" | "FORK_BLOCK_INVALID" | "FORK_NODE_FAILED";

export class ForkError extends Error {
  /** An endpoint that is down or timed out may come back; a malformed URL or block never will. */
  readonly retryable: boolean;
  constructor(
    readonly code: ForkErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ForkError";
    this.retryable = code === "FORK_UNREACHABLE" || code === "FORK_NODE_FAILED";
  }
}

export const FORK_PROBE_TIMEOUT_MS = 5_000;

/**
 * The URL without its path and query, for messages: hosted RPC URLs carry the API key there
 * (https://eth-mainnet.example/v2/<key>), and error output ends up in logs and bug reports.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const hidden = parsed.pathname.length > 1 || parsed.search !== "" || parsed.username !== "";
    return `${parsed.protocol}//${parsed.host}${hidden ? "/…" : ""}`;
  } catch {
    return "<malformed URL>";
  }
}

/** Reads FORK_URL / FORK_BLOCK from an environment; undefined when FORK_URL is unset or empty. */
export function forkOptionsFromEnv(env: NodeJS.ProcessEnv): ForkOptions | undefined {
  const url = env.FORK_URL?.trim();
  if (url === undefined || url === "") return undefined;
  const rawBlock = env.FORK_BLOCK?.trim();
  if (rawBlock === undefined || rawBlock === "") return { url };
  const blockNumber = Number(rawBlock);
  if (!Number.isSafeInteger(blockNumber) || blockNumber < 0) {
    throw new ForkError("FORK_BLOCK_INVALID", `FORK_BLOCK=${rawBlock} is not a block number`);
  }
  return { url, blockNumber };
}

/**
 * Asks the endpoint for eth_chainId and eth_blockNumber, each within `timeoutMs`.
 * @throws ForkError with a one-line message naming the URL (redacted) and the cause.
 */
export async function probeFork(fork: ForkOptions, timeoutMs = FORK_PROBE_TIMEOUT_MS): Promise<ForkSource> {
  let parsed: URL;
  try {
    parsed = new URL(fork.url);
  } catch {
    throw new ForkError("FORK_URL_INVALID", `FORK_URL is not a URL: expected http(s)://host:port/…`);
  }
  // Hardhat forks over HTTP(S) only.
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new ForkError("FORK_URL_INVALID", `FORK_URL ${redactUrl(fork.url)} must be an http(s) JSON-RPC URL, not ${parsed.protocol}`);
  }
  const liveChainId = Number(await call(fork.url, "eth_chainId", timeoutMs));
  const head = Number(await call(fork.url, "eth_blockNumber", timeoutMs));
  if (fork.blockNumber !== undefined && fork.blockNumber > head) {
    throw new ForkError("FORK_BLOCK_INVALID", `FORK_BLOCK=${fork.blockNumber} is above the head ${head} of ${redactUrl(fork.url)}`);
  }
  return { url: fork.url, liveChainId, blockNumber: fork.blockNumber ?? head };
}

async function call(url: string, method: string, timeoutMs: number): Promise<bigint> {
  const where = `FORK_URL ${redactUrl(url)}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const reason = timedOut ? `no answer to ${method} within ${timeoutMs} ms` : describeFetchError(error);
    throw new ForkError("FORK_UNREACHABLE", `${where} is unreachable: ${reason}`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ForkError("FORK_NOT_JSON_RPC", `${where} is not a JSON-RPC endpoint: HTTP ${response.status} with a non-JSON body`);
  }
  const result = (body as { result?: unknown } | null)?.result;
  const rpcError = (body as { error?: { message?: unknown } } | null)?.error;
  if (typeof result === "string" && /^0x[0-9a-fA-F]+$/.test(result)) return BigInt(result);
  if (rpcError !== undefined) {
    throw new ForkError("FORK_NOT_JSON_RPC", `${where} refused ${method}: ${String(rpcError.message ?? JSON.stringify(rpcError))}`);
  }
  throw new ForkError("FORK_NOT_JSON_RPC", `${where} is not a JSON-RPC endpoint: HTTP ${response.status}, no ${method} result`);
}

/** fetch() says "fetch failed" and hides the reason (ECONNREFUSED, ENOTFOUND…) in `cause`. */
function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code !== undefined) return cause.code;
  if (cause?.message !== undefined) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** The first line of a node's output that reads like an error, for a one-line failure message. */
export function nodeErrorLine(output: string): string {
  const lines = output.split("\n").map((line) => line.trim()).filter((line) => line.length > 0);
  return lines.find((line) => /error/i.test(line)) ?? lines.at(-1) ?? "no output";
}
