/**
 * GET /console/lookup?q=<message id or source transaction hash>: where a message stands and why,
 * in the SDK's status union (sdk/types.ts BridgeMessageStatus, judged by the destination's
 * messenger exactly as BridgeClient.status does), beside what this relayer knows of it (attempts,
 * last error, its relay transaction). A hash the store does not know is looked up on both chains
 * as a transaction, so a message the watcher has not reached yet is found too.
 */
import { JsonRpcProvider } from "ethers";

import type { ChainName, Config } from "../../config";
import { RelayerError } from "../../errors";
import { MessageNotFoundError, TransactionNotFoundError } from "../../sdk/errors";
import type { LocatedMessage } from "../../sdk/messages";
import { evaluate, locate, type SdkContext } from "../../sdk/relay";
import type { BridgeMessageStatus, Direction } from "../../sdk/types";
import type { Store } from "../../store";
import type { MessageRecord } from "../../store/messages";
import { messageView, type MessageView } from "./state";

export interface LookupMatch {
  messageId: string;
  direction: Direction;
  txHash: string;
  logIndex: number;
  /** The SDK's status, read from the chains now; null if reading failed (statusError says why). */
  status: BridgeMessageStatus | null;
  statusError: string | null;
  /** This relayer's record of the message; null when its watcher has not recorded it (yet). */
  relayer: MessageView | null;
  /** Where it stands and why, in one sentence for the operator. */
  explanation: string;
}

export interface LookupResult {
  query: string;
  matches: LookupMatch[];
}

export class LookupError extends RelayerError {
  readonly retryable = false;
  constructor(
    readonly code: "LOOKUP_BAD_QUERY" | "LOOKUP_NOT_FOUND",
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
  }
}

const HASH = /^0x[0-9a-fA-F]{64}$/;

/** Reads the chains through providers of its own (ethers, as the SDK wants them), created on first use. */
export class MessageLookup {
  private ctx: SdkContext | undefined;
  private providers: JsonRpcProvider[] = [];

  constructor(
    private readonly config: Config,
    private readonly store: Store,
  ) {}

  /** @throws LookupError for a malformed query, or a hash that is neither a known message nor a transaction with one */
  async lookup(query: string, now = Date.now()): Promise<LookupResult> {
    const q = query.trim().toLowerCase();
    if (!HASH.test(q)) throw new LookupError("LOOKUP_BAD_QUERY", 400, "give a message id or a source transaction hash (0x and 64 hex digits)");
    const records = this.store.messages.records(q);
    const ctx = this.sdk();
    if (records.length > 0) return { query: q, matches: await Promise.all(records.map((record) => this.judge(ctx, located(this.config, record), record, now))) };
    let message: LocatedMessage;
    try {
      message = await locate(ctx, q);
    } catch (error) {
      if (error instanceof TransactionNotFoundError) {
        throw new LookupError("LOOKUP_NOT_FOUND", 404, `${q} is no message this relayer has seen, and no transaction on either chain (not mined yet, or another network)`);
      }
      if (error instanceof MessageNotFoundError) throw new LookupError("LOOKUP_NOT_FOUND", 404, error.message);
      throw error;
    }
    return { query: q, matches: [await this.judge(ctx, message, undefined, now)] };
  }

  close(): void {
    for (const provider of this.providers.splice(0)) provider.destroy();
    this.ctx = undefined;
  }

  private async judge(ctx: SdkContext, message: LocatedMessage, record: MessageRecord | undefined, now: number): Promise<LookupMatch> {
    let status: BridgeMessageStatus | null = null;
    let statusError: string | null = null;
    try {
      status = (await evaluate(ctx, message)).status;
    } catch (error) {
      statusError = (error as Error).message;
    }
    const relayer = record === undefined ? null : messageView(record, now);
    return {
      messageId: message.messageId,
      direction: message.direction,
      txHash: message.txHash,
      logIndex: message.logIndex,
      status,
      statusError,
      relayer,
      explanation: explain(status, relayer, message, statusError),
    };
  }

