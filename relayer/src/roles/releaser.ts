/**
 * Releaser of one chain: mirrors its bridges' release queues (FlowControl: ReleaseQueued,
 * QueuedReleaseExtended, QueuedReleaseExecuted) and its rate-limited tokens (RateLimitSet) into
 * the store, executes each queued release once the chain's clock reaches its time, and reports
 * the queue length and each limited bucket's level to the metrics. The token bridge and the asset
 * bridge of a chain share one log cursor; a release goes back to the bridge that queued it, told
 * by its payload's selector (a token bridge queues only its one finalize call), so the store needs
 * no bridge column.
 *
 * It runs with the executor's key: a queued release is the tail end of a message the executor
 * relayed. Anyone may execute a release, so a lost race is no error: the contract's
 * `checkQueuedRelease` says it was executed and the store follows.
 */
import { Interface, id as keccakId } from "ethers";

import type { ChainName } from "../config";
import { errorMessage } from "../chain/provider";
import type { RpcLog } from "../chain/rpcValues";
import { flowControlAbi } from "../sdk/abi";
import { SimulationRevertedError } from "../tx/errors";
import type { TxSender } from "../tx/sender";
import { runLoop, type RoleContext } from "./context";

/** Blocks of bridge logs scanned per call. */
const LOG_RANGE = 2_000;
/** Gas for executing a queued release: the payout (a release from the lockbox or a mint), its events and the bookkeeping. */
/** RootBridge requires 250,000 left for the payout itself (RootBridgeReleaseGasTooLow). */
const EXECUTE_GAS_LIMIT = 400_000n;

/** The call a token bridge queues: RootBridge a withdrawal's release, ChildBridge a deposit's mint. */
const TOKEN_BRIDGE_RELEASE = {
  main: keccakId("finalizeWithdrawal(address,address,address,uint256)").slice(0, 10),
  child: keccakId("finalizeDeposit(address,address,address,uint256,bytes)").slice(0, 10),
} as const;

const TOPICS = ["ReleaseQueued", "QueuedReleaseExtended", "QueuedReleaseExecuted", "RateLimitSet"].map((name) => flowControlAbi.getEvent(name)!.topicHash);

export class Releaser {
  constructor(
    private readonly ctx: RoleContext,
    readonly chain: ChainName,
    private readonly tx: TxSender | undefined,
  ) {}

  /** The token bridge whose queue this chain holds: RootBridge on the main chain, ChildBridge on the child. */
  get bridge(): string | undefined {
    const contracts = this.ctx.config.chains[this.chain].contracts;
    return (this.chain === "main" ? contracts.RootBridge : contracts.ChildBridge)?.toLowerCase();
  }

  /** The asset bridge beside it: RootAssetBridge on the main chain, ChildAssetBridge on the child. */
  get assetBridge(): string | undefined {
    const contracts = this.ctx.config.chains[this.chain].contracts;
    return (this.chain === "main" ? contracts.RootAssetBridge : contracts.ChildAssetBridge)?.toLowerCase();
  }

  private get bridges(): string[] {
    return [this.bridge, this.assetBridge].filter((b): b is string => b !== undefined);
  }

  run(): Promise<void> {
    return runLoop(this.ctx, `releaser.${this.chain}`, this.ctx.config.chains[this.chain].pollIntervalMs, () => this.step());
  }

  /** Mirrors new logs, executes what is due, refreshes the gauges. Returns true if more logs remain. */
  async step(): Promise<boolean> {
    const bridges = this.bridges;
    if (bridges.length === 0) return false;
    const more = await this.sync(bridges);
    const now = await this.chainTime();
    await this.executeDue(now);
    await this.refreshMetrics(bridges);
    return more;
  }

