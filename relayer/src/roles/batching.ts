/**
 * Batch relays for the executor (docs/protocol.md "Batch relay", docs/operations.md "Batch relay"):
 * final messages of one checkpoint, grouped in source order, are relayed by one
 * `Messenger.relayMessages` transaction. Before sending, one eth_call of the whole batch tells
 * each member's outcome; the members that would not relay (their target reverts, or they are done
 * already) leave the batch and go the single path, where the usual checks and retries apply.
 *
 * Exactly once across a SIGKILL: the batch and its members are written to the store before the
 * transaction is signed, and the transaction before it is broadcast (TxSender). While a batch is
 * pending its members are neither batched again nor relayed alone; after a restart its recorded
 * transaction is resumed by intent, and a batch whose transaction was never recorded is dropped
 * (its members were not sent, so they go round again).
 */
import { getBytes } from "ethers";

import { messengerAbi } from "../chain/abi";
import { errorMessage } from "../chain/provider";
import { BatchOutcomeOnChain, buildMessageBatch } from "../proof/messageBatch";
import type { StoredBatch } from "../store/batches";
import type { StoredCheckpoint } from "../store/checkpoints";
import type { StoredMessage } from "../store/messages";
import { SimulationRevertedError } from "../tx/errors";
import type { TxOutcome, TxSender } from "../tx/sender";
import { laneName, type Lane, type RoleContext } from "./context";
import { buildMessageProof, type ProofCache } from "./proofs";

/** What relayMessages spends before its first line (dispatch, guard, pause flag); its gasNeeded leaves it out. */
const BATCH_ENTRY_GAS = 10_000n;

/**
 * The gas limit of a batch transaction: its intrinsic gas, at least the EIP-7623 calldata floor,
 * plus what the simulation said the call needs, with a tenth more for state that moves before it lands.
 */
export function batchGasLimit(calldata: string, gasNeeded: bigint): bigint {
  const bytes = getBytes(calldata);
  let zeros = 0n;
  for (const b of bytes) if (b === 0) zeros++;
  const nonZeros = BigInt(bytes.length) - zeros;
  const standard = 21_000n + 4n * zeros + 16n * nonZeros + ((gasNeeded + BATCH_ENTRY_GAS) * 11n) / 10n;
  const floor = 21_000n + 10n * zeros + 40n * nonZeros;
  return standard > floor ? standard : floor;
}

/** Groups of ready messages to batch: by checkpoint, in source order, `maxMessages` at most each. */
export function groupForBatches(ready: readonly StoredMessage[], maxMessages: number, minMessages: number): { batches: StoredMessage[][]; alone: StoredMessage[] } {
  const byCheckpoint = new Map<number, StoredMessage[]>();
  for (const m of ready) {
    if (m.checkpointId === null) continue;
    const group = byCheckpoint.get(m.checkpointId) ?? [];
    group.push(m);
    byCheckpoint.set(m.checkpointId, group);
  }
  const batches: StoredMessage[][] = [];
  const alone: StoredMessage[] = [];
  for (const group of byCheckpoint.values()) {
    for (let i = 0; i < group.length; i += maxMessages) {
      const chunk = group.slice(i, i + maxMessages);
      if (chunk.length >= minMessages) batches.push(chunk);
      else alone.push(...chunk);
    }
  }
  return { batches, alone };
}

export type BatchResult = {
  /** Members to relay one by one from now on (their target failed in the batch, or they were done, or the batch could not go). */
  single: string[];
};

export class BatchRelayer {
  constructor(
    private readonly ctx: RoleContext,
    private readonly lane: Lane,
    private readonly tx: TxSender,
  ) {}

  private get messenger(): string {
    return this.ctx.config.chains[this.lane.destination].contracts.Messenger;
  }