  private sdk(): SdkContext {
    if (this.ctx !== undefined) return this.ctx;
    const { chains } = this.config;
    // Static network, no cache: every lookup reads the chains as they are now.
    const provider = (name: ChainName) => new JsonRpcProvider(chains[name].rpcUrl, chains[name].chainId, { staticNetwork: true, cacheTimeout: -1 });
    const main = provider("main");
    const child = provider("child");
    this.providers.push(main, child);
    const deployment = (name: ChainName, remote: ChainName) => ({
      chainId: chains[name].chainId,
      role: name,
      remoteChainId: chains[remote].chainId,
      contracts: { Messenger: { address: chains[name].contracts.Messenger }, CheckpointManager: { address: chains[name].contracts.CheckpointManager } },
    });
    this.ctx = {
      providers: { main, child },
      deployments: { main: deployment("main", "child"), child: deployment("child", "main") },
      messengers: { main: chains.main.contracts.Messenger, child: chains.child.contracts.Messenger },
      checkpointManagers: { main: chains.main.contracts.CheckpointManager, child: chains.child.contracts.CheckpointManager },
      // The relayer checked both chain ids at start.
      ready: () => Promise.resolve(),
      signer: () => {
        throw new Error("the console is read-only: it never signs");
      },
    };
    return this.ctx;
  }
}

/** A stored message as the SDK locates one: no receipt fetch needed. */
function located(config: Config, m: MessageRecord): LocatedMessage {
  const source = m.source as ChainName;
  const destination = m.destination as ChainName;
  return {
    source,
    destination,
    direction: `${source}->${destination}` as Direction,
    txHash: m.txHash,
    logIndex: m.logIndex,
    blockNumber: m.blockNumber,
    blockHash: m.blockHash,
    fields: { nonce: m.nonce, sender: m.sender, target: m.target, gasLimit: m.gasLimit, data: m.data },
    messageId: m.id,
  };
}

export function explain(status: BridgeMessageStatus | null, relayer: MessageView | null, message: Pick<LocatedMessage, "destination" | "blockNumber">, statusError: string | null): string {
  const retry = relayer !== null && relayer.lastError !== null ? ` The relayer's last attempt failed (${relayer.attempts} so far): ${relayer.lastError}.` : "";
  if (status === null) return `The chains could not be read: ${statusError ?? "unknown error"}.${retry}`;
  switch (status.status) {
    case "sent":
      return relayer === null
        ? `Sent, but this relayer has not recorded it yet (its watcher follows the source at its confirmation depth); no checkpoint on ${message.destination} covers block ${message.blockNumber} yet.`
        : `Waiting for a checkpoint: none on ${message.destination} covers block ${message.blockNumber} yet (the proposer cuts one when maxBlocks are ready or maxWaitMs after a message).${retry}`;
    case "checkpointed":
      return `Checkpoint #${status.checkpointId} covers it, but the destination does not take the proof now: ${status.reason}.${retry}`;
    case "challenge-window":
      return `Checkpoint #${status.checkpointId} covers it and is in its challenge window: final in ${status.secondsLeft} s (at ${new Date(status.finalizesAt * 1000).toISOString()}).`;
    case "ready":
      return `Final: anyone may relay it now${relayer?.proofUrl ? ` (exit proof at ${relayer.proofUrl})` : ""}; the executor relays it on its next pass.${retry}`;
    case "queued":
      return `Executed on ${message.destination}, and its payout went over the bridge's rate limit: queued as release ${status.releaseId}, executable in ${status.secondsLeft} s (at ${new Date(status.releasableAt * 1000).toISOString()}); the relayer executes it then, or anyone with \`sidechain execute-release\`.`;
    case "relayed":
      return `Executed on ${message.destination}${relayer?.relayTxHash ? ` by transaction ${relayer.relayTxHash}` : ""}.`;
    case "failed":
      return `Executed on ${message.destination}, but its target reverted: the messenger keeps it for retryMessage (the executor retries with backoff; \`sidechain relay\` retries by hand).${retry}`;
  }
}
