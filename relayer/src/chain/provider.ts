/**
 * The relayer's JSON-RPC client: a plain ethers JsonRpcProvider behind a timeout and retries
 * with exponential backoff. Roles talk to chains only through this wrapper, so a node that
 * stalls or drops requests shows up as a typed, retryable error (and a metric), never as a
 * promise that hangs forever.
 */
import { FetchRequest, JsonRpcProvider, Network } from "ethers";

import { RelayerError } from "../errors";
import type { JsonRpcSender } from "./rpcValues";

export class RpcTimeoutError extends RelayerError {
  readonly code = "RPC_TIMEOUT";
  readonly retryable = true;
  constructor(
    readonly chain: string,
    readonly method: string,
    readonly timeoutMs: number,
  ) {
    super(`${chain}: ${method} timed out after ${timeoutMs} ms`);
  }
}

export class RpcUnavailableError extends RelayerError {
  readonly code = "RPC_UNAVAILABLE";
  readonly retryable = true;
  constructor(
    readonly chain: string,
    readonly method: string,
    cause: unknown,
  ) {
    super(`${chain}: ${method} failed: ${errorMessage(cause)}`, { cause });
  }
}

/** The node answered with a JSON-RPC error (a revert, a bad parameter): retrying will not help. */
export class RpcCallError extends RelayerError {
  readonly code = "RPC_CALL_FAILED";
  readonly retryable = false;
  constructor(
    readonly chain: string,
    readonly method: string,
    cause: unknown,
  ) {
    super(`${chain}: ${method} rejected: ${errorMessage(cause)}`, { cause });
  }
}

export interface RpcOptions {
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  /** Called once per failed attempt (metrics). */
  onError?: (chain: string, method: string, error: RelayerError) => void;
}

/** ethers error codes that mean the node received the request and refused it. */
const REJECTION_CODES = new Set([
  "CALL_EXCEPTION",
  "INVALID_ARGUMENT",
  "UNSUPPORTED_OPERATION",
  "NONCE_EXPIRED",
  "REPLACEMENT_UNDERPRICED",
  "INSUFFICIENT_FUNDS",
  "TRANSACTION_REPLACED",
]);

/** Server-side errors that carry a JSON-RPC error object: the request arrived and was refused. */
function isRpcRejection(error: unknown): boolean {
  const e = error as { code?: unknown; error?: { code?: unknown }; info?: { error?: { code?: unknown } } };
  if (typeof e?.code === "string" && REJECTION_CODES.has(e.code)) return true;
  const rpcCode = e?.error?.code ?? e?.info?.error?.code;
  return typeof rpcCode === "number" && rpcCode !== -32603 && rpcCode !== -32005;
}

export class RpcClient implements JsonRpcSender {
  /** The underlying provider, for ethers Contract reads (which bypass the retry loop). */
  readonly provider: JsonRpcProvider;

  constructor(
    readonly chain: string,
    readonly url: string,
    chainId: number,
    private readonly options: RpcOptions,
  ) {
    const request = new FetchRequest(url);
    request.timeout = options.timeoutMs;
    // staticNetwork: ethers must not poll eth_chainId by itself (we check it once at start).
    this.provider = new JsonRpcProvider(request, Network.from(chainId), { staticNetwork: true, batchMaxCount: 1 });
  }

  /** One JSON-RPC call with timeout and retries; non-retryable rejections surface at once. */
  async send(method: string, params: unknown[]): Promise<unknown> {
    let attempt = 0;
    for (;;) {
      try {
        return await withTimeout(this.provider.send(method, params), this.options.timeoutMs, () => new RpcTimeoutError(this.chain, method, this.options.timeoutMs));
      } catch (cause) {
        const error =
          cause instanceof RelayerError
            ? cause
            : isRpcRejection(cause)
              ? new RpcCallError(this.chain, method, cause)
              : new RpcUnavailableError(this.chain, method, cause);
        this.options.onError?.(this.chain, method, error);
        if (!error.retryable || attempt >= this.options.retries) throw error;
        await sleep(this.options.backoffMs * 2 ** attempt);
        attempt++;
      }
    }
  }

  async blockNumber(): Promise<bigint> {
    return BigInt((await this.send("eth_blockNumber", [])) as string);
  }

  async chainId(): Promise<bigint> {
    return BigInt((await this.send("eth_chainId", [])) as string);
  }

  async call(to: string, data: string, from?: string): Promise<string> {
    return (await this.send("eth_call", [{ to, data, ...(from ? { from } : {}) }, "latest"])) as string;
  }

  async getCode(address: string): Promise<string> {
    return (await this.send("eth_getCode", [address, "latest"])) as string;
  }

  destroy(): void {
    this.provider.destroy();
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Sleeps `ms`, waking early (without throwing) when `signal` aborts, so loops stop promptly. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const short = (error as { shortMessage?: string }).shortMessage ?? error.message;
  // ethers reduces some node errors to "missing revert data"; the node's own words say why.
  const fromNode = (error as { info?: { error?: { message?: unknown } } }).info?.error?.message;
  return typeof fromNode === "string" && fromNode !== "" && !short.includes(fromNode) ? `${short} (node: ${fromNode})` : short;
}
