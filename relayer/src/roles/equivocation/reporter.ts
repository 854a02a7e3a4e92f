/**
 * Equivocation reporter: reads the CheckpointSubmitted events of both lanes (the main chain's
 * CheckpointManager, about the child chain, and the child chain's, about the main chain), keeps
 * what each signer key signed (the ranges with its valid signatures, and their leaves), and when
 * one key's two valid signatures commit different leaves at one height, reports the pair to the
 * StakeManager on the main chain (which takes evidence of either lane: the signatures are plain data).
 *
 * Why events: the contract keeps only a hash of each attestation, and a reverted checkpoint's
 * signatures survive only in its event. A conflict needs two signed ranges over one height in one
 * lane, which the predecessor rule allows only across a revert: a quorum's made-up checkpoint,
 * challenged away, then the honest one over the same blocks.
 *
 * Leaves: a signature proves only a root; the evidence needs the leaf and its Merkle proof, so a
 * range is usable once its leaves are known — from the blocks the watcher recorded, else the
 * source chain's node, else the leaf sources (a proposer's published trees) — and only if they
 * rebuild the signed root. Ranges without leaves are retried on every scan.
 *
 * Restart safety: everything is in the store (equivocation_trees, equivocation_reports, a cursor
 * per lane); a report is one row per (lane, signer, height), sent once with a stable intent, and
 * skipped when the StakeManager already slashed that offence (`isSlashed`), whoever reported it.
 */
import { TypedDataEncoder, getBytes, hexlify } from "ethers";

import { CHECKPOINT_SUBMITTED_TOPIC, CHECKPOINT_TYPES, checkpointDomain, checkpointManagerAbi } from "../../chain/abi";
import { toRpcQuantity, type JsonRpcSender } from "../../chain/rpcValues";
import { RelayerError } from "../../errors";
import { StakeLane, decodeStakeManagerError, stakeManagerAbi, type StakeLaneName } from "../../sdk/stakeManager";
import type { Store } from "../../store";
import { treeId, type EquivocationReport, type EquivocationTree, type StoredLeaf, type TreeKey } from "../../store/equivocation";
import { fetchOwnRange } from "../challenger/headers";
import { verifyPublished } from "../challenger/fraud";
import type { ChallengerLogger, LeafSource } from "../challenger/types";
import { firstDifference, keyOf, recoverStrict, rootOf, slashedIn, treeOf } from "./evidence";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
/** First wait before looking again for a range's leaves; it doubles up to MAX_LEAF_RETRY_MS. */
const LEAF_RETRY_MS = 1_000;
const MAX_LEAF_RETRY_MS = 10 * 60_000;

export class EquivocationReportError extends RelayerError {
  readonly code = "EQUIVOCATION_REPORT_FAILED";
  readonly retryable = true;
}

/** One lane as the reporter reads it. */
export interface ReporterLane {
  /** The StakeManager lane: the chain whose CheckpointManager the checkpoints were signed for. */
  name: StakeLaneName;
  /** JSON-RPC of that chain (its CheckpointSubmitted events). */
  destination: JsonRpcSender;
  /** JSON-RPC of the chain the checkpoints are about (their blocks). */
  source: JsonRpcSender;
  /** Store chain name of the source, whose recorded blocks (the watcher's) are tried first. */
  sourceChain?: string;
  /** First destination block to read events from, when the store has no cursor yet. */
  startBlock?: number;
}

export interface ReportOutcome {
  hash: string;
  status: "mined" | "reverted" | "cancelled";
  logs?: readonly { address: string; topics: string[]; data: string }[];
}

/** Sends a transaction to the main chain; `intent` names it, so a restarted process resends nothing. */
export type ReportSender = (request: { intent: string; to: string; data: string }) => Promise<ReportOutcome>;

