/**
 * The pure parts of equivocation evidence: which key a checkpoint signature is by (under the
 * contracts' rules), where two signed ranges first disagree, the tree of stored leaves, and the
 * slashed amount in a report's receipt.
 */
import { Signature, getBytes, hexlify, recoverAddress } from "ethers";

import { buildCheckpointTree, type CheckpointTree } from "../../proof/checkpointTree";
import { stakeManagerAbi } from "../../sdk/stakeManager";
import type { StoredLeaf, TreeKey } from "../../store/equivocation";

const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/** The key a 65-byte signature recovers to, under the rules of OpenZeppelin's ECDSA (low s, v 27/28). */
export function recoverStrict(digest: string, signature: string): string | undefined {
  const bytes = getBytes(signature);
  if (bytes.length !== 65) return undefined;
  const s = BigInt(hexlify(bytes.slice(32, 64)));
  const v = bytes[64];
  if (s > SECP256K1_HALF_N || (v !== 27 && v !== 28)) return undefined;
  try {
    return recoverAddress(digest, Signature.from({ r: hexlify(bytes.slice(0, 32)), s: hexlify(bytes.slice(32, 64)), v })).toLowerCase();
  } catch {
    return undefined;
  }
}

/** The lowest height both ranges commit with different leaves (hash or receipts root). */
export function firstDifference(a: TreeKey & { leaves: StoredLeaf[] }, b: TreeKey & { leaves: StoredLeaf[] }): number | undefined {
  const to = Math.min(a.endBlock, b.endBlock);
  for (let height = Math.max(a.startBlock, b.startBlock); height <= to; height++) {
    const [x, y] = [a.leaves[height - a.startBlock], b.leaves[height - b.startBlock]];
    if (x.hash !== y.hash || x.receiptsRoot !== y.receiptsRoot) return height;
  }
  return undefined;
}

export function treeOf(key: TreeKey, leaves: readonly StoredLeaf[]): CheckpointTree {
  return buildCheckpointTree(leaves.map((leaf, i) => ({ number: key.startBlock + i, hash: leaf.hash, receiptsRoot: leaf.receiptsRoot })));
}

export function rootOf(key: TreeKey, leaves: readonly StoredLeaf[]): string {
  return treeOf(key, leaves).root.toLowerCase();
}

export function keyOf(key: TreeKey): TreeKey {
  return { startBlock: key.startBlock, endBlock: key.endBlock, blockRoot: key.blockRoot };
}

const SLASHED_TOPIC = stakeManagerAbi.getEvent("EquivocationSlashed")!.topicHash;

export function slashedIn(logs: readonly { address: string; topics: string[]; data: string }[], stakeManager: string): bigint | undefined {
  const log = logs.find((l) => l.address.toLowerCase() === stakeManager.toLowerCase() && l.topics[0] === SLASHED_TOPIC);
  if (log === undefined) return undefined;
  return stakeManagerAbi.parseLog(log)?.args.slashed as bigint | undefined;
}
