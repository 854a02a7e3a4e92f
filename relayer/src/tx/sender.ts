/**
 * Transactions of one signer key on one chain: simulate (eth_estimateGas with a margin) → record
 * → send → wait for the receipt, replacing a transaction stuck past a timeout with a fee bump at
 * the SAME nonce. The nonce manager is this class: one instance per key per chain, so nonces are
 * handed out by a single in-process lock and never twice.
 *
 * Restart safety: each signed transaction is written to the store before it is broadcast, and a
 * caller names what the transaction is for (`intent`). Asked again for an intent whose
 * transaction is pending, the sender waits for that one instead of signing a second.
 */
import { Interface, Transaction, Wallet, keccak256, type TransactionReceipt } from "ethers";
import type { Logger } from "pino";

import { errorMessage, sleep, type RpcClient } from "../chain/provider";
import type { Store } from "../store";
import type { StoredTx } from "../store/txs";
import type { TxCheckpointHook } from "./crashPoint";
import { SimulationRevertedError, TxAbortedError, TxDroppedError } from "./errors";

/** How long one fee reading serves new transactions. */
const FEE_CACHE_MS = 1_000;

export interface TxOptions {
  gasMarginPercent: number;
  stuckTimeoutMs: number;
  feeBumpPercent: number;
  receiptPollMs: number;
}

export interface TxRequest {
  /** Stable name of what the tx does; the same intent is never sent twice while one is pending or mined. */
  intent: string;
  to: string;
  data: string;
  value?: bigint;
  /** Lower bound on the gas limit (e.g. a message's gas needs beyond what estimation finds). */
  minGasLimit?: bigint;
  /**
   * A gas limit the caller knows is enough: the call is then simulated with one eth_call at that
   * limit instead of eth_estimateGas, whose binary search runs the call a dozen times or more.
   */
  gasLimit?: bigint;
  /**
   * Called once the request holds its place in the nonce order (recorded, or a pending one
   * resumed), or failed before: callers that must keep an order among their transactions wait for it.
   */
  onQueued?: () => void;
  /** Decodes revert data of a failed simulation into an error name. */
  abi?: Interface;
  /**
   * Simulate once more, with one eth_call on the pending block, inside the nonce lock right before
   * signing: a transaction that races others for the same slot (a checkpoint range) is then
   * dropped unsent if a rival landed, or waits in the pool, since the first simulation.
   */
  recheckBeforeSend?: boolean;
  /**
   * Asked at each poll while the transaction is pending. False: it can only revert now (its
   * purpose was served by someone else), so it is replaced at the same nonce by a no-op (0 ETH to
   * ourselves, fees bumped), which costs 21,000 gas instead of a revert's, and the outcome is
   * `cancelled` if the no-op is what mines.
   */
  stillWanted?: () => Promise<boolean>;
}

export interface TxOutcome {
  hash: string;
  /** `cancelled`: the no-op that replaced it (TxRequest.stillWanted) is what mined. */
  status: "mined" | "reverted" | "cancelled";
  receipt: RpcReceiptLite;
}

/** Gas of a plain transfer: what a no-op replacement costs. */
const NO_OP_GAS = 21_000n;

export interface RpcReceiptLite {
  transactionHash: string;
  status: string;
  blockNumber: string;
  logs: { address: string; topics: string[]; data: string }[];
}

export class TxSender {
  readonly address: string;
  private readonly wallet: Wallet;
  private nextNonce: number | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private nonceReading: { at: number; reading: Promise<number> } | undefined;
  private fees: { at: number; reading: Promise<{ maxFee: bigint; maxPriorityFee: bigint }> } | undefined;

  constructor(
    private readonly rpc: RpcClient,
    private readonly chainId: number,
    privateKey: string,
    private readonly store: Store,
    private readonly options: TxOptions,
    private readonly log: Logger,
    private readonly signal?: AbortSignal,
    /** Sees each transaction after it is recorded and after it is broadcast (tx/crashPoint.ts). */
    private readonly checkpointHook?: TxCheckpointHook,
  ) {
    this.wallet = new Wallet(privateKey);
    this.address = this.wallet.address.toLowerCase();
  }

  get chain(): string {
    return this.rpc.chain;
  }

  /**
   * Rebroadcasts every transaction left pending by a previous run, in nonce order, so no nonce
   * gap blocks later transactions even if nobody asks for that intent again.
   */
  async recover(): Promise<void> {
    for (const tx of this.store.txs.pendingIntents(this.chain)) {
      if (tx.signer !== this.address) continue;
      await this.broadcast(tx);
    }
  }

