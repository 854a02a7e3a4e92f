/**
 * Header fraud in a checkpoint whose committed leaves are known. The contract stores only the
 * root, so a challenge must reveal a committed leaf with its Merkle proof and the header whose
 * hash the leaf commits; without the leaves, or without such a header, nothing can be proven.
 */
import { buildCheckpointTree, type CheckpointLeaf, type CheckpointTree } from "../../proof/checkpointTree";
import type { HeaderBook, KnownHeader } from "./headers";
import type { Attestation, CheckpointRef, PlannedChallenge, PublishedLeaf, RevealedBlock, SubmittedCheckpoint } from "./types";

/** The committed tree of a checkpoint, with any headers its publisher attached (by leaf hash). */
export interface CommittedTree {
  tree: CheckpointTree;
  published: ReadonlyMap<string, string>;
}

/** The previous checkpoint's tree and, when its submission event is known, its attestation. */
export interface PreviousCheckpoint extends CommittedTree {
  attestation?: Attestation;
}

/**
 * Accepts published leaves only if they are exactly the checkpoint: same range, same root. A
 * tree that does not rebuild the on-chain root proves nothing about it.
 */
export function verifyPublished(ref: CheckpointRef, leaves: readonly PublishedLeaf[]): CommittedTree | { reason: string } {
  let tree: CheckpointTree;
  try {
    tree = buildCheckpointTree(leaves);
  } catch (error) {
    return { reason: `published leaves are malformed: ${(error as Error).message}` };
  }
  if (tree.startBlock !== ref.startBlock || tree.endBlock !== ref.endBlock) {
    return { reason: `published leaves cover [${tree.startBlock}, ${tree.endBlock}], the checkpoint [${ref.startBlock}, ${ref.endBlock}]` };
  }
  if (tree.root.toLowerCase() !== ref.blockRoot.toLowerCase()) {
    return { reason: `published leaves build root ${tree.root}, the checkpoint commits ${ref.blockRoot}` };
  }
  const published = new Map<string, string>();
  for (const leaf of leaves) if (leaf.header !== undefined) published.set(leaf.hash.toLowerCase(), leaf.header);
  return { tree, published };
}

export interface FraudSearch {
  checkpoint: SubmittedCheckpoint;
  committed: CommittedTree;
  headers: HeaderBook;
  /** The previous checkpoint's committed tree; asked for only when the boundary must be checked. */
  previous: () => Promise<PreviousCheckpoint | undefined>;
}

/**
 * The first provable fraud, in the order cheapest to prove: a leaf whose header has another
 * number or receipts root (challengeHeader), then two consecutive leaves that do not link,
 * inside the checkpoint and then across its boundary with the previous one (challengeHeaderChain).
 */
export async function findHeaderFraud(search: FraudSearch): Promise<PlannedChallenge | { reason: string; unknown: CheckpointLeaf[] }> {
  const { checkpoint, committed, headers } = search;
  const leaves = committed.tree.blocks;
  const known: (KnownHeader | undefined)[] = [];
  for (const leaf of leaves) {
    const header = await headers.byHash(leaf.hash, committed.published.get(leaf.hash));
    known.push(header);
    if (header !== undefined && (header.number !== leaf.number || header.receiptsRoot !== leaf.receiptsRoot)) {
      const what = header.number !== leaf.number ? `number ${header.number}` : `receipts root ${header.receiptsRoot}`;
      return {
        kind: "header",
        checkpoint,
        revealed: reveal(committed.tree, leaf, header),
        reason: `leaf ${leaf.number} commits block ${leaf.hash}, whose header has ${what}`,
      };
    }
  }

  for (let i = 1; i < leaves.length; i++) {
    const parent = known[i - 1];
    const child = known[i];
    if (parent !== undefined && child !== undefined && child.parentHash !== leaves[i - 1].hash) {
      return chainChallenge(checkpoint, committed.tree, leaves[i - 1], parent, committed.tree, leaves[i], child);
    }
  }

  const first = known[0];
  let boundary = "";
  if (checkpoint.id > 0n && first !== undefined) {
    const previous = await search.previous();
    if (previous === undefined) {
      boundary = "; the previous checkpoint's leaves are unknown, so its boundary was not checked";
    } else {
      const last = previous.tree.blocks[previous.tree.blocks.length - 1];
      if (first.parentHash !== last.hash) {
        const parent = await headers.byHash(last.hash, previous.published.get(last.hash));
        // Across the boundary the contract weighs the previous attestation: a forged one is blamed instead.
        if (parent !== undefined) return chainChallenge(checkpoint, previous.tree, last, parent, committed.tree, leaves[0], first, previous.attestation);
        boundary = `; block ${leaves[0].number} does not link to the previous checkpoint's last block, whose header nobody has`;
      }
    }
  }

  const unknown = leaves.filter((_, i) => known[i] === undefined);
  const why =
    unknown.length > 0
      ? `${unknown.length} committed block hash(es) have no known header (a made-up hash cannot be revealed)`
      : "every committed block is a real header linked to the one before: the checkpoint commits another fork than the source node's";
  return { reason: why + boundary, unknown };
}

function chainChallenge(
  checkpoint: SubmittedCheckpoint,
  parentTree: CheckpointTree,
  parentLeaf: CheckpointLeaf,
  parent: KnownHeader,
  childTree: CheckpointTree,
  childLeaf: CheckpointLeaf,
  child: KnownHeader,
  previous?: Attestation,
): PlannedChallenge {
  return {
    kind: "header-chain",
    checkpoint,
    parent: reveal(parentTree, parentLeaf, parent),
    child: reveal(childTree, childLeaf, child),
    previous,
    reason: `block ${childLeaf.number} has parent ${child.parentHash}, but the committed block ${parentLeaf.number} is ${parentLeaf.hash}`,
  };
}

function reveal(tree: CheckpointTree, leaf: CheckpointLeaf, header: KnownHeader): RevealedBlock {
  return {
    leaf: { number: leaf.number, hash: leaf.hash, receiptsRoot: leaf.receiptsRoot },
    proof: tree.proofFor(leaf.number),
    header: header.rlp,
  };
}
