/**
 * Watcher of one chain: follows its blocks at the confirmation depth (or the `finalized` tag),
 * records number, hash, parent hash and receipts root of every block, and the Messenger's
 * `MessageSent` logs. Blocks above the depth are never recorded, so nothing acts on them.
 *
 * Reorgs: a new block whose parentHash is not the recorded hash of its predecessor, or a
 * recorded tip the node no longer has, means the node switched forks below our depth setting.
 * The watcher walks back to the highest block both agree on and rolls back everything above it.
 */
import { fetchBlock } from "../chain/receipts";
import { verifyBlockHeader } from "../chain/header";
import { checkpointManagerAbi, decodeMessageSent, MESSAGE_SENT_TOPIC, messageId } from "../chain/abi";
import type { RpcBlock, RpcLog } from "../chain/rpcValues";
import { otherChain, type ChainName } from "../config";
import type { NewMessage } from "../store/messages";
import { runLoop, type RoleContext } from "./context";
import { RelayerError } from "../errors";

export class ReorgInProgressError extends RelayerError {
  readonly code = "REORG_IN_PROGRESS";
  readonly retryable = true;
  constructor(readonly chain: string, readonly blockNumber: number) {
    super(`${chain}: logs of block ${blockNumber} belong to another fork than its header; retrying`);
  }
}

export class Watcher {
  constructor(
    private readonly ctx: RoleContext,
    readonly chain: ChainName,
  ) {}

  run(): Promise<void> {
    return runLoop(this.ctx, `watcher.${this.chain}`, this.ctx.config.chains[this.chain].pollIntervalMs, () => this.step());
  }

  /** The highest block that counts as final on this chain. */
  async safeHead(): Promise<number> {
    const { confirmations } = this.ctx.config.chains[this.chain];
    const rpc = this.ctx.rpc[this.chain];
    // The head too, for the confirmation lag the console and the dashboard show.
    const head = Number(await rpc.blockNumber());
    this.ctx.metrics.chainHeight.set({ chain: this.chain, kind: "head" }, head);
    if (confirmations === "finalized") return Number(BigInt((await fetchBlock(rpc, "finalized")).number));
    return head - confirmations;
  }

  /** First block to record when the store is empty. */
  async startBlock(): Promise<number> {
    const c = this.ctx.config.chains[this.chain];
    if (c.startBlock !== undefined) return c.startBlock;
    // The remote checkpoint manager tracks this chain: its next start is the oldest block we may need.
    const remote = this.ctx.config.chains[otherChain(this.chain)];
    const data = checkpointManagerAbi.encodeFunctionData("nextStartBlock");
    const next = Number(checkpointManagerAbi.decodeFunctionResult("nextStartBlock", await this.ctx.rpc[remote.name].call(remote.contracts.CheckpointManager, data))[0]);
    return c.deployedAtBlock !== undefined ? Math.min(next, c.deployedAtBlock) : next;
  }

