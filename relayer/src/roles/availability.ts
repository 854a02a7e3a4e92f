/**
 * The proposer's side of the data-availability game (contracts/common/LeafAvailabilityGame.sol):
 * follows the LeavesDemanded and HeaderDemanded events of the game beside the lane's destination
 * CheckpointManager and answers every open demand it can, before its response window ends:
 *   - leaves: the watcher's blocks of the checkpoint's range, published if they rebuild its root;
 *   - a header: the source node's block with the leaf's hash, re-encoded and checked against it.
 * An unanswered demand reverts the checkpoint and slashes its proposer, so our own checkpoints
 * must always be answered; a demand on someone else's checkpoint is answered too when our chain
 * has its data (anyone may, and the answer's costs are paid from the demander's bond).
 */
import { getAddress } from "ethers";

import {
  DemandStatusOnChain,
  HEADER_DEMANDED_TOPIC,
  LEAVES_DEMANDED_TOPIC,
  checkpointManagerAbi,
  leafAvailabilityGameAbi,
  readContract,
} from "../chain/abi";
import { verifyBlockHeader } from "../chain/header";
import { fetchBlock } from "../chain/receipts";
import { toRpcQuantity } from "../chain/rpcValues";
import { buildCheckpointTree } from "../proof/checkpointTree";
import { SimulationRevertedError } from "../tx/errors";
import type { TxSender } from "../tx/sender";
import { laneName, type Lane, type RoleContext } from "./context";

/** Largest block span of one eth_getLogs call. */
const MAX_LOG_RANGE = 2_000n;

type OpenDemand =
  | { kind: "leaves"; id: bigint; blockRoot: string }
  | { kind: "header"; id: bigint; blockNumber: bigint; blockHash: string; receiptsRoot: string };

interface RawLog {
  topics: string[];
  data: string;
  removed?: boolean;
}

export class DemandResponder {
  private nextBlock: bigint | undefined;
  /** Demands seen and not yet answered, settled or given up, by key. */
  private readonly open = new Map<string, OpenDemand>();

  constructor(
    private readonly ctx: RoleContext,
    private readonly lane: Lane,
    private readonly tx: TxSender,
  ) {}

  private get game(): string | undefined {
    return this.ctx.config.chains[this.lane.destination].contracts.LeafAvailabilityGame;
  }

  /** Reads new demands and answers the open ones. Returns how many answers were sent. */
  async step(): Promise<number> {
    const game = this.game;
    if (game === undefined) return 0;
    await this.readDemands(game);
    let answered = 0;
    for (const [key, demand] of [...this.open]) {
      const done = demand.kind === "leaves" ? await this.answerLeaves(game, demand) : await this.answerHeader(game, demand);
      if (done === "answered") answered++;
      if (done !== "retry") this.open.delete(key);
    }
    return answered;
  }

  private async readDemands(game: string): Promise<void> {
    const rpc = this.ctx.rpc[this.lane.destination];
    const latest = BigInt((await rpc.send("eth_blockNumber", [])) as string);
    const deployed = this.ctx.config.chains[this.lane.destination].deployedAtBlock;
    // Re-read a few blocks behind the cursor: a shallow reorg of the destination must not hide a demand.
    let from = this.nextBlock === undefined ? BigInt(deployed ?? 0) : this.nextBlock > 16n ? this.nextBlock - 16n : 0n;
    for (; from <= latest; from += MAX_LOG_RANGE) {
      const to = from + MAX_LOG_RANGE - 1n < latest ? from + MAX_LOG_RANGE - 1n : latest;
      const logs = (await rpc.send("eth_getLogs", [
        { address: game, fromBlock: toRpcQuantity(from), toBlock: toRpcQuantity(to), topics: [[LEAVES_DEMANDED_TOPIC, HEADER_DEMANDED_TOPIC]] },
      ])) as RawLog[];
      for (const log of logs) {
        if (log.removed === true) continue;
        const parsed = leafAvailabilityGameAbi.parseLog(log);
        if (parsed === null) continue;
        const id = parsed.args.id as bigint;
        if (parsed.name === "LeavesDemanded") {
          const blockRoot = (parsed.args.blockRoot as string).toLowerCase();
          this.open.set(`leaves:${id}:${blockRoot}`, { kind: "leaves", id, blockRoot });
        } else {
          const blockNumber = parsed.args.blockNumber as bigint;
          const blockHash = (parsed.args.blockHash as string).toLowerCase();
          const receiptsRoot = (parsed.args.receiptsRoot as string).toLowerCase();
          this.open.set(`header:${id}:${blockNumber}:${blockHash}`, { kind: "header", id, blockNumber, blockHash, receiptsRoot });
        }
      }
    }
    this.nextBlock = latest + 1n;
  }

