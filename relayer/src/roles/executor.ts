/**
 * Executor of one lane: mirrors the destination CheckpointManager's CheckpointSubmitted /
 * CheckpointsReverted events into the store, then moves every stored message forward:
 * sent → checkpointed (a checkpoint covers its block) → final (checkpointStatus) → relayed.
 * Before relaying it asks the destination whether the message is already done (messageStatus)
 * and eth_calls checkRelay; the relay transaction's intent is the message id, so a restart never
 * sends a second relay while the first is pending. Failures are retried with backoff.
 */
import { CHECKPOINTS_REVERTED_TOPIC, CHECKPOINT_SUBMITTED_TOPIC, CheckpointStatusOnChain, MessageStatusOnChain, checkpointManagerAbi, messengerAbi, readContract } from "../chain/abi";
import { errorMessage } from "../chain/provider";
import type { RpcLog } from "../chain/rpcValues";
import { RelayerError } from "../errors";
import type { StoredMessage } from "../store/messages";
import { SimulationRevertedError } from "../tx/errors";
import type { TxOutcome, TxSender } from "../tx/sender";
import { laneName, runLoop, type Lane, type RoleContext } from "./context";
import { CheckpointMismatchError, ProofCache, buildMessageProof } from "./proofs";

/** Blocks of destination logs scanned per call. */
const LOG_RANGE = 2_000;
/** Gas the relay transaction needs around the target call (protocol.md: gasLimit + gasLimit/63 + 40,000, plus the proof check). */
const RELAY_OVERHEAD_GAS = 300_000n;

/** Called on every CheckpointsReverted; the challenger role (roles/challenger, not written yet) hooks in here. */
export type CheckpointRevertedHook = (event: { destination: string; fromId: number; toId: number; challenger: string; fraud: number }) => void;

export class Executor {
  constructor(
    private readonly ctx: RoleContext,
    readonly lane: Lane,
    private readonly tx: TxSender | undefined,
    private readonly onReverted?: CheckpointRevertedHook,
  ) {}

  run(): Promise<void> {
    return runLoop(this.ctx, `executor.${laneName(this.lane)}`, this.ctx.config.chains[this.lane.destination].pollIntervalMs, () => this.step());
  }