  /**
   * Simulates, trims, records and sends one batch; records each member's outcome.
   * `ready`/`release`: the launch order's turn (nonces in source order).
   */
  async relay(members: StoredMessage[], cp: StoredCheckpoint, cache: ProofCache, turn: { ready: Promise<void>; release: () => void }): Promise<BatchResult> {
    const { store, log } = this.ctx;
    const settings = this.ctx.config.roles.executor.batch;
    const all = members.map((m) => m.id);
    let proofs;
    try {
      proofs = await Promise.all(members.map((m) => buildMessageProof(this.ctx, m, cp, cache)));
    } catch (error) {
      log.warn({ at: "executor.batch", checkpointId: cp.id, size: members.length, err: errorMessage(error) }, "batch proofs failed: relaying one by one");
      turn.release();
      return { single: all };
    }
    let data = messengerAbi.encodeFunctionData("relayMessages", [buildMessageBatch(proofs)]);
    let outcomes: number[];
    let gasNeeded: bigint;
    try {
      const result = (await this.ctx.rpc[this.lane.destination].send("eth_call", [{ from: this.tx.address, to: this.messenger, data, gas: `0x${settings.maxGas.toString(16)}` }, "latest"])) as string;
      const decoded = messengerAbi.decodeFunctionResult("relayMessages", result);
      outcomes = (decoded[0] as bigint[]).map(Number);
      gasNeeded = decoded[1] as bigint;
    } catch (error) {
      // One member's proof or state stops the whole batch: each one alone tells its own reason.
      log.warn({ at: "executor.batch", checkpointId: cp.id, size: members.length, err: errorMessage(error) }, "batch simulation reverted: relaying one by one");
      turn.release();
      return { single: all };
    }
    const single = members.filter((_, i) => outcomes[i] === BatchOutcomeOnChain.Failed || outcomes[i] === BatchOutcomeOnChain.Skipped).map((m) => m.id);
    const keep = members.filter((_, i) => outcomes[i] === BatchOutcomeOnChain.Relayed);
    if (keep.length < settings.minMessages) {
      turn.release();
      return { single: [...single, ...keep.map((m) => m.id)] };
    }
    if (keep.length < members.length) {
      // The simulated gas is a bound for a subset: a member that leaves only takes its gas with it.
      data = messengerAbi.encodeFunctionData("relayMessages", [buildMessageBatch(keep.map((m) => proofs[members.indexOf(m)]))]);
    }
    const id = `${this.lane.destination}:${cp.id}:${keep[0].id.slice(2, 18)}:${Date.now()}`;
    // Before the transaction exists: a restart must know these members may be on their way.
    store.batches.create({ id, destination: this.lane.destination, checkpointId: cp.id, members: keep.map((m) => m.id) });
    await turn.ready;
    let outcome: TxOutcome;
    try {
      outcome = await this.tx.execute({ intent: `batch:${id}`, to: this.messenger, data, abi: messengerAbi, gasLimit: batchGasLimit(data, gasNeeded), onQueued: turn.release });
    } catch (error) {
      if (!(error instanceof SimulationRevertedError)) throw error;
      store.batches.settle(id, "dropped");
      log.warn({ at: "executor.batch", batchId: id, err: errorMessage(error) }, "batch refused before sending: relaying one by one");
      return { single: [...single, ...keep.map((m) => m.id)] };
    }
    const rest = this.record(keep, outcome);
    store.batches.settle(id, "done");
    log.info({ at: "executor.batch", batchId: id, txHash: outcome.hash, size: keep.length, dropped: members.length - keep.length }, "batch relayed");
    return { single: [...single, ...rest] };
  }

  /** Resumes a batch a previous run recorded: waits for its transaction, or drops it if it was never sent. */
  async resume(batch: StoredBatch): Promise<BatchResult> {
    const { store } = this.ctx;
    const intent = `batch:${batch.id}`;
    const sent = store.txs.latestForIntent(this.lane.destination, intent);
    if (sent === undefined || sent.status !== "pending") {
      // Never signed, or settled: its members' on-chain state is what counts, and the single path reads it.
      store.batches.settle(batch.id, "dropped");
      return { single: batch.members };
    }
    const outcome = await this.tx.execute({ intent, to: sent.to, data: sent.data, abi: messengerAbi, gasLimit: sent.gasLimit });
    const members = batch.members.map((id) => store.messages.get(id)).filter((m): m is StoredMessage => m !== undefined);
    const rest = this.record(members, outcome);
    store.batches.settle(batch.id, "done");
    return { single: rest };
  }

  /** Each member's event in the receipt; those without one (skipped, or past a stop) are returned. */
  private record(members: StoredMessage[], outcome: TxOutcome): string[] {
    const lane = laneName(this.lane);
    const relayedTopic = messengerAbi.getEvent("MessageRelayed")!.topicHash;
    const failedTopic = messengerAbi.getEvent("MessageFailed")!.topicHash;
    const events = new Map<string, string>();
    for (const l of outcome.receipt.logs) {
      if (l.address.toLowerCase() !== this.messenger || (l.topics[0] !== relayedTopic && l.topics[0] !== failedTopic)) continue;
      events.set(l.topics[1].toLowerCase(), l.topics[0]);
    }
    const rest: string[] = [];
    this.ctx.store.transaction(() => {
      for (const m of members) {
        const topic = events.get(m.id);
        if (topic === relayedTopic) {
          this.ctx.store.messages.setStatus(m.id, "relayed", { relayTxHash: outcome.hash });
          this.ctx.metrics.relayed.inc({ lane, outcome: "relayed" });
        } else if (topic === failedTopic) {
          this.ctx.store.messages.recordFailure(m.id, "target call reverted", Date.now() + this.ctx.config.roles.executor.retryBackoffMs, "failed");
          this.ctx.metrics.relayed.inc({ lane, outcome: "target_failed" });
        } else {
          rest.push(m.id);
        }
      }
    });
    return rest;
  }
}
