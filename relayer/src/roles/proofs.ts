/**
 * Exit proofs for stored messages, shared by the executor and the API. The checkpoint tree is
 * rebuilt from the watcher's blocks (and must match the submitted root), the receipts trie is
 * built once per block and cached.
 */
import { fetchBlockReceipts } from "../chain/receipts";
import type { JsonRpcSender } from "../chain/rpcValues";
import { buildCheckpointTree, type CheckpointTree } from "../proof/checkpointTree";
import { buildExitProof, locateLog, type ExitProof } from "../proof/exitProof";
import { ReceiptTrie } from "../proof/receiptTrie";
import { RelayerError } from "../errors";
import type { StoredCheckpoint } from "../store/checkpoints";
import type { StoredMessage } from "../store/messages";
import type { RoleContext } from "./context";

export class CheckpointMismatchError extends RelayerError {
  readonly code = "CHECKPOINT_MISMATCH";
  readonly retryable = false;
  constructor(readonly checkpointId: number, reason: string) {
    super(`checkpoint ${checkpointId}: ${reason}`);
  }
}

/** What the cache fetches receipts through: the roles' RPC clients, or any JSON-RPC provider (the test kit). */
type ReceiptSource = { rpc: Readonly<Record<"main" | "child", JsonRpcSender>> };

export class ProofCache {
  private readonly trees = new Map<string, CheckpointTree>();
  private readonly tries = new Map<string, Promise<ReceiptTrie>>();
  private readonly receipts = new Map<string, Promise<Awaited<ReturnType<typeof fetchBlockReceipts>>>>();

  /** Entries held: callers that keep a cache alive start a new one past a bound. */
  get size(): number {
    return this.trees.size + this.tries.size + this.receipts.size;
  }

  /** The tree of a checkpoint from our recorded blocks. @throws CheckpointMismatchError if not ours. */
  tree(ctx: Pick<RoleContext, "store">, source: string, cp: StoredCheckpoint): CheckpointTree {
    const key = `${cp.destination}:${cp.id}:${cp.blockRoot}`;
    let tree = this.trees.get(key);
    if (tree === undefined) {
      const blocks = ctx.store.blocks.range(source, cp.startBlock, cp.endBlock);
      if (blocks.length !== cp.endBlock - cp.startBlock + 1) throw new CheckpointMismatchError(cp.id, "our watcher has not recorded all its blocks");
      tree = buildCheckpointTree(blocks);
      // A root we cannot rebuild is not a checkpoint of our chain: the challenger's business, never relay on it.
      if (tree.root !== cp.blockRoot) throw new CheckpointMismatchError(cp.id, `root ${cp.blockRoot} differs from ours ${tree.root}`);
      this.trees.set(key, tree);
    }
    return tree;
  }

  blockReceipts(ctx: ReceiptSource, source: "main" | "child", blockHash: string) {
    let p = this.receipts.get(blockHash);
    if (p === undefined) {
      p = fetchBlockReceipts(ctx.rpc[source], blockHash);
      p.catch(() => this.receipts.delete(blockHash));
      this.receipts.set(blockHash, p);
    }
    return p;
  }

  trie(ctx: ReceiptSource, source: "main" | "child", blockHash: string): Promise<ReceiptTrie> {
    let p = this.tries.get(blockHash);
    if (p === undefined) {
      p = this.blockReceipts(ctx, source, blockHash).then((r) => ReceiptTrie.fromReceipts(r));
      p.catch(() => this.tries.delete(blockHash));
      this.tries.set(blockHash, p);
    }
    return p;
  }
}

/** The exit proof of a stored message through a stored checkpoint. */
export async function buildMessageProof(
  ctx: Pick<RoleContext, "store" | "rpc">,
  message: StoredMessage,
  checkpoint: StoredCheckpoint,
  cache = new ProofCache(),
): Promise<ExitProof> {
  const source = message.source as "main" | "child";
  const tree = cache.tree(ctx, source, checkpoint);
  const leaf = tree.leafFor(message.blockNumber);
  if (leaf.hash !== message.blockHash) throw new CheckpointMismatchError(checkpoint.id, `block ${message.blockNumber} is ${leaf.hash}, the message is in ${message.blockHash}`);
  const receipts = await cache.blockReceipts(ctx, source, message.blockHash);
  const trie = await cache.trie(ctx, source, message.blockHash);
  const { txIndex, logIndexInReceipt } = locateLog(receipts, message.logIndex);
  return buildExitProof({ checkpointId: checkpoint.id, checkpointTree: tree, blockNumber: message.blockNumber, receiptProof: await trie.proof(txIndex), logIndex: logIndexInReceipt });
}

/** JSON form of an exit proof (bigints as decimal strings), as the API and CLI print it. */
export function exitProofJson(proof: ExitProof): Record<string, unknown> {
  return { ...proof, checkpointId: proof.checkpointId.toString(), blockNumber: proof.blockNumber.toString(), logIndex: proof.logIndex.toString() };
}