  async step(): Promise<boolean> {
    const more = await this.syncCheckpoints();
    const cache = new ProofCache();
    for (const message of this.ctx.store.messages.pending(this.lane.destination)) {
      if (this.ctx.signal.aborted) break;
      await this.advance(message, cache);
    }
    return more;
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
      { address: dst.contracts.CheckpointManager, topics: [[CHECKPOINT_SUBMITTED_TOPIC, CHECKPOINTS_REVERTED_TOPIC]], fromBlock: `0x${from.toString(16)}`, toBlock: `0x${to.toString(16)}` },
    ])) as (RpcLog & { transactionHash: string; removed?: boolean })[];
    const reverted: Parameters<CheckpointRevertedHook>[0][] = [];
    store.transaction(() => {
      for (const log of logs) {
        if (log.removed) continue;
        const parsed = checkpointManagerAbi.parseLog({ topics: log.topics, data: log.data });
        if (parsed === null) continue;
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
          });
        } else {
          const fromId = Number(parsed.args.fromId);
          store.checkpoints.revertFrom(this.lane.destination, fromId);
          store.messages.uncheckpoint(this.lane.destination, fromId);
          reverted.push({ destination: this.lane.destination, fromId, toId: Number(parsed.args.toId), challenger: parsed.args.challenger as string, fraud: Number(parsed.args.fraud) });
        }
      }
      store.cursors.set(cursorName, to + 1);
    });
    for (const event of reverted) {
      this.ctx.metrics.challenges.inc({ chain: this.lane.destination });
      this.ctx.log.warn({ at: "executor.reverted", ...event }, "checkpoints reverted by a challenge");
      this.onReverted?.(event);
    }
    return to < head;
  }

  private async advance(message: StoredMessage, cache: ProofCache): Promise<void> {
    const { store, config, log } = this.ctx;
    const { maxAttempts, retryBackoffMs } = config.roles.executor;
    if (message.attempts >= maxAttempts) return;
    try {
      const onChain = await this.onChainStatus(message);
      if (onChain === MessageStatusOnChain.Relayed) {
        store.messages.setStatus(message.id, "relayed");
        log.info({ at: "executor.relayed", messageId: message.id }, "message relayed");
        return;
      }
      if (onChain === MessageStatusOnChain.Failed) return await this.retryFailed(message);

      const cp = store.checkpoints.covering(this.lane.destination, message.blockNumber);
      if (cp === undefined) {
        if (message.status !== "sent") store.messages.setStatus(message.id, "sent", { checkpointId: null });
        return;
      }
      const dstRpc = this.ctx.rpc[this.lane.destination];
      const cm = config.chains[this.lane.destination].contracts.CheckpointManager;
      const [status] = (await readContract(dstRpc, checkpointManagerAbi, cm, "checkpointStatus", [cp.id])) as unknown as [bigint];
      if (Number(status) !== CheckpointStatusOnChain.Final) {
        if (message.status !== "checkpointed") store.messages.setStatus(message.id, "checkpointed", { checkpointId: cp.id });
        return;
      }
      if (message.status !== "final") store.messages.setStatus(message.id, "final", { checkpointId: cp.id });
      if (this.tx === undefined) return;

      const proof = await buildMessageProof(this.ctx, message, cp, cache);
      const messenger = config.chains[this.lane.destination].contracts.Messenger;
      const data = messengerAbi.encodeFunctionData("relayMessage", [proof]);
      // checkRelay first: it reverts with the precise reason, without spending gas.
      await dstRpc.call(messenger, messengerAbi.encodeFunctionData("checkRelay", [proof]), this.tx.address);
      const outcome = await this.tx.execute({ intent: `relay:${message.id}`, to: messenger, data, abi: messengerAbi, minGasLimit: message.gasLimit + message.gasLimit / 63n + 40_000n + RELAY_OVERHEAD_GAS });
      this.recordOutcome(message, outcome);
    } catch (error) {
      if (error instanceof SimulationRevertedError && error.errorName === "MessengerAlreadyRelayed") {
        store.messages.setStatus(message.id, "relayed");
        return;
      }
      if (this.ctx.signal.aborted) return;
      const retryable = error instanceof RelayerError ? error.retryable : true;
      // A checkpoint that is not ours stays the challenger's business; retry later in case it gets reverted.
      const status = error instanceof CheckpointMismatchError ? message.status : "failed";
      const delay = retryBackoffMs * 2 ** Math.min(message.attempts, 8);
      store.messages.recordFailure(message.id, errorMessage(error), Date.now() + delay, status === "relayed" ? "failed" : status);
      this.ctx.metrics.relayed.inc({ lane: laneName(this.lane), outcome: "error" });
      log.warn({ at: "executor.fail", messageId: message.id, attempts: message.attempts + 1, retryable, err: errorMessage(error) }, "relay attempt failed");
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
  private async retryFailed(message: StoredMessage): Promise<void> {
    if (message.status !== "failed") this.ctx.store.messages.setStatus(message.id, "failed", { lastError: "target call reverted" });
    if (this.tx === undefined) return;
    const messenger = this.ctx.config.chains[this.lane.destination].contracts.Messenger;
    const fields = [message.nonce, message.sender, message.target, message.gasLimit, message.data];
    const outcome = await this.tx.execute({
      intent: `retry:${message.id}:${message.attempts}`,
      to: messenger,
      data: messengerAbi.encodeFunctionData("retryMessage", [fields]),
      abi: messengerAbi,
      minGasLimit: message.gasLimit + message.gasLimit / 63n + 40_000n + RELAY_OVERHEAD_GAS,
    });
    this.recordOutcome(message, outcome);
  }

  private async onChainStatus(message: StoredMessage): Promise<number> {
    const messenger = this.ctx.config.chains[this.lane.destination].contracts.Messenger;
    const fields = [message.nonce, message.sender, message.target, message.gasLimit, message.data];
    return Number((await readContract(this.ctx.rpc[this.lane.destination], messengerAbi, messenger, "messageStatus", [fields]))[0]);
  }
}
