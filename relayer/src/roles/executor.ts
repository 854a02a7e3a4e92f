/**
 * Executor of one lane: mirrors the destination CheckpointManager's CheckpointSubmitted /
 * CheckpointsReverted events into the store (with a record of each challenge and the bond it
 * slashed), checks every execution on the destination's Messenger against the messages the
 * watcher saw (./executions.ts), then moves every stored message forward:
 * sent → checkpointed (a checkpoint covers its block) → final (checkpointStatus) → relayed.
 * Before relaying it asks the destination whether the message is already done (messageStatus)
 * and simulates relayMessage with one eth_call; the relay transaction's intent is the message id, so a restart never
 * sends a second relay while the first is pending. Failures are retried with backoff.
 *
 * Relays are pipelined: each message moves on its own task (up to `maxInFlight` per lane), and the
 * loop goes on polling while earlier relays wait for their receipts. The one TxSender of the key
 * hands out the nonces, so in-flight relays land in consecutive nonces of the same block.
 *
 * Batches (./batching.ts, `roles.executor.batch`): a message found final is left for the next
 * pass, which relays the final messages of one checkpoint together with relayMessages; a member
 * that cannot go in a batch, or a lone one, takes the single path above.
 */
import {
  BOND_SLASHED_TOPIC,
  CHECKPOINTS_REVERTED_TOPIC,
  CHECKPOINT_SUBMITTED_TOPIC,
  CheckpointStatusOnChain,
  MESSAGE_FAILED_TOPIC,
  MESSAGE_RELAYED_TOPIC,
  MessageStatusOnChain,
  checkpointManagerAbi,
  messengerAbi,
  readContract,
} from "../chain/abi";
import { RpcTimeoutError, RpcUnavailableError, errorMessage } from "../chain/provider";
import type { RpcLog } from "../chain/rpcValues";
import { RelayerError } from "../errors";
import type { StoredMessage } from "../store/messages";
import { SimulationRevertedError } from "../tx/errors";
import type { TxOutcome, TxSender } from "../tx/sender";
import { MAX_RETRY_DELAY_MS, laneName, runLoop, type Lane, type RoleContext } from "./context";
import { BatchRelayer, groupForBatches } from "./batching";
import { judgeExecutions, noteExecution } from "./executions";
import { CheckpointMismatchError, ProofCache, buildMessageProof } from "./proofs";

/** Blocks of destination logs scanned per call. */
const LOG_RANGE = 2_000;
/** Gas the relay transaction needs around the target call and its calldata: the proof check and bookkeeping. */
const RELAY_OVERHEAD_GAS = 300_000n;

/**
 * A gas limit that suffices for every proof seen so far, so relays skip eth_estimateGas (which is
 * still the fallback on MessengerInsufficientGas): what the Messenger demands
 * before the call (protocol.md: gasLimit + gasLimit/63 + 40,000), the proof check, and 16 gas per
 * calldata byte (a large receipt makes a long proof). Unused gas is not paid for.
 */
export function relayGasLimit(messageGasLimit: bigint, calldata: string): bigint {
  const calldataBytes = BigInt((calldata.length - 2) / 2);
  return messageGasLimit + messageGasLimit / 63n + 40_000n + RELAY_OVERHEAD_GAS + 16n * calldataBytes;
}
/** Bounds what the proof cache holds (receipts, tries and trees of a few dozen blocks); past it, it starts afresh. */
const MAX_CACHED_PROOF_ENTRIES = 96;

/** Called on every CheckpointsReverted; the challenger role (roles/challenger) hooks in here. */
export type CheckpointRevertedHook = (event: { destination: string; fromId: number; toId: number; challenger: string; fraud: number }) => void;

export class Executor {
  constructor(
    private readonly ctx: RoleContext,
    readonly lane: Lane,
    private readonly tx: TxSender | undefined,
    private readonly onReverted?: CheckpointRevertedHook,
  ) {
    this.batches = tx !== undefined && ctx.config.roles.executor.batch.enabled ? new BatchRelayer(ctx, lane, tx) : undefined;
  }

