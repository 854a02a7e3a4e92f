/**
 * Turn-taking between proposers of one lane, so that two of them do not both sign and send the
 * same range (the loser's transaction reverts and its gas is lost). Nothing is exchanged between
 * them: the proposers active on the destination are the submitters of its last checkpoints (as
 * the executor mirrors them), and for each range they order themselves by
 * keccak256(destination chain id, start block, address). The first goes at once; the n-th waits
 * n × staggerMs after the range is ready, then goes only if nobody landed it meanwhile.
 *
 * The order changes with every range, so the work is shared, and a proposer that stops landing
 * checkpoints drops out of the others' view after RECENT_CHECKPOINTS. Alone on a lane (or with
 * staggerMs 0), a proposer never waits.
 */
import { AbiCoder, keccak256 } from "ethers";

import type { Store } from "../store";

/** Checkpoints whose submitters count as the lane's active proposers. */
export const RECENT_CHECKPOINTS = 16;

export interface StaggerTurn {
  /** Our place among the active proposers for this range (0 = first). */
  rank: number;
  proposers: number;
  /** Milliseconds still to wait before we may go; 0 = go. */
  waitMs: number;
}

export class ProposerStagger {
  private ready: { startBlock: number; at: number } | undefined;

  constructor(
    private readonly self: string,
    private readonly destination: { name: string; chainId: number },
    private readonly store: Store,
    private readonly staggerMs: number,
  ) {}

  /** Our turn for the range starting at `startBlock`, which is ready now (the clock starts the first time it is asked). */
  turn(startBlock: number, now = Date.now()): StaggerTurn {
    if (this.ready?.startBlock !== startBlock) this.ready = { startBlock, at: now };
    const known = new Set(this.store.checkpoints.recentProposers(this.destination.name, RECENT_CHECKPOINTS).map((a) => a.toLowerCase()));
    known.add(this.self.toLowerCase());
    const rank = proposerRank(this.self, [...known], this.destination.chainId, startBlock);
    const waitMs = Math.max(0, this.ready.at + rank * this.staggerMs - now);
    return { rank, proposers: known.size, waitMs };
  }
}

/** Where `self` falls among `proposers` for the range starting at `startBlock` on chain `chainId`. */
export function proposerRank(self: string, proposers: readonly string[], chainId: number, startBlock: number): number {
  const coder = AbiCoder.defaultAbiCoder();
  const key = (address: string) => BigInt(keccak256(coder.encode(["uint256", "uint256", "address"], [chainId, startBlock, address])));
  const mine = key(self);
  let rank = 0;
  for (const other of new Set(proposers.map((p) => p.toLowerCase()))) {
    if (other === self.toLowerCase()) continue;
    if (key(other) < mine) rank++;
  }
  return rank;
}
