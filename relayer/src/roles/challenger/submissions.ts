/**
 * The CheckpointSubmitted / CheckpointsReverted history of one CheckpointManager, read with
 * eth_getLogs in bounded block ranges. The contract stores only a hash of each attestation, so
 * the event is the one place the signers and signatures of a checkpoint can be read back.
 */
import { toRpcQuantity, type JsonRpcSender } from "../../chain/rpcValues";
import { REVERTED_TOPIC, SUBMITTED_TOPIC, challengerAbi } from "./contract";

/** What one CheckpointSubmitted event says. */
export interface SubmissionEvent {
  id: bigint;
  proposer: string;
  startBlock: bigint;
  endBlock: bigint;
  blockRoot: string;
  finalizesAt: bigint;
  signers: string;
  signatures: string;
  blockNumber: bigint;
  submissionKey: string;
}

interface RawLog {
  topics: string[];
  data: string;
  blockNumber: string;
  logIndex: string;
  transactionHash: string;
  removed?: boolean;
}

export interface SubmissionLogOptions {
  startBlock: bigint;
  maxLogRange: bigint;
  rescanBlocks: bigint;
}

export class SubmissionLog {
  /** The latest submission of each id not reverted since. */
  private readonly byId = new Map<bigint, SubmissionEvent>();
  private nextBlock: bigint | undefined;

  constructor(
    private readonly rpc: JsonRpcSender,
    private readonly manager: string,
    private readonly options: SubmissionLogOptions,
  ) {}

  /**
   * Reads events up to the destination's latest block. Events are replayed in chain order, so
   * reading a range twice is harmless; every scan re-reads `rescanBlocks` behind the cursor so
   * that a reorg of the destination cannot leave a replaced submission unseen.
   */
  async sync(fromBlock?: bigint): Promise<{ from: bigint; to: bigint; events: number }> {
    const latest = BigInt((await this.rpc.send("eth_blockNumber", [])) as string);
    const { startBlock, maxLogRange, rescanBlocks } = this.options;
    let from = fromBlock ?? (this.nextBlock === undefined ? startBlock : this.nextBlock - rescanBlocks);
    if (from < startBlock && fromBlock === undefined) from = startBlock;
    if (from < 0n) from = 0n;
    let events = 0;
    for (let chunk = from; chunk <= latest; chunk += maxLogRange) {
      const to = chunk + maxLogRange - 1n < latest ? chunk + maxLogRange - 1n : latest;
      const logs = (await this.rpc.send("eth_getLogs", [
        {
          address: this.manager,
          fromBlock: toRpcQuantity(chunk),
          toBlock: toRpcQuantity(to),
          topics: [[SUBMITTED_TOPIC, REVERTED_TOPIC]],
        },
      ])) as RawLog[];
      const ordered = logs
        .filter((log) => log.removed !== true)
        .sort((a, b) => compare(BigInt(a.blockNumber), BigInt(b.blockNumber)) || compare(BigInt(a.logIndex), BigInt(b.logIndex)));
      for (const log of ordered) this.apply(log);
      events += ordered.length;
    }
    // Only advance once every chunk is read: a failed scan is redone from the same point.
    this.nextBlock = latest + 1n;
    return { from, to: latest, events };
  }

  get(id: bigint): SubmissionEvent | undefined {
    return this.byId.get(id);
  }

  private apply(log: RawLog): void {
    const parsed = challengerAbi.parseLog({ topics: log.topics, data: log.data });
    if (parsed === null) return;
    if (parsed.name === "CheckpointsReverted") {
      // Every id from fromId on is gone; resubmissions reuse them.
      const fromId = parsed.args.fromId as bigint;
      for (const id of [...this.byId.keys()]) if (id >= fromId) this.byId.delete(id);
      return;
    }
    const id = parsed.args.id as bigint;
    this.byId.set(id, {
      id,
      proposer: parsed.args.proposer as string,
      startBlock: parsed.args.startBlock as bigint,
      endBlock: parsed.args.endBlock as bigint,
      blockRoot: (parsed.args.blockRoot as string).toLowerCase(),
      finalizesAt: parsed.args.finalizesAt as bigint,
      signers: parsed.args.signers as string,
      signatures: parsed.args.signatures as string,
      blockNumber: BigInt(log.blockNumber),
      submissionKey: `${log.transactionHash.toLowerCase()}:${BigInt(log.logIndex)}`,
    });
  }
}

function compare(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