  /** Records the next batch of final blocks. Returns true if more are ready. */
  async step(): Promise<boolean> {
    const { store, metrics } = this.ctx;
    const rpc = this.ctx.rpc[this.chain];
    const safe = await this.safeHead();
    metrics.chainHeight.set({ chain: this.chain, kind: "safe" }, Math.max(safe, 0));
    const tip = store.blocks.head(this.chain);
    if (tip !== undefined) {
      // The recorded tip must still be on the node's chain: a reorg may have no new blocks yet.
      const current = await fetchBlock(rpc, tip.number).catch(() => undefined);
      if (current === undefined || current.hash.toLowerCase() !== tip.hash) {
        await this.rollbackToFork(tip.number);
        return true;
      }
    }
    const from = tip === undefined ? await this.startBlock() : tip.number + 1;
    if (from > safe) return false;
    const to = Math.min(safe, from + this.ctx.config.chains[this.chain].batchSize - 1);

    const blocks: RpcBlock[] = [];
    for (let n = from; n <= to; n++) {
      const block = await fetchBlock(rpc, n);
      // Never record a block whose header does not hash to its hash: we would sign or prove it.
      verifyBlockHeader(block);
      blocks.push(block);
    }
    let previousHash = tip?.hash ?? (from > 0 ? store.blocks.get(this.chain, from - 1)?.hash : undefined);
    for (const block of blocks) {
      if (previousHash !== undefined && block.parentHash.toLowerCase() !== previousHash) {
        this.ctx.log.warn({ at: "watcher.reorg", chain: this.chain, block: Number(BigInt(block.number)) }, "parent hash mismatch");
        await this.rollbackToFork(Number(BigInt(block.number)) - 1);
        return true;
      }
      previousHash = block.hash.toLowerCase();
    }

    const messages = await this.fetchMessages(from, to, blocks);
    store.transaction(() => {
      for (const b of blocks) {
        store.blocks.insert(this.chain, { number: Number(BigInt(b.number)), hash: b.hash.toLowerCase(), parentHash: b.parentHash.toLowerCase(), receiptsRoot: b.receiptsRoot.toLowerCase() });
      }
      for (const m of messages) {
        if (store.messages.insert(m)) this.ctx.log.info({ at: "watcher.message", chain: this.chain, messageId: m.id, nonce: m.nonce.toString(), txHash: m.txHash }, "message seen");
      }
    });
    metrics.chainHeight.set({ chain: this.chain, kind: "recorded" }, to);
    return to < safe;
  }

  private async fetchMessages(from: number, to: number, blocks: RpcBlock[]): Promise<NewMessage[]> {
    const c = this.ctx.config.chains[this.chain];
    const remote = this.ctx.config.chains[otherChain(this.chain)];
    const logs = (await this.ctx.rpc[this.chain].send("eth_getLogs", [
      { address: c.contracts.Messenger, topics: [MESSAGE_SENT_TOPIC], fromBlock: `0x${from.toString(16)}`, toBlock: `0x${to.toString(16)}` },
    ])) as (RpcLog & { blockNumber: string; blockHash: string; transactionHash: string; logIndex: string; removed?: boolean })[];
    const hashes = new Map(blocks.map((b) => [Number(BigInt(b.number)), b.hash.toLowerCase()]));
    return logs
      .filter((log) => !log.removed)
      .map((log) => {
        const blockNumber = Number(BigInt(log.blockNumber));
        // Logs and headers were read in separate calls: they must agree on the fork.
        if (hashes.get(blockNumber) !== log.blockHash.toLowerCase()) throw new ReorgInProgressError(this.chain, blockNumber);
        const fields = decodeMessageSent(log);
        return {
          id: messageId(BigInt(c.chainId), BigInt(remote.chainId), fields),
          source: this.chain,
          destination: remote.name,
          ...fields,
          blockNumber,
          blockHash: log.blockHash.toLowerCase(),
          txHash: log.transactionHash.toLowerCase(),
          logIndex: Number(BigInt(log.logIndex)),
        };
      });
  }

  /** Walks down from `fromNumber` to the highest recorded block the node still has, and forgets the rest. */
  private async rollbackToFork(fromNumber: number): Promise<void> {
    const rpc = this.ctx.rpc[this.chain];
    let n = fromNumber;
    for (; n >= 0; n--) {
      const recorded = this.ctx.store.blocks.get(this.chain, n);
      if (recorded === undefined) break;
      const onNode = await fetchBlock(rpc, n).catch(() => undefined);
      if (onNode !== undefined && onNode.hash.toLowerCase() === recorded.hash) break;
    }
    const removed = this.ctx.store.blocks.rollback(this.chain, n);
    this.ctx.metrics.reorgs.inc({ chain: this.chain });
    this.ctx.log.warn({ at: "watcher.rollback", chain: this.chain, forkPoint: n, ...removed }, "reorg: rolled back to the fork point");
  }
}