  /** Simulates, records, sends and waits. @throws SimulationRevertedError, TxDroppedError, TxAbortedError */
  async execute(request: TxRequest): Promise<TxOutcome> {
    try {
      return await this.simulateRecordSend(request);
    } finally {
      request.onQueued?.();
    }
  }

  private async simulateRecordSend(request: TxRequest): Promise<TxOutcome> {
    const previous = this.store.txs.latestForIntent(this.chain, request.intent);
    if (previous !== undefined && previous.status === "pending") {
      this.log.info({ at: "tx.resume", chain: this.chain, intent: request.intent, nonce: previous.nonce, txHash: previous.hash }, "resuming recorded transaction");
      request.onQueued?.();
      await this.broadcast(previous);
      return this.track(previous, request);
    }
    const value = request.value ?? 0n;
    let gasLimit: bigint;
    if (request.gasLimit !== undefined) {
      await this.simulateCall(request, value, request.gasLimit);
      gasLimit = request.gasLimit;
    } else {
      gasLimit = ((await this.simulate(request, value)) * BigInt(100 + this.options.gasMarginPercent)) / 100n;
    }
    if (request.minGasLimit !== undefined && gasLimit < request.minGasLimit) gasLimit = request.minGasLimit;
    const fees = await this.currentFees();

    // Nonce, record and broadcast under one lock: concurrent callers' transactions reach the node
    // in nonce order, so none of them waits in a node's queue behind a gap.
    const tx = await this.withLock(async () => {
      // Before a nonce is taken: a request dropped here leaves no gap.
      if (request.recheckBeforeSend === true) await this.recheck(request, value, gasLimit);
      const nonce = await this.takeNonce();
      const signed = await this.sign({ nonce, to: request.to, data: request.data, value, gasLimit, ...fees });
      // Recorded before broadcast: a crash after this line resumes this exact transaction.
      const recorded = this.store.txs.insert({ chain: this.chain, signer: this.address, nonce, intent: request.intent, to: request.to.toLowerCase(), data: request.data, value, gasLimit, ...fees, ...signed });
      this.checkpointHook?.("after-record", recorded);
      this.log.info({ at: "tx.send", chain: this.chain, intent: request.intent, nonce, txHash: recorded.hash, gasLimit: gasLimit.toString() }, "sending");
      await this.broadcast(recorded);
      this.checkpointHook?.("after-broadcast", recorded);
      return recorded;
    });
    request.onQueued?.();
    return this.track(tx, request);
  }

  /** eth_estimateGas from our address; a revert becomes SimulationRevertedError with the decoded error name. */
  async simulate(request: Pick<TxRequest, "intent" | "to" | "data" | "abi">, value = 0n): Promise<bigint> {
    try {
      const gas = await this.rpc.send("eth_estimateGas", [{ from: this.address, to: request.to, data: request.data, value: `0x${value.toString(16)}` }]);
      return BigInt(gas as string);
    } catch (error) {
      throw this.simulationError(request, error);
    }
  }

  /** One eth_call from our address at `gasLimit`, on the latest (or pending) block. @throws SimulationRevertedError */
  private async simulateCall(request: Pick<TxRequest, "intent" | "to" | "data" | "abi">, value: bigint, gasLimit: bigint, block: "latest" | "pending" = "latest"): Promise<void> {
    try {
      await this.rpc.send("eth_call", [{ from: this.address, to: request.to, data: request.data, value: `0x${value.toString(16)}`, gas: `0x${gasLimit.toString(16)}` }, block]);
    } catch (error) {
      throw this.simulationError(request, error);
    }
  }

  /** The pending block sees rivals still in the node's pool; a node without it gets the latest. @throws SimulationRevertedError */
  private async recheck(request: TxRequest, value: bigint, gasLimit: bigint): Promise<void> {
    try {
      await this.simulateCall(request, value, gasLimit, "pending");
    } catch (error) {
      if (error instanceof SimulationRevertedError) throw error;
      await this.simulateCall(request, value, gasLimit, "latest");
    }
  }

  /** A revert becomes SimulationRevertedError with the decoded error name; anything else is rethrown as it is. */
  private simulationError(request: Pick<TxRequest, "intent" | "abi">, error: unknown): unknown {
    const data = revertData(error);
    if (data === undefined && !/revert/i.test(errorMessage(error))) return error;
    let name: string | undefined;
    try {
      name = data && request.abi ? request.abi.parseError(data)?.name : undefined;
    } catch {
      name = undefined;
    }
    return new SimulationRevertedError(request.intent, data, name, errorMessage(error));
  }