  /** Whether the game still waits for an answer to this demand (open, for the live submission, in its window). */
  private async stillOpen(game: string, method: "leafDemand" | "headerDemand", args: unknown[], id: bigint, blockRoot?: string): Promise<boolean> {
    const rpc = this.ctx.rpc[this.lane.destination];
    const [demand] = (await readContract(rpc, leafAvailabilityGameAbi, game, method, args)) as unknown as [
      { status: bigint; deadline: bigint; finalizesAt: bigint; blockRootPrefix: string },
    ];
    if (Number(demand.status) !== DemandStatusOnChain.Open) return false;
    const latest = (await rpc.send("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
    if (BigInt(latest.timestamp) >= demand.deadline) return false;
    const [count] = (await readContract(rpc, checkpointManagerAbi, this.cm, "checkpointCount")) as unknown as [bigint];
    if (id >= count) return false;
    const [, , root, finalizesAt] = (await readContract(rpc, checkpointManagerAbi, this.cm, "getCheckpoint", [id])) as unknown as [bigint, bigint, string, bigint];
    if (finalizesAt !== demand.finalizesAt || root.slice(0, 34).toLowerCase() !== demand.blockRootPrefix.toLowerCase()) return false;
    return blockRoot === undefined || root.toLowerCase() === blockRoot;
  }

  private get cm(): string {
    return this.ctx.config.chains[this.lane.destination].contracts.CheckpointManager;
  }

  private async answerLeaves(game: string, demand: Extract<OpenDemand, { kind: "leaves" }>): Promise<"answered" | "skipped" | "retry"> {
    const { log, store } = this.ctx;
    const at = { at: "proposer.availability", lane: laneName(this.lane), id: demand.id.toString(), blockRoot: demand.blockRoot };
    if (!(await this.stillOpen(game, "leafDemand", [demand.id], demand.id, demand.blockRoot))) return "skipped";
    const rpc = this.ctx.rpc[this.lane.destination];
    const [startBlock, endBlock] = (await readContract(rpc, checkpointManagerAbi, this.cm, "getCheckpoint", [demand.id])) as unknown as [bigint, bigint];
    const blocks = store.blocks.range(this.lane.source, Number(startBlock), Number(endBlock));
    if (blocks.length !== Number(endBlock - startBlock) + 1) {
      log.warn({ ...at, startBlock: startBlock.toString(), endBlock: endBlock.toString(), have: blocks.length }, "leaves demanded, but the watcher has not recorded the range yet");
      return "retry";
    }
    const tree = buildCheckpointTree(blocks);
    if (tree.root.toLowerCase() !== demand.blockRoot) {
      // Not the chain our watcher follows: whoever committed it must answer, or be slashed.
      log.warn({ ...at, ownRoot: tree.root }, "leaves demanded for a checkpoint that is not our chain: not answering");
      return "skipped";
    }
    const leaves = tree.blocks.map((leaf) => [leaf.hash, leaf.receiptsRoot]);
    return this.send(game, `publish-leaves:${this.lane.destination}:${demand.id}:${demand.blockRoot}`, "publishLeaves", [demand.id, leaves], at);
  }

  private async answerHeader(game: string, demand: Extract<OpenDemand, { kind: "header" }>): Promise<"answered" | "skipped" | "retry"> {
    const at = { at: "proposer.availability", lane: laneName(this.lane), id: demand.id.toString(), blockNumber: demand.blockNumber.toString(), blockHash: demand.blockHash };
    if (!(await this.stillOpen(game, "headerDemand", [demand.id, demand.blockNumber], demand.id))) return "skipped";
    let header: string;
    try {
      const block = await fetchBlock(this.ctx.rpc[this.lane.source], demand.blockHash);
      header = verifyBlockHeader(block, demand.blockHash).rawHeader;
      if (BigInt(block.number) !== demand.blockNumber || block.receiptsRoot.toLowerCase() !== demand.receiptsRoot) {
        this.ctx.log.warn({ ...at, number: block.number }, "header demanded for a leaf that misstates its block: not answering");
        return "skipped";
      }
    } catch (error) {
      this.ctx.log.warn({ ...at, err: (error as Error).message }, "header demanded for a block our node does not have");
      return "retry";
    }
    const leaf = [demand.blockNumber, demand.blockHash, demand.receiptsRoot];
    return this.send(game, `reveal-header:${this.lane.destination}:${demand.id}:${demand.blockNumber}:${demand.blockHash}`, "revealHeader", [demand.id, leaf, header], at);
  }

  private async send(game: string, intent: string, method: string, args: unknown[], at: Record<string, unknown>): Promise<"answered" | "skipped" | "retry"> {
    try {
      const outcome = await this.tx.execute({ intent, to: getAddress(game), data: leafAvailabilityGameAbi.encodeFunctionData(method, args), abi: leafAvailabilityGameAbi });
      this.ctx.log.info({ ...at, method, txHash: outcome.hash, status: outcome.status }, "availability demand answered");
      return outcome.status === "mined" ? "answered" : "retry";
    } catch (error) {
      // Someone else answered first, or the window closed meanwhile: nothing left to do.
      if (error instanceof SimulationRevertedError && error.errorName?.startsWith("LeafAvailabilityGame")) {
        this.ctx.log.info({ ...at, method, errorName: error.errorName }, "availability demand no longer answerable");
        return "skipped";
      }
      throw error;
    }
  }
}