  /** Messages being advanced right now, by id: never two tasks for one message. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /**
   * Kept across steps: a block's receipts are fetched and its trie built once, not per message or
   * per poll. Entries are keyed by block hash and checkpoint root, so they never go stale.
   */
  private cache = new ProofCache();
  /** Relays take their nonces in launch order (source order): a token's first deposit is never overtaken. */
  private readonly order = new LaunchOrder();
  /** Messages in a batch task right now: never launched alone meanwhile. */
  private readonly batched = new Set<string>();
  /** Messages that go the single path from now on (they left a batch, or were ready alone). */
  private readonly single = new Set<string>();
  private readonly batches: BatchRelayer | undefined;

  run(): Promise<void> {
    const loop = runLoop(this.ctx, `executor.${laneName(this.lane)}`, this.ctx.config.chains[this.lane.destination].pollIntervalMs, async () => (await this.launch()).more);
    // Stopping waits for the relays in flight: each ends at its next await once the signal aborts.
    return loop.finally(() => Promise.allSettled(this.inFlight.values())).then(() => undefined);
  }

  /** One pass that also waits for every relay it started (tests and one-shot use). */
  async step(): Promise<boolean> {
    const { more, started } = await this.launch();
    await Promise.allSettled(started);
    return more;
  }

  /** Mirrors checkpoints, then starts a task for each pending message not already in flight. */
  private async launch(): Promise<{ more: boolean; started: Promise<void>[] }> {
    const more = await this.syncCheckpoints();
    if (this.cache.size > MAX_CACHED_PROOF_ENTRIES) this.cache = new ProofCache();
    const { maxInFlight: limit, batch } = this.ctx.config.roles.executor;
    const statuses = new Map<number, Promise<number>>();
    const started: Promise<void>[] = [];
    // With batches, a pass must see past the messages in flight: they are many more than maxInFlight.
    const pending = this.ctx.store.messages.pending(this.lane.destination, Date.now(), this.batches === undefined ? 200 : Math.max(200, 16 * batch.maxMessages));
    if (this.batches !== undefined) started.push(...(await this.launchBatches(pending, limit, statuses)));
    for (const message of pending) {
      if (this.ctx.signal.aborted || this.inFlight.size >= limit) break;
      if (this.inFlight.has(message.id) || this.batched.has(message.id)) continue;
      const turn = this.order.take();
      const task = this.advance(message, this.cache, statuses, turn)
        .catch((error: unknown) => this.ctx.log.error({ at: "executor.task", messageId: message.id, err: errorMessage(error) }, "relay task failed"))
        .finally(() => {
          turn.release();
          this.inFlight.delete(message.id);
        });
      this.inFlight.set(message.id, task);
      started.push(task);
    }
    return { more, started };
  }