export interface EquivocationReporterOptions {
  stakeManager: string;
  /** JSON-RPC of the main chain, where the StakeManager is. */
  main: JsonRpcSender;
  lanes: readonly ReporterLane[];
  store: Store;
  send: ReportSender;
  /** The address reports are sent from (simulations use it too). */
  reporter: string;
  logger: ChallengerLogger;
  leafSource?: LeafSource;
  /** Blocks per eth_getLogs call. */
  maxLogRange?: number;
  /** Blocks behind the cursor read again each scan, for submissions a reorg of the destination brought in. */
  rescanBlocks?: number;
  /** Longest range whose leaves are fetched from the source node. */
  maxNodeRange?: number;
  fetchConcurrency?: number;
  onReported?: (lane: StakeLaneName, signer: string, height: number) => void;
}

interface Domain {
  chainId: bigint;
  manager: string;
}

export interface ScanResult {
  /** Events read per lane in this scan. */
  events: number;
  /** Reports that slashed in this scan. */
  reported: EquivocationReport[];
}

export class EquivocationReporter {
  private readonly known = new Map<string, string>();
  private domains: Record<StakeLaneName, Domain> | undefined;
  /**
   * Ranges whose leaves were not found: when to look again (backing off, since a made-up range's
   * leaves may never be published), and whether our node already answered with other blocks.
   * Warned once per range, not at every scan.
   */
  private readonly missing = new Map<string, { attempts: number; nextAt: number; nodeDiffers: boolean }>();
  private scanning: Promise<ScanResult> | undefined;

  constructor(private readonly options: EquivocationReporterOptions) {}

