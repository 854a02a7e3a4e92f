/**
 * Unknown executions: a MessageRelayed (or MessageFailed) on a lane's destination whose message id
 * matches no MessageSent the watcher recorded on the source. The Messenger executes only messages
 * proven against a final checkpoint, so this never happens unless a checkpoint that commits
 * blocks the source never had became final: a validator quorum signed a forged root and no
 * challenge stopped it. Gnosis's bridge monitor raises the same alarm.
 *
 * An execution of an id not in the store is recorded as `pending` and judged on each executor
 * step, once the watcher has recorded every source block a final checkpoint can commit (the
 * checkpoints mirrored so far end at or below the watcher's head). A watcher that started after
 * the first checkpointed block cannot tell: the execution is `unverifiable`, logged, not counted.
 */
import { messengerAbi } from "../chain/abi";
import type { RpcLog } from "../chain/rpcValues";
import type { Store } from "../store";
import { laneName, type Lane, type RoleContext } from "./context";

/** Called in the executor's store transaction for every log of the destination's Messenger. */
export function noteExecution(store: Store, lane: Lane, log: RpcLog & { transactionHash: string; blockNumber: string }): void {
  const parsed = messengerAbi.parseLog({ topics: log.topics, data: log.data });
  if (parsed === null || (parsed.name !== "MessageRelayed" && parsed.name !== "MessageFailed")) return;
  const messageId = (parsed.args.messageId as string).toLowerCase();
  if (store.messages.get(messageId) !== undefined) return;
  store.executions.recordUnmatched({
    destination: lane.destination,
    messageId,
    txHash: log.transactionHash,
    blockNumber: Number(BigInt(log.blockNumber)),
    outcome: parsed.name === "MessageRelayed" ? "relayed" : "failed",
  });
}

/** Settles the lane's pending executions that can be settled now; counts and logs the unknown ones. */
export function judgeExecutions(ctx: Pick<RoleContext, "store" | "metrics" | "log">, lane: Lane): void {
  const { store } = ctx;
  const pending = store.executions.pending(lane.destination);
  if (pending.length === 0) return;
  const recorded = store.blocks.head(lane.source)?.number ?? -1;
  const firstRecorded = store.blocks.first(lane.source)?.number;
  const committedThrough = store.checkpoints.latest(lane.destination)?.endBlock;
  const firstCommitted = store.checkpoints.earliestStart(lane.destination);
  for (const execution of pending) {
    if (store.messages.get(execution.messageId) !== undefined) {
      store.executions.forget(execution.destination, execution.messageId, execution.txHash);
      continue;
    }
    // The checkpoint it was proven against is mirrored (it was submitted before the execution), so
    // its blocks end at or below committedThrough: until the watcher is there, we cannot tell.
    if (committedThrough === undefined || recorded < committedThrough) continue;
    const fields = { at: "executor.unknown_execution", lane: laneName(lane), messageId: execution.messageId, txHash: execution.txHash, blockNumber: execution.blockNumber, outcome: execution.outcome };
    if (firstRecorded === undefined || firstCommitted === undefined || firstRecorded > firstCommitted) {
      store.executions.judge(execution.destination, execution.messageId, execution.txHash, "unverifiable");
      ctx.log.warn({ ...fields, firstRecorded, firstCommitted }, "execution of a message this relayer never saw, but its watcher started after the first checkpointed block: cannot tell whether it is unknown");
      continue;
    }
    store.executions.judge(execution.destination, execution.messageId, execution.txHash, "unknown");
    ctx.metrics.unknownExecutions.inc({ lane: laneName(lane) });
    ctx.log.error(fields, "UNKNOWN EXECUTION: the destination executed a message the source never sent; a forged checkpoint became final (docs/operations.md)");
  }
}