  /**
   * Resumes batches a previous run left pending, then starts one task per group of final messages
   * of one checkpoint (each takes one in-flight place); lone ones are left to the single path.
   */
  private async launchBatches(pending: readonly StoredMessage[], limit: number, statuses: Map<number, Promise<number>>): Promise<Promise<void>[]> {
    const batches = this.batches!;
    const { store } = this.ctx;
    // Messages of a checkpoint that became final are promoted here, one checkpointStatus per
    // checkpoint, rather than one task each: a burst is then batched in one pass, not maxInFlight at a time.
    const promoted = await this.promoteFinal(pending, statuses);
    const settings = this.ctx.config.roles.executor.batch;
    const started: Promise<void>[] = [];
    const track = (key: string, members: string[], run: (turn: Turn) => Promise<{ single: string[] }>): void => {
      for (const id of members) this.batched.add(id);
      const turn = this.order.take();
      const task = run(turn)
        .then((result) => result.single.forEach((id) => this.single.add(id)))
        .catch((error: unknown) => {
          // Unknown outcome (the node failed us mid-way): the single path reads each member's state.
          members.forEach((id) => this.single.add(id));
          this.ctx.log.error({ at: "executor.batch", batch: key, err: errorMessage(error) }, "batch task failed");
        })
        .finally(() => {
          turn.release();
          for (const id of members) this.batched.delete(id);
          this.inFlight.delete(key);
        });
      this.inFlight.set(key, task);
      started.push(task);
    };
    const held = new Set<string>();
    for (const recorded of store.batches.pending(this.lane.destination)) {
      recorded.members.forEach((id) => held.add(id));
      const key = `batch:${recorded.id}`;
      // A batch of this run is still in its own task: only one a previous run left is resumed.
      if (this.inFlight.has(key) || recorded.members.some((id) => this.batched.has(id))) continue;
      track(key, recorded.members, () => batches.resume(recorded));
    }
    const ready = pending.filter(
      (m) => (m.status === "final" || promoted.has(m.id)) && m.attempts === 0 && !this.inFlight.has(m.id) && !this.batched.has(m.id) && !this.single.has(m.id) && !held.has(m.id),
    );
    const { batches: groups, alone } = groupForBatches(ready, settings.maxMessages, settings.minMessages);
    for (const m of alone) this.single.add(m.id);
    for (const group of groups) {
      if (this.ctx.signal.aborted || this.inFlight.size >= limit) break;
      const cp = store.checkpoints.covering(this.lane.destination, group[0].blockNumber);
      // Reverted or replaced since the message was found final: the single path re-reads it.
      if (cp === undefined || cp.id !== group[0].checkpointId) continue;
      const members = group.map((m) => m.id);
      track(`batch:${cp.id}:${members[0]}`, members, (turn) => batches.relay(group, cp, this.cache, turn));
    }
    return started;
  }

  /** Marks final, in one store transaction, the fresh messages whose covering checkpoint is final now. */
  private async promoteFinal(pending: readonly StoredMessage[], statuses: Map<number, Promise<number>>): Promise<Set<string>> {
    const { store } = this.ctx;
    const byCheckpoint = new Map<number, StoredMessage[]>();
    for (const m of pending) {
      if (m.status === "final" || m.status === "failed" || m.attempts > 0 || this.inFlight.has(m.id) || this.batched.has(m.id)) continue;
      const cp = store.checkpoints.covering(this.lane.destination, m.blockNumber);
      if (cp === undefined) continue;
      byCheckpoint.set(cp.id, [...(byCheckpoint.get(cp.id) ?? []), m]);
    }
    const promoted = new Set<string>();
    const rpc = this.ctx.rpc[this.lane.destination];
    const cm = this.ctx.config.chains[this.lane.destination].contracts.CheckpointManager;
    await Promise.all(
      [...byCheckpoint.keys()].map(async (id) => {
        let status = statuses.get(id);
        if (status === undefined) {
          status = readContract(rpc, checkpointManagerAbi, cm, "checkpointStatus", [id]).then((r) => Number(r[0]));
          statuses.set(id, status);
        }
        if ((await status.catch(() => -1)) === CheckpointStatusOnChain.Final) byCheckpoint.get(id)!.forEach((m) => promoted.add(m.id));
      }),
    );
    store.transaction(() => {
      for (const [id, members] of byCheckpoint) {
        for (const m of members) {
          if (!promoted.has(m.id)) continue;
          store.messages.setStatus(m.id, "final", { checkpointId: id });
          // This pass's copy too: the grouping below reads it.
          m.checkpointId = id;
        }
      }
    });
    return promoted;
  }