  private async sync(bridges: string[]): Promise<boolean> {
    const { store, config } = this.ctx;
    const chain = config.chains[this.chain];
    const cursorName = `releases:${this.chain}`;
    const from = store.cursors.get(cursorName) ?? chain.deployedAtBlock ?? 0;
    // Only logs below the confirmation depth: a queued release that a reorg drops must not be mirrored.
    const head = Number(await this.rpc.send("eth_blockNumber", []).then((n) => BigInt(n as string))) - (typeof chain.confirmations === "number" ? chain.confirmations : 0);
    if (head < from) return false;
    const to = Math.min(head, from + LOG_RANGE - 1);
    const logs = (await this.rpc.send("eth_getLogs", [{ address: bridges, topics: [TOPICS], fromBlock: `0x${from.toString(16)}`, toBlock: `0x${to.toString(16)}` }])) as (RpcLog & {
      transactionHash: string;
      removed?: boolean;
    })[];
    store.transaction(() => {
      for (const log of logs) {
        if (log.removed) continue;
        const parsed = flowControlAbi.parseLog({ topics: log.topics, data: log.data });
        if (parsed === null) continue;
        const id = typeof parsed.args.id === "string" ? (parsed.args.id as string).toLowerCase() : "";
        switch (parsed.name) {
          case "ReleaseQueued":
            store.releases.queue({
              chain: this.chain,
              id,
              token: (parsed.args.token as string).toLowerCase(),
              sequence: parsed.args.sequence as bigint,
              amount: parsed.args.amount as bigint,
              releasableAt: Number(parsed.args.releasableAt),
              payload: (parsed.args.payload as string).toLowerCase(),
            });
            this.ctx.log.info({ at: "releaser.queued", chain: this.chain, id, releasableAt: Number(parsed.args.releasableAt) }, "release queued by the rate limit");
            break;
          case "QueuedReleaseExtended":
            store.releases.extend(this.chain, id, Number(parsed.args.releasableAt));
            this.ctx.log.warn({ at: "releaser.extended", chain: this.chain, id, releasableAt: Number(parsed.args.releasableAt) }, "the guardian pushed a queued release back");
            break;
          case "QueuedReleaseExecuted":
            store.releases.executed(this.chain, id, log.transactionHash.toLowerCase());
            break;
          case "RateLimitSet":
            store.releases.setLimit(this.chain, (parsed.args.token as string).toLowerCase(), Number(parsed.args.direction), parsed.args.capacity as bigint);
            break;
        }
      }
      store.cursors.set(cursorName, to + 1);
    });
    return to < head;
  }

  /** Executes, oldest first, every queued release whose time the chain's clock has reached. */
  private async executeDue(now: number): Promise<void> {
    if (this.tx === undefined) return;
    for (const release of this.ctx.store.releases.due(this.chain, now)) {
      if (this.ctx.signal.aborted) return;
      const fromTokenBridge = release.payload.startsWith(TOKEN_BRIDGE_RELEASE[this.chain]);
      const bridge = fromTokenBridge ? this.bridge : this.assetBridge;
      if (bridge === undefined) continue;
      const data = flowControlAbi.encodeFunctionData("executeQueuedRelease", [release.sequence, release.payload]);
      // An asset release's gas grows with its batch and URIs: estimated (the bridge's own floor,
      // the message's default limit, keeps an estimate from starving the payout into a credit).
      const gasLimit = fromTokenBridge ? EXECUTE_GAS_LIMIT : undefined;
      try {
        const outcome = await this.tx.execute({ intent: `release:${this.chain}:${release.id}`, to: bridge, data, abi: flowControlAbi, gasLimit });
        if (outcome.status === "mined") {
          this.ctx.store.releases.executed(this.chain, release.id, outcome.hash);
          this.ctx.log.info({ at: "releaser.executed", chain: this.chain, id: release.id, txHash: outcome.hash }, "queued release executed");
        } else {
          this.ctx.log.warn({ at: "releaser.execute", chain: this.chain, id: release.id, txHash: outcome.hash, status: outcome.status }, "queued release not executed");
        }
      } catch (error) {
        if (error instanceof SimulationRevertedError && error.errorName === "FlowControlReleaseExecuted") {
          this.ctx.store.releases.executed(this.chain, release.id, "");
          continue;
        }
        // Pushed back by the guardian: its QueuedReleaseExtended log moves it in the store.
        if (error instanceof SimulationRevertedError && error.errorName === "FlowControlReleaseNotDue") continue;
        this.ctx.log.warn({ at: "releaser.execute", chain: this.chain, id: release.id, err: errorMessage(error) }, "executing a queued release failed; retrying next step");
      }
    }
  }

  private async refreshMetrics(bridges: string[]): Promise<void> {
    const { metrics, store } = this.ctx;
    metrics.releaseQueue.set({ chain: this.chain }, store.releases.queuedCount(this.chain));
    for (const { token, direction, capacity } of store.releases.limits(this.chain)) {
      const labels = { chain: this.chain, token, direction: direction === 0 ? "outbound" : "inbound" };
      // A removed limit has no bucket to report: its series goes, rather than freezing at its last level.
      if (capacity === 0n) {
        metrics.rateLimitAvailable.remove(labels);
        continue;
      }
      // The store keeps the token, not its bridge: the bridge that limits it is the one with a capacity.
      for (const bridge of bridges) {
        const [limit, available] = await this.read(bridge, flowControlAbi, "rateLimit", [token, direction]);
        if ((limit as { capacity: bigint }).capacity === 0n) continue;
        metrics.rateLimitAvailable.set(labels, Number(available as bigint));
        break;
      }
    }
  }

  /** The chain's clock: a release is due when a block's timestamp reaches its time. */
  private async chainTime(): Promise<number> {
    const block = (await this.rpc.send("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
    return Number(BigInt(block.timestamp));
  }

  private async read(to: string, abi: Interface, fn: string, args: unknown[]) {
    const result = (await this.rpc.send("eth_call", [{ to, data: abi.encodeFunctionData(fn, args) }, "latest"])) as string;
    return abi.decodeFunctionResult(fn, result);
  }

  private get rpc() {
    return this.ctx.rpc[this.chain];
  }
}