  private async track(first: StoredTx, request?: Pick<TxRequest, "stillWanted">): Promise<TxOutcome> {
    let latest = this.store.txs.atNonce(this.chain, this.address, first.nonce).at(-1) ?? first;
    let lastSentAt = Date.now();
    let nonceUsedPolls = 0;
    let cancelled = isNoOp(latest, this.address);
    for (;;) {
      if (this.signal?.aborted) throw new TxAbortedError(first.intent);
      // One nonce reading serves every transaction being tracked: receipts are asked for only once
      // the nonce is used, so N relays in flight cost one call per poll, not N.
      const used = await this.usedNonces();
      if (used <= first.nonce) {
        // The nonce read after stillWanted's: a head moved by our own transaction shows it used, not unwanted.
        if (!cancelled && request?.stillWanted !== undefined && !(await request.stillWanted()) && (await this.freshUsedNonces()) <= first.nonce) {
          latest = await this.replace(latest, true);
          cancelled = true;
          lastSentAt = Date.now();
        } else if (Date.now() - lastSentAt > this.options.stuckTimeoutMs) {
          latest = await this.replace(latest);
          lastSentAt = Date.now();
        }
        await sleep(this.options.receiptPollMs, this.signal);
        continue;
      }
      const attempts = this.store.txs.atNonce(this.chain, this.address, first.nonce);
      for (const attempt of attempts) {
        const receipt = (await this.rpc.send("eth_getTransactionReceipt", [attempt.hash])) as RpcReceiptLite | null;
        if (receipt) {
          const status = receipt.status === "0x1" ? "mined" : "reverted";
          this.store.txs.settleNonce(this.chain, this.address, attempt.nonce, attempt.hash, status);
          this.log.info({ at: "tx.mined", chain: this.chain, intent: attempt.intent, nonce: attempt.nonce, txHash: attempt.hash, status }, "transaction mined");
          return { hash: attempt.hash, status: status === "mined" && isNoOp(attempt, this.address) && !isNoOp(first, this.address) ? "cancelled" : status, receipt };
        }
      }
      // The nonce is used but by none of ours: after a few polls (receipts may lag), give up on it.
      if (++nonceUsedPolls >= 3) {
        this.store.txs.settleNonce(this.chain, this.address, first.nonce, null, "dropped");
        this.nextNonce = undefined;
        throw new TxDroppedError(first.intent, first.nonce);
      }
      await sleep(this.options.receiptPollMs, this.signal);
    }
  }

  /** eth_getTransactionCount(latest) of our address, read at most once per receiptPollMs by all trackers together. */
  private usedNonces(): Promise<number> {
    const now = Date.now();
    if (this.nonceReading === undefined || now - this.nonceReading.at >= this.options.receiptPollMs) {
      const reading = this.rpc.send("eth_getTransactionCount", [this.address, "latest"]).then((n) => Number(BigInt(n as string)));
      reading.catch(() => (this.nonceReading = undefined));
      this.nonceReading = { at: now, reading };
    }
    return this.nonceReading.reading;
  }

  /** eth_getTransactionCount(latest) now, bypassing the shared reading. */
  private async freshUsedNonces(): Promise<number> {
    return Number(BigInt((await this.rpc.send("eth_getTransactionCount", [this.address, "latest"])) as string));
  }

  /**
   * Same nonce, higher fees, and the same call (a fee bump) or, with `noOp`, 0 ETH to ourselves
   * (a cancel): the only kinds of second transaction we ever send at a nonce.
   */
  private async replace(stuck: StoredTx, noOp = false): Promise<StoredTx> {
    const bump = (fee: bigint) => (fee * BigInt(100 + this.options.feeBumpPercent)) / 100n + 1n;
    const market = await this.currentFees(true);
    const maxPriorityFee = max(bump(stuck.maxPriorityFee), market.maxPriorityFee);
    const maxFee = max(bump(stuck.maxFee), market.maxFee, maxPriorityFee);
    const call = noOp ? { to: this.address, data: "0x", value: 0n, gasLimit: NO_OP_GAS } : { to: stuck.to, data: stuck.data, value: stuck.value, gasLimit: stuck.gasLimit };
    const signed = await this.sign({ nonce: stuck.nonce, ...call, maxFee, maxPriorityFee });
    const tx = this.store.txs.insert({ ...stuck, ...call, maxFee, maxPriorityFee, ...signed });
    if (noOp) this.log.info({ at: "tx.cancel", chain: this.chain, intent: tx.intent, nonce: tx.nonce, txHash: tx.hash, replaces: stuck.hash }, "no longer wanted: replaced by a no-op");
    else this.log.warn({ at: "tx.replace", chain: this.chain, intent: tx.intent, nonce: tx.nonce, txHash: tx.hash, replaces: stuck.hash }, "fee bump");
    await this.broadcast(tx);
    // A node that lost its pool (restart, eviction) lost our later nonces too: send them again behind this one.
    for (const later of this.store.txs.pendingIntents(this.chain)) {
      if (later.signer === this.address && later.nonce > tx.nonce) await this.broadcast(later);
    }
    return tx;
  }

