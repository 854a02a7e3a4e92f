/**
 * The challenger's view of the data-availability game (contracts/common/LeafAvailabilityGame.sol)
 * beside one CheckpointManager: what was demanded and answered for a checkpoint, the leaves and
 * headers published in the game's events, and the transactions that move the game on. The
 * challenger uses it when no leaf source knows a checkpoint's leaves, or when a committed hash
 * has no header anyone can show.
 */
import { keccak256, type Signer } from "ethers";

import { DemandStatusOnChain, HEADER_REVEALED_TOPIC, LEAVES_PUBLISHED_TOPIC, leafAvailabilityGameAbi } from "../../chain/abi";
import { toRpcQuantity, type JsonRpcSender } from "../../chain/rpcValues";
import { readView, revertDataOf } from "./contract";
import { ChallengeSendError, ChallengeTxTimeoutError } from "./errors";
import type { PublishedLeaf, SubmittedCheckpoint } from "./types";

/** ILeafAvailabilityGame.Demand */
export interface GameDemand {
  demander: string;
  deadline: bigint;
  finalizesAt: bigint;
  status: number;
  blockRootPrefix: string;
  bond: bigint;
}

interface RawLog {
  topics: string[];
  data: string;
  removed?: boolean;
}

/** What a game transaction came to: mined, or refused by the contract (in simulation or on chain). */
export type GameTxResult = { sent: true; txHash: string } | { sent: false; errorName: string | undefined; txHash?: string };

export class AvailabilityGameClient {
  constructor(
    private readonly rpc: JsonRpcSender,
    readonly address: string,
    private readonly maxLogRange: bigint,
  ) {}

  async leafDemand(id: bigint): Promise<GameDemand> {
    return demandOf((await this.view("leafDemand", [id]))[0]);
  }

  async headerDemand(id: bigint, blockNumber: bigint): Promise<GameDemand> {
    return demandOf((await this.view("headerDemand", [id, blockNumber]))[0]);
  }

  /** Whether a stored demand is about this submission (ids are reused after a revert). */
  isFor(demand: GameDemand, checkpoint: SubmittedCheckpoint): boolean {
    return (
      demand.status !== DemandStatusOnChain.None &&
      demand.finalizesAt === checkpoint.finalizesAt &&
      demand.blockRootPrefix.toLowerCase() === checkpoint.blockRoot.slice(0, 34).toLowerCase()
    );
  }

  /**
   * The leaves published for checkpoint `id` with block root `blockRoot`, from the game's
   * LeavesPublished events since `fromBlock`; undefined when none was published.
   */
  async publishedLeaves(id: bigint, blockRoot: string, fromBlock: bigint): Promise<PublishedLeaf[] | undefined> {
    for (const log of await this.logs(LEAVES_PUBLISHED_TOPIC, id, fromBlock)) {
      const parsed = leafAvailabilityGameAbi.parseLog(log);
      if (parsed === null || (parsed.args.blockRoot as string).toLowerCase() !== blockRoot.toLowerCase()) continue;
      const start = parsed.args.startBlock as bigint;
      return (parsed.args.leaves as { hash: string; receiptsRoot: string }[]).map((leaf, i) => ({
        number: start + BigInt(i),
        hash: leaf.hash.toLowerCase(),
        receiptsRoot: leaf.receiptsRoot.toLowerCase(),
      }));
    }
    return undefined;
  }

  /** Headers revealed for checkpoint `id` since `fromBlock`, by block hash (checked by the contract against the leaf). */
  async revealedHeaders(id: bigint, fromBlock: bigint): Promise<Map<string, string>> {
    const headers = new Map<string, string>();
    for (const log of await this.logs(HEADER_REVEALED_TOPIC, id, fromBlock)) {
      const parsed = leafAvailabilityGameAbi.parseLog(log);
      if (parsed === null) continue;
      const header = parsed.args.header as string;
      headers.set(keccak256(header).toLowerCase(), header);
    }
    return headers;
  }

  /** The destination's latest block time: what the contract's windows are compared with. */
  async now(): Promise<bigint> {
    const block = (await this.rpc.send("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
    return BigInt(block.timestamp);
  }

  view(method: string, args: unknown[] = []) {
    return readView(this.rpc, leafAvailabilityGameAbi, this.address, method, args);
  }

  /** Simulates, sends and waits for one game transaction. */
  async send(signer: Signer, method: string, args: unknown[], value: bigint, id: bigint, timeoutMs: number): Promise<GameTxResult> {
    const data = leafAvailabilityGameAbi.encodeFunctionData(method, args);
    const from = await signer.getAddress();
    try {
      await this.rpc.send("eth_call", [{ from, to: this.address, data, value: toRpcQuantity(value) }, "latest"]);
    } catch (error) {
      const revertData = revertDataOf(error);
      if (revertData === undefined) throw new ChallengeSendError(id, { cause: error });
      return { sent: false, errorName: errorNameOf(revertData) };
    }
    let response;
    try {
      response = await signer.sendTransaction({ to: this.address, data, value });
    } catch (error) {
      const revertData = revertDataOf(error);
      if (revertData === undefined) throw new ChallengeSendError(id, { cause: error });
      return { sent: false, errorName: errorNameOf(revertData) };
    }
    try {
      const receipt = await response.wait(1, timeoutMs);
      if (receipt === null || receipt.status !== 1) return { sent: false, errorName: undefined, txHash: response.hash };
    } catch (error) {
      if ((error as { code?: unknown }).code === "TIMEOUT") throw new ChallengeTxTimeoutError(id, response.hash, { cause: error });
      return { sent: false, errorName: errorNameOf(revertDataOf(error)), txHash: response.hash };
    }
    return { sent: true, txHash: response.hash };
  }

  private async logs(topic: string, id: bigint, fromBlock: bigint): Promise<RawLog[]> {
    const latest = BigInt((await this.rpc.send("eth_blockNumber", [])) as string);
    const found: RawLog[] = [];
    for (let chunk = fromBlock; chunk <= latest; chunk += this.maxLogRange) {
      const to = chunk + this.maxLogRange - 1n < latest ? chunk + this.maxLogRange - 1n : latest;
      const logs = (await this.rpc.send("eth_getLogs", [
        { address: this.address, fromBlock: toRpcQuantity(chunk), toBlock: toRpcQuantity(to), topics: [topic, toTopic(id)] },
      ])) as RawLog[];
      found.push(...logs.filter((log) => log.removed !== true));
    }
    return found;
  }
}

function toTopic(value: bigint): string {
  return `0x${value.toString(16).padStart(64, "0")}`;
}

function demandOf(raw: unknown): GameDemand {
  const d = raw as { demander: string; deadline: bigint; finalizesAt: bigint; status: bigint; blockRootPrefix: string; bond: bigint };
  return { demander: d.demander, deadline: d.deadline, finalizesAt: d.finalizesAt, status: Number(d.status), blockRootPrefix: d.blockRootPrefix, bond: d.bond };
}

function errorNameOf(revertData: string | undefined): string | undefined {
  if (revertData === undefined) return undefined;
  try {
    return leafAvailabilityGameAbi.parseError(revertData)?.name;
  } catch {
    return undefined;
  }
}