  /** Mirrors checkpoint events of the destination up to its safe head. Returns true if more remain. */
  async syncCheckpoints(): Promise<boolean> {
    const { store, config } = this.ctx;
    const dst = config.chains[this.lane.destination];
    const rpc = this.ctx.rpc[this.lane.destination];
    const cursorName = `checkpoints:${this.lane.destination}`;
    const from = store.cursors.get(cursorName) ?? dst.deployedAtBlock ?? 0;
    const head = Number(await rpc.blockNumber()) - (typeof dst.confirmations === "number" ? dst.confirmations : 0);
    if (head < from) return false;
    const to = Math.min(head, from + LOG_RANGE - 1);
    const logs = (await rpc.send("eth_getLogs", [
      {
        address: [dst.contracts.CheckpointManager, dst.contracts.Messenger],
        topics: [[CHECKPOINT_SUBMITTED_TOPIC, CHECKPOINTS_REVERTED_TOPIC, BOND_SLASHED_TOPIC, MESSAGE_RELAYED_TOPIC, MESSAGE_FAILED_TOPIC]],
        fromBlock: `0x${from.toString(16)}`,
        toBlock: `0x${to.toString(16)}`,
      },
    ])) as (RpcLog & { transactionHash: string; blockNumber: string; removed?: boolean })[];
    const reverted: Parameters<CheckpointRevertedHook>[0][] = [];
    const live = logs.filter((log) => !log.removed);
    // BondSlashed follows CheckpointsReverted in the same transaction: the challenge record takes both.
    const slashes = new Map<string, { proposer: string; amount: bigint; reward: bigint }>();
    for (const log of live) {
      if (log.topics[0] !== BOND_SLASHED_TOPIC || log.address.toLowerCase() !== dst.contracts.CheckpointManager) continue;
      const parsed = checkpointManagerAbi.parseLog({ topics: log.topics, data: log.data })!;
      slashes.set(log.transactionHash.toLowerCase(), { proposer: (parsed.args.proposer as string).toLowerCase(), amount: parsed.args.amount as bigint, reward: parsed.args.reward as bigint });
    }
    store.transaction(() => {
      for (const log of live) {
        if (log.address.toLowerCase() === dst.contracts.Messenger) {
          noteExecution(store, this.lane, log);
          continue;
        }
        const parsed = checkpointManagerAbi.parseLog({ topics: log.topics, data: log.data });
        if (parsed === null || parsed.name === "BondSlashed") continue;
        if (parsed.name === "CheckpointSubmitted") {
          store.checkpoints.upsert({
            destination: this.lane.destination,
            id: Number(parsed.args.id),
            startBlock: Number(parsed.args.startBlock),
            endBlock: Number(parsed.args.endBlock),
            blockRoot: (parsed.args.blockRoot as string).toLowerCase(),
            finalizesAt: Number(parsed.args.finalizesAt),
            proposer: (parsed.args.proposer as string).toLowerCase(),
            txHash: log.transactionHash.toLowerCase(),
            signers: (parsed.args.signers as string).toLowerCase(),
            submittedBlock: Number(BigInt(log.blockNumber)),
          });
        } else {
          const fromId = Number(parsed.args.fromId);
          const txHash = log.transactionHash.toLowerCase();
          const slash = slashes.get(txHash);
          const event = { destination: this.lane.destination, fromId, toId: Number(parsed.args.toId), challenger: parsed.args.challenger as string, fraud: Number(parsed.args.fraud) };
          // Kept before the mirror forgets them: the console shows what was challenged and why.
          store.challenges.record({
            ...event,
            challenger: event.challenger.toLowerCase(),
            txHash,
            blockNumber: Number(BigInt(log.blockNumber)),
            proposer: slash?.proposer ?? null,
            slashed: slash?.amount ?? null,
            reward: slash?.reward ?? null,
            reverted: store.checkpoints.from(this.lane.destination, fromId),
          });
          store.checkpoints.revertFrom(this.lane.destination, fromId);
          store.messages.uncheckpoint(this.lane.destination, fromId);
          reverted.push(event);
        }
      }
      store.cursors.set(cursorName, to + 1);
    });
    judgeExecutions(this.ctx, this.lane);
    for (const event of reverted) {
      this.ctx.metrics.challenges.inc({ chain: this.lane.destination });
      this.ctx.log.warn({ at: "executor.reverted", ...event }, "checkpoints reverted by a challenge");
      this.onReverted?.(event);
    }
    return to < head;
  }