  /** Broadcasts a recorded tx; "already known" and "nonce too low" are expected after a restart. */
  private async broadcast(tx: StoredTx): Promise<void> {
    try {
      await this.rpc.send("eth_sendRawTransaction", [tx.raw]);
    } catch (error) {
      const message = errorMessage(error);
      // Expected when resending: the node has it, or one of ours at this nonce is already mined.
      const expected = /already known|known transaction|nonce too low|nonce has already been used|already imported/i.test(message);
      this.log[expected ? "debug" : "warn"]({ at: "tx.broadcast", chain: this.chain, nonce: tx.nonce, txHash: tx.hash, err: message }, "broadcast refused (tracked by receipt)");
    }
  }

  private async takeNonce(): Promise<number> {
    if (this.nextNonce === undefined) {
      const pending = Number(BigInt((await this.rpc.send("eth_getTransactionCount", [this.address, "pending"])) as string));
      const recorded = this.store.txs.maxNonce(this.chain, this.address);
      this.nextNonce = Math.max(pending, recorded === undefined ? 0 : recorded + 1);
    }
    return this.nextNonce++;
  }

  /**
   * Market fees, fetched at most once per FEE_CACHE_MS: a burst of pipelined transactions shares
   * one reading instead of two RPC calls each. The fee bump path asks for a fresh one.
   */
  private currentFees(fresh = false): Promise<{ maxFee: bigint; maxPriorityFee: bigint }> {
    if (fresh || this.fees === undefined || Date.now() - this.fees.at > FEE_CACHE_MS) {
      const reading = this.readFees();
      reading.catch(() => (this.fees = undefined));
      this.fees = { at: Date.now(), reading };
    }
    return this.fees.reading;
  }

  private async readFees(): Promise<{ maxFee: bigint; maxPriorityFee: bigint }> {
    const block = (await this.rpc.send("eth_getBlockByNumber", ["latest", false])) as { baseFeePerGas?: string };
    let priority = 1_000_000_000n;
    try {
      priority = BigInt((await this.rpc.send("eth_maxPriorityFeePerGas", [])) as string);
    } catch {
      // Older nodes lack the method: 1 gwei tip.
    }
    const base = BigInt(block.baseFeePerGas ?? "0x0");
    return { maxFee: base * 2n + priority, maxPriorityFee: priority };
  }

  private async sign(t: { nonce: number; to: string; data: string; value: bigint; gasLimit: bigint; maxFee: bigint; maxPriorityFee: bigint }): Promise<{ raw: string; hash: string }> {
    const raw = await this.wallet.signTransaction(
      Transaction.from({ type: 2, chainId: this.chainId, nonce: t.nonce, to: t.to, data: t.data, value: t.value, gasLimit: t.gasLimit, maxFeePerGas: t.maxFee, maxPriorityFeePerGas: t.maxPriorityFee }),
    );
    return { raw, hash: keccak256(raw) };
  }

  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}

export type { TransactionReceipt };

/** 0 ETH to ourselves with no data: the cancel of TxRequest.stillWanted. */
function isNoOp(tx: Pick<StoredTx, "to" | "data" | "value">, self: string): boolean {
  return tx.to.toLowerCase() === self && tx.data === "0x" && tx.value === 0n;
}

function max(...values: bigint[]): bigint {
  return values.reduce((a, b) => (a > b ? a : b));
}

/** Revert data from an ethers error, wherever the node or ethers put it. */
export function revertData(error: unknown, depth = 0): string | undefined {
  if (error === null || typeof error !== "object" || depth > 5) return undefined;
  const e = error as { data?: unknown; info?: { error?: { data?: unknown } }; error?: unknown; cause?: unknown };
  for (const candidate of [e.data, e.info?.error?.data, (e.data as { data?: unknown } | undefined)?.data]) {
    if (typeof candidate === "string" && /^0x[0-9a-fA-F]*$/.test(candidate) && candidate.length >= 10) return candidate;
  }
  return revertData(e.cause, depth + 1) ?? revertData(e.error, depth + 1);
}