  /** Reads new events, resolves leaves, finds conflicts and reports them. Concurrent calls share one scan. */
  scan(): Promise<ScanResult> {
    this.scanning ??= this.scanOnce().finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  private async scanOnce(): Promise<ScanResult> {
    const domains = await this.laneDomains();
    let events = 0;
    for (const lane of this.options.lanes) {
      if (domains[lane.name].manager === ZERO_ADDRESS) continue;
      events += await this.syncEvents(lane, domains);
      await this.resolveLeaves(lane);
    }
    return { events, reported: await this.sendReports() };
  }

  /** The lanes' EIP-712 domains, as the StakeManager checks evidence: read once. */
  private async laneDomains(): Promise<Record<StakeLaneName, Domain>> {
    if (this.domains !== undefined) return this.domains;
    const read = async (name: StakeLaneName): Promise<Domain> => {
      const [domain] = await this.view("laneDomain", [StakeLane[name]]);
      const { chainId, manager } = domain as { chainId: bigint; manager: string };
      return { chainId, manager: manager.toLowerCase() };
    };
    const domains = { main: await read("main"), child: await read("child") };
    for (const lane of this.options.lanes) {
      if (domains[lane.name].manager === ZERO_ADDRESS) this.options.logger.warn({ at: "equivocation.lane", lane: lane.name }, "the StakeManager has no manager for this lane: not watched");
    }
    // A lane not set yet may be set later: read again next time instead of caching the gap.
    if (domains.main.manager !== ZERO_ADDRESS && domains.child.manager !== ZERO_ADDRESS) this.domains = domains;
    return domains;
  }

  /** Reads CheckpointSubmitted events from the lane's cursor to the head, keeping each range's valid signatures. */
  private async syncEvents(lane: ReporterLane, domains: Record<StakeLaneName, Domain>): Promise<number> {
    const { store } = this.options;
    const domain = domains[lane.name];
    const sourceChainId = domains[lane.name === "main" ? "child" : "main"].chainId;
    const cursor = `equivocation.${lane.name}`;
    const latest = Number(BigInt((await lane.destination.send("eth_blockNumber", [])) as string));
    const step = this.options.maxLogRange ?? 2_000;
    let events = 0;
    // Signatures are evidence whatever became of the submission (reverted, reorged away): no
    // confirmation depth, and a range read twice only merges signatures already known.
    const next = store.cursors.get(cursor);
    const first = next === undefined ? (lane.startBlock ?? 0) : Math.max(lane.startBlock ?? 0, next - (this.options.rescanBlocks ?? 64));
    for (let from = first; from <= latest; from += step) {
      const to = Math.min(latest, from + step - 1);
      const logs = (await lane.destination.send("eth_getLogs", [
        { address: domain.manager, topics: [CHECKPOINT_SUBMITTED_TOPIC], fromBlock: toRpcQuantity(from), toBlock: toRpcQuantity(to) },
      ])) as { topics: string[]; data: string; removed?: boolean }[];
      for (const log of logs) {
        if (log.removed === true) continue;
        const parsed = checkpointManagerAbi.parseLog({ topics: log.topics, data: log.data });
        if (parsed === null) continue;
        events++;
        const key: TreeKey = { startBlock: Number(parsed.args.startBlock), endBlock: Number(parsed.args.endBlock), blockRoot: (parsed.args.blockRoot as string).toLowerCase() };
        const signatures = await this.validSignatures(domain, sourceChainId, key, parsed.args.signatures as string);
        const added = store.equivocation.addSignatures(lane.name, key, signatures);
        const tree = store.equivocation.tree(lane.name, key)!;
        if (tree.leaves !== null && added.length > 0) this.compare(lane.name, { ...tree, leaves: tree.leaves }, added);
      }
      store.cursors.set(cursor, to + 1);
    }
    return events;
  }

  /**
   * The signatures that recover, in the lane's domain, to a key the StakeManager knows. Anything
   * else (malformed bytes, high s, another domain, a stranger's key) is no evidence and is dropped.
   */
  private async validSignatures(domain: Domain, sourceChainId: bigint, key: TreeKey, packed: string): Promise<Record<string, string>> {
    const digest = TypedDataEncoder.hash(checkpointDomain(domain.chainId, domain.manager), CHECKPOINT_TYPES, {
      sourceChainId,
      startBlock: key.startBlock,
      endBlock: key.endBlock,
      blockRoot: key.blockRoot,
    });
    const bytes = getBytes(packed);
    const valid: Record<string, string> = {};
    for (let i = 0; i + 65 <= bytes.length; i += 65) {
      const signature = hexlify(bytes.slice(i, i + 65));
      const signer = recoverStrict(digest, signature);
      if (signer === undefined || !(await this.isStakedKey(signer))) continue;
      valid[signer] = signature;
    }
    return valid;
  }

  private async isStakedKey(signer: string): Promise<boolean> {
    if (this.known.has(signer)) return true;
    const [validator] = await this.view("signerInfo", [signer]);
    if ((validator as string) === ZERO_ADDRESS) return false;
    this.known.set(signer, (validator as string).toLowerCase());
    return true;
  }

  /** Finds the leaves of ranges seen without them, then compares their signers' leaves. */
  private async resolveLeaves(lane: ReporterLane): Promise<void> {
    const { store, logger } = this.options;
    for (const tree of store.equivocation.withoutLeaves(lane.name)) {
      const id = `${lane.name}:${treeId(tree)}`;
      const state = this.missing.get(id) ?? { attempts: 0, nextAt: 0, nodeDiffers: false };
      if (Date.now() < state.nextAt) continue;
      const leaves = await this.findLeaves(lane, tree, state);
      if (leaves === undefined) {
        if (state.attempts === 0) {
          this.missing.set(id, state);
          logger.warn({ at: "equivocation.leaves", lane: lane.name, ...keyOf(tree), signers: Object.keys(tree.signatures).length }, "leaves of a signed range not found yet: it cannot serve as evidence until they are");
        }
        state.attempts++;
        state.nextAt = Date.now() + Math.min(LEAF_RETRY_MS * 2 ** Math.min(state.attempts, 16), MAX_LEAF_RETRY_MS);
        continue;
      }
      this.missing.delete(id);
      store.equivocation.setLeaves(lane.name, tree, leaves);
      this.compare(lane.name, { ...tree, leaves }, Object.keys(tree.signatures));
    }
  }

  /** The range's leaves from our records, our node, then the leaf sources; `state.nodeDiffers` is set when our node has other blocks there. */
  private async findLeaves(lane: ReporterLane, key: TreeKey, state: { nodeDiffers: boolean }): Promise<StoredLeaf[] | undefined> {
    const count = key.endBlock - key.startBlock + 1;
    if (count <= 0) return undefined;
    if (lane.sourceChain !== undefined) {
      const recorded = this.options.store.blocks.range(lane.sourceChain, key.startBlock, key.endBlock);
      if (recorded.length === count) {
        const leaves = recorded.map((b) => ({ hash: b.hash, receiptsRoot: b.receiptsRoot }));
        if (rootOf(key, leaves) === key.blockRoot) return leaves;
      }
    }
    // Our node's blocks do not change (below a reorg): once they built another root, ask only the leaf sources.
    if (count <= (this.options.maxNodeRange ?? 2_048) && !state.nodeDiffers) {
      try {
        const own = await fetchOwnRange(lane.source, BigInt(key.startBlock), BigInt(key.endBlock), this.options.fetchConcurrency ?? 8);
        if (own.tree.root.toLowerCase() === key.blockRoot) return own.tree.blocks.map((b) => ({ hash: b.hash, receiptsRoot: b.receiptsRoot }));
        state.nodeDiffers = true;
      } catch (error) {
        // The node may not have the range (behind, pruned): the leaf sources may still.
        this.options.logger.warn({ at: "equivocation.node", lane: lane.name, ...keyOf(key), err: (error as Error).message }, "source node could not serve the range");
      }
    }
    const source = this.options.leafSource;
    if (source === undefined) return undefined;
    const ref = { id: 0n, startBlock: BigInt(key.startBlock), endBlock: BigInt(key.endBlock), blockRoot: key.blockRoot };
    let published;
    try {
      published = await source(ref);
    } catch (error) {
      this.options.logger.warn({ at: "equivocation.leaf-source", lane: lane.name, ...keyOf(key), err: (error as Error).message }, "leaf source failed");
      return undefined;
    }
    if (published === undefined) return undefined;
    const verified = verifyPublished(ref, published);
    if ("reason" in verified) {
      this.options.logger.warn({ at: "equivocation.leaf-source", lane: lane.name, ...keyOf(key), reason: verified.reason }, "leaf source returned other leaves");
      return undefined;
    }
    return verified.tree.blocks.map((b) => ({ hash: b.hash, receiptsRoot: b.receiptsRoot }));
  }

  /**
   * Compares what `signers` signed in `tree` with what they signed in every overlapping range, and
   * queues a report per signer and pair of ranges at the lowest height where the leaves differ.
   * Same leaves at the same heights (honest validators cutting ranges differently) never conflict.
   */
  private compare(lane: StakeLaneName, tree: EquivocationTree & { leaves: StoredLeaf[] }, signers: readonly string[]): void {
    const { store, logger } = this.options;
    for (const other of store.equivocation.overlapping(lane, tree)) {
      const common = signers.filter((signer) => other.signatures[signer] !== undefined);
      if (common.length === 0) continue;
      const height = firstDifference(tree, other);
      if (height === undefined) continue;
      for (const signer of common) {
        if (!store.equivocation.addReport(lane, signer, height, other, tree)) continue;
        const [mine, theirs] = [tree.leaves[height - tree.startBlock], other.leaves[height - other.startBlock]];
        logger.warn(
          { at: "equivocation.found", lane, signer, height, first: treeId(other), second: treeId(tree), firstLeaf: theirs, secondLeaf: mine },
          "a validator key signed two different leaves at one height",
        );
      }
    }
  }

  /** Sends the queued reports, each once; an offence the StakeManager already slashed is not sent. */
  private async sendReports(): Promise<EquivocationReport[]> {
    const done: EquivocationReport[] = [];
    let failed: unknown;
    for (const report of this.options.store.equivocation.pendingReports()) {
      // One report failing (the node, the funds) must not hold back the others.
      try {
        if (await this.report(report)) done.push(report);
      } catch (error) {
        failed ??= error;
        this.options.logger.warn({ at: "equivocation.report", lane: report.lane, signer: report.signer, height: report.height, err: (error as Error).message }, "sending the report failed; retrying on the next scan");
      }
    }
    // The run loop counts the failure and backs off; what did go through is recorded already.
    if (failed !== undefined) throw failed;
    return done;
  }

  private async report(report: EquivocationReport): Promise<boolean> {
    const { store, logger, stakeManager } = this.options;
    const lane = report.lane as StakeLaneName;
    const laneIndex = StakeLane[lane];
    const log = { at: "equivocation.report", lane, signer: report.signer, height: report.height };
    const first = this.signedLeaf(lane, report.signer, report.first, report.height);
    const second = this.signedLeaf(lane, report.signer, report.second, report.height);
    const [validatorRaw] = await this.view("signerInfo", [report.signer]);
    const validator = (validatorRaw as string).toLowerCase();
    const settle = (status: "already-slashed" | "refused", reason: string) => {
      store.equivocation.settle(lane, report.signer, report.height, { status, validator, reason });
      logger.info({ ...log, validator, status, reason }, status === "already-slashed" ? "offence already slashed: not reported again" : "report refused by the StakeManager");
      return false;
    };
    if (validator === ZERO_ADDRESS) return settle("refused", "StakeManagerUnknownSigner");
    if (((await this.view("isSlashed", [validator, laneIndex, report.height]))[0] as boolean) === true) return settle("already-slashed", "isSlashed");

    const data = stakeManagerAbi.encodeFunctionData("reportEquivocation", [laneIndex, report.signer, first, second]);
    try {
      await this.options.main.send("eth_call", [{ from: this.options.reporter, to: stakeManager, data }, "latest"]);
    } catch (error) {
      const decoded = decodeStakeManagerError(error);
      if (decoded === undefined) throw new EquivocationReportError(`simulating the report of ${report.signer} at ${report.height} failed: ${(error as Error).message}`, { cause: error });
      return settle(decoded.name === "StakeManagerAlreadySlashed" ? "already-slashed" : "refused", decoded.name);
    }

    let outcome: ReportOutcome;
    try {
      outcome = await this.options.send({ intent: `equivocation:${lane}:${report.signer}:${report.height}`, to: stakeManager, data });
    } catch (error) {
      // Someone else's report may have landed between our simulation and the send.
      if (((await this.view("isSlashed", [validator, laneIndex, report.height]))[0] as boolean) === true) return settle("already-slashed", "isSlashed");
      throw error;
    }
    if (outcome.status !== "mined") {
      if (((await this.view("isSlashed", [validator, laneIndex, report.height]))[0] as boolean) === true) return settle("already-slashed", "isSlashed");
      store.equivocation.settle(lane, report.signer, report.height, { status: "refused", validator, txHash: outcome.hash, reason: `transaction ${outcome.status}` });
      logger.error({ ...log, validator, txHash: outcome.hash, status: outcome.status }, "equivocation report transaction did not go through");
      return false;
    }
    const slashed = slashedIn(outcome.logs ?? [], stakeManager);
    store.equivocation.settle(lane, report.signer, report.height, { status: "reported", validator, txHash: outcome.hash, slashed });
    this.options.onReported?.(lane, report.signer, report.height);
    logger.info({ ...log, validator, txHash: outcome.hash, slashed: slashed?.toString() }, "reported equivocation: validator slashed");
    return true;
  }

  /** One half of the evidence, rebuilt from the stored range: its signature, the leaf at `height`, its proof. */
  private signedLeaf(lane: StakeLaneName, signer: string, key: TreeKey, height: number) {
    const tree = this.options.store.equivocation.tree(lane, key);
    const signature = tree?.signatures[signer];
    if (tree === undefined || tree.leaves === null || signature === undefined) {
      throw new EquivocationReportError(`the store lost range ${treeId(key)} of lane ${lane} or its signature by ${signer}`);
    }
    const built = treeOf(tree, tree.leaves);
    const leaf = built.leafFor(height);
    return {
      checkpoint: { startBlock: key.startBlock, endBlock: key.endBlock, blockRoot: key.blockRoot },
      signature,
      leaf: { number: leaf.number, hash: leaf.hash, receiptsRoot: leaf.receiptsRoot },
      proof: built.proofFor(height),
    };
  }

  private async view(method: string, args: unknown[]): Promise<unknown[]> {
    const data = stakeManagerAbi.encodeFunctionData(method, args);
    const raw = (await this.options.main.send("eth_call", [{ to: this.options.stakeManager, data }, "latest"])) as string;
    return [...stakeManagerAbi.decodeFunctionResult(method, raw)];
  }
}