  /**
   * Moves one message as far as it goes now. Cheap checks first: a message no checkpoint covers
   * costs no RPC call, and each checkpoint's status is read once per pass (`statuses`).
   */
  private async advance(message: StoredMessage, cache: ProofCache, statuses: Map<number, Promise<number>>, turn: Turn): Promise<void> {
    const { store, config, log } = this.ctx;
    const { maxAttempts, retryBackoffMs } = config.roles.executor;
    if (message.attempts >= maxAttempts) return;
    try {
      const cp = store.checkpoints.covering(this.lane.destination, message.blockNumber);
      // A message the destination holds as failed was relayed once: it must be retried, checkpoint or not.
      if (cp === undefined && message.status !== "failed") {
        if (message.status !== "sent") store.messages.setStatus(message.id, "sent", { checkpointId: null });
        return;
      }
      // Ask the destination only where our own relay simulation will not tell: without an executor
      // key (was it relayed by a user with the API's proof?) and for a message that failed before.
      if (this.tx === undefined || message.status === "failed") {
        const onChain = await this.onChainStatus(message);
        if (onChain === MessageStatusOnChain.Relayed) {
          store.messages.setStatus(message.id, "relayed");
          log.info({ at: "executor.relayed", messageId: message.id }, "message relayed");
          return;
        }
        if (onChain === MessageStatusOnChain.Failed) return await this.retryFailed(message, turn);
      }
      if (cp === undefined) {
        store.messages.setStatus(message.id, "sent", { checkpointId: null });
        return;
      }

      const dstRpc = this.ctx.rpc[this.lane.destination];
      const cm = config.chains[this.lane.destination].contracts.CheckpointManager;
      let status = statuses.get(cp.id);
      if (status === undefined) {
        status = readContract(dstRpc, checkpointManagerAbi, cm, "checkpointStatus", [cp.id]).then((r) => Number(r[0]));
        statuses.set(cp.id, status);
      }
      if ((await status) !== CheckpointStatusOnChain.Final) {
        if (message.status !== "checkpointed") store.messages.setStatus(message.id, "checkpointed", { checkpointId: cp.id });
        return;
      }
      if (message.status !== "final") store.messages.setStatus(message.id, "final", { checkpointId: cp.id });
      if (this.tx === undefined) return;
      // A fresh final message waits one pass for its batch (launchBatches) unless it must go alone.
      if (this.batches !== undefined && message.attempts === 0 && !this.single.has(message.id)) return;

      const proof = await buildMessageProof(this.ctx, message, cp, cache);
      const messenger = config.chains[this.lane.destination].contracts.Messenger;
      const data = messengerAbi.encodeFunctionData("relayMessage", [proof]);
      // The sender eth_calls relayMessage at this limit before sending: a proof the destination
      // refuses reverts there with its precise reason (checkRelay's errors), without spending gas.
      const request = { intent: `relay:${message.id}`, to: messenger, data, abi: messengerAbi, onQueued: turn.release };
      let outcome: TxOutcome;
      await turn.ready;
      try {
        outcome = await this.tx.execute({ ...request, gasLimit: relayGasLimit(message.gasLimit, data) });
      } catch (error) {
        if (!(error instanceof SimulationRevertedError)) throw error;
        // Relayed once, and its target reverted: the destination holds it for retryMessage.
        if (error.errorName === "MessengerMessageFailed") return await this.retryFailed(message, turn);
        // An exceptional proof check outgrew our bound: let eth_estimateGas find the limit.
        if (error.errorName !== "MessengerInsufficientGas") throw error;
        outcome = await this.tx.execute({ ...request, minGasLimit: relayGasLimit(message.gasLimit, data) });
      }
      this.recordOutcome(message, outcome);
    } catch (error) {
      if (error instanceof SimulationRevertedError && error.errorName === "MessengerAlreadyRelayed") {
        store.messages.setStatus(message.id, "relayed");
        log.info({ at: "executor.relayed", messageId: message.id }, "message relayed (by someone else)");
        return;
      }
      if (this.ctx.signal.aborted) return;
      // A node that is down or stalls says nothing about the message: retry soon, without using up an attempt.
      const transient = error instanceof RpcTimeoutError || error instanceof RpcUnavailableError;
      const retryable = error instanceof RelayerError ? error.retryable : true;
      // A checkpoint that is not ours stays the challenger's business; retry later in case it gets reverted.
      const status = error instanceof CheckpointMismatchError ? message.status : "failed";
      const attempts = message.attempts + (transient ? 0 : 1);
      const delay = transient ? MAX_RETRY_DELAY_MS : retryBackoffMs * 2 ** Math.min(message.attempts, 8);
      store.messages.recordFailure(message.id, errorMessage(error), Date.now() + delay, status === "relayed" ? "failed" : status, !transient);
      this.ctx.metrics.relayed.inc({ lane: laneName(this.lane), outcome: "error" });
      log.warn({ at: "executor.fail", messageId: message.id, attempts, retryable, err: errorMessage(error) }, "relay attempt failed");
      if (attempts >= maxAttempts) {
        this.ctx.metrics.relayed.inc({ lane: laneName(this.lane), outcome: "gave_up" });
        log.error({ at: "executor.give_up", messageId: message.id, attempts, err: errorMessage(error) }, "giving up on this message: relay it with `sidechain relay`, or raise maxAttempts and restart");
      }
    }
  }

  private recordOutcome(message: StoredMessage, outcome: TxOutcome): void {
    const lane = laneName(this.lane);
    const relayedTopic = messengerAbi.getEvent("MessageRelayed")!.topicHash;
    const failedTopic = messengerAbi.getEvent("MessageFailed")!.topicHash;
    const mine = outcome.receipt.logs.filter((l) => l.topics[1]?.toLowerCase() === message.id);
    if (mine.some((l) => l.topics[0] === relayedTopic)) {
      this.ctx.store.messages.setStatus(message.id, "relayed", { relayTxHash: outcome.hash });
      this.ctx.metrics.relayed.inc({ lane, outcome: "relayed" });
      this.ctx.log.info({ at: "executor.relay", messageId: message.id, txHash: outcome.hash }, "relayed");
    } else if (mine.some((l) => l.topics[0] === failedTopic)) {
      // The target reverted: the messenger kept the message as failed; retryMessage later.
      this.ctx.store.messages.recordFailure(message.id, "target call reverted", Date.now() + this.ctx.config.roles.executor.retryBackoffMs, "failed");
      this.ctx.metrics.relayed.inc({ lane, outcome: "target_failed" });
      this.ctx.log.warn({ at: "executor.relay", messageId: message.id, txHash: outcome.hash }, "relayed, but the target call failed");
    } else {
      this.ctx.store.messages.recordFailure(message.id, `relay transaction ${outcome.hash} ${outcome.status}`, Date.now() + this.ctx.config.roles.executor.retryBackoffMs, "failed");
      this.ctx.metrics.relayed.inc({ lane, outcome: "reverted" });
    }
  }

  /** A message the destination holds as failed (its target reverted): retryMessage, with backoff. */
  private async retryFailed(message: StoredMessage, turn: Turn): Promise<void> {
    if (message.status !== "failed") this.ctx.store.messages.setStatus(message.id, "failed", { lastError: "target call reverted" });
    if (this.tx === undefined) return;
    await turn.ready;
    const messenger = this.ctx.config.chains[this.lane.destination].contracts.Messenger;
    const fields = [message.nonce, message.sender, message.target, message.gasLimit, message.data];
    const outcome = await this.tx.execute({
      intent: `retry:${message.id}:${message.attempts}`,
      to: messenger,
      data: messengerAbi.encodeFunctionData("retryMessage", [fields]),
      abi: messengerAbi,
      gasLimit: relayGasLimit(message.gasLimit, "0x"),
      onQueued: turn.release,
    });
    this.recordOutcome(message, outcome);
  }

  private async onChainStatus(message: StoredMessage): Promise<number> {
    const messenger = this.ctx.config.chains[this.lane.destination].contracts.Messenger;
    const fields = [message.nonce, message.sender, message.target, message.gasLimit, message.data];
    return Number((await readContract(this.ctx.rpc[this.lane.destination], messengerAbi, messenger, "messageStatus", [fields]))[0]);
  }
}

/** One relay's place in the launch order: wait for `ready` before taking a nonce, `release` once taken. */
interface Turn {
  ready: Promise<void>;
  release: () => void;
}

/** Turns in the order they were taken: each is ready once every earlier one was released. */
class LaunchOrder {
  private tail: Promise<void> = Promise.resolve();

  take(): Turn {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const ready = this.tail;
    this.tail = ready.then(() => released);
    return { ready, release };
  }
}
