/**
 * What a proposer checks about the checkpoint it is about to build on (protocol.md, "Building on
 * a predecessor"). A submission answers for the link between its first block and the last block
 * of the checkpoint it names, so the proposer builds only on a predecessor that
 *   - commits exactly this node's blocks (its root is the tree of our own blocks of its range), and
 *   - while it is still pending, carries only signatures that recover to their validators.
 * Either failing, the proposer waits: the challenger role (ours or anyone's) reverts a forgery,
 * and a predecessor that is final and differs from our chain is not ours to continue.
 *
 * Verdicts are kept per submission (its CheckpointSubmitted event), so each predecessor is
 * checked once even though every proposer step asks.
 */
import type { Logger } from "pino";

import { CheckpointStatusOnChain, checkpointManagerAbi, readContract } from "../chain/abi";
import type { RpcClient } from "../chain/provider";
import type { ChainName } from "../config";
import { buildCheckpointTree } from "../proof/checkpointTree";
import type { Store } from "../store";
import { challengerAbi, readView, validatorSetAbi } from "./challenger/contract";
import { fetchOwnRange } from "./challenger/headers";
import { badSignaturePositions } from "./challenger/signatures";
import { SubmissionLog } from "./challenger/submissions";

/** Why the proposer does not build on a predecessor, or that it may. */
export type PredecessorVerdict =
  | { sound: true }
  | { sound: false; reason: "changed" | "other-blocks" | "forged-signature" | "no-submission-event"; detail: string };

export interface PredecessorCheckOptions {
  source: ChainName;
  sourceRpc: RpcClient;
  destinationRpc: RpcClient;
  checkpointManager: string;
  validatorSet: string;
  store: Store;
  log: Logger;
  /** First destination block to read CheckpointSubmitted events from (the deployment block). */
  startBlock?: bigint;
}

export class PredecessorCheck {
  private readonly submissions: SubmissionLog;
  /** Verdicts by `id:root:submission`: a submission's content and signatures never change. */
  private readonly verdicts = new Map<string, PredecessorVerdict>();

  constructor(private readonly options: PredecessorCheckOptions) {
    this.submissions = new SubmissionLog(options.destinationRpc, options.checkpointManager, {
      startBlock: options.startBlock ?? 0n,
      maxLogRange: 2_000n,
      rescanBlocks: 64n,
    });
  }

  /** Whether checkpoint `id`, whose block root the contract's head() reports as `root`, may be built on. */
  async check(id: bigint, root: string): Promise<PredecessorVerdict> {
    const { destinationRpc, checkpointManager } = this.options;
    const [startBlock, endBlock, blockRoot] = (await readContract(destinationRpc, checkpointManagerAbi, checkpointManager, "getCheckpoint", [id])) as unknown as [bigint, bigint, string];
    if (blockRoot.toLowerCase() !== root.toLowerCase()) return { sound: false, reason: "changed", detail: `checkpoint ${id} is no longer ${root}` };

    // Not remembered when it differs: our own node may be the one that catches up.
    const own = await this.ownRoot(startBlock, endBlock);
    if (own.toLowerCase() !== root.toLowerCase()) {
      return { sound: false, reason: "other-blocks", detail: `checkpoint ${id} commits root ${root}, our blocks ${startBlock}-${endBlock} build ${own}` };
    }

    const [status] = (await readContract(destinationRpc, checkpointManagerAbi, checkpointManager, "checkpointStatus", [id])) as unknown as [bigint];
    // A final predecessor can no longer be challenged: its signatures no longer matter.
    if (Number(status) === CheckpointStatusOnChain.Final) return { sound: true };

    await this.submissions.sync();
    const event = this.submissions.get(id);
    if (event === undefined || event.blockRoot !== root.toLowerCase() || event.startBlock !== startBlock || event.endBlock !== endBlock) {
      return { sound: false, reason: "no-submission-event", detail: `no CheckpointSubmitted event of checkpoint ${id} with root ${root} yet` };
    }
    const key = `${id}:${root.toLowerCase()}:${event.submissionKey}`;
    const known = this.verdicts.get(key);
    if (known !== undefined) return known;

    const [digest] = await readView(destinationRpc, challengerAbi, checkpointManager, "checkpointDigest", [startBlock, endBlock, blockRoot]);
    const [entries] = await readView(destinationRpc, validatorSetAbi, this.options.validatorSet, "packedValidators", [], event.blockNumber);
    const bad = badSignaturePositions(digest as string, [...(entries as string[])], event.signers, event.signatures);
    if (bad.length > 0) {
      return this.remember(key, { sound: false, reason: "forged-signature", detail: `checkpoint ${id}'s signatures at positions ${bad.join(", ")} do not recover to their validators` });
    }
    return this.remember(key, { sound: true });
  }

  private remember(key: string, verdict: PredecessorVerdict): PredecessorVerdict {
    if (this.verdicts.size >= 256) this.verdicts.clear();
    this.verdicts.set(key, verdict);
    return verdict;
  }

  /** The tree root of our own blocks start..end: from the watcher's store, or the source node where the store lacks them. */
  private async ownRoot(start: bigint, end: bigint): Promise<string> {
    const stored = this.options.store.blocks.range(this.options.source, Number(start), Number(end));
    if (stored.length !== Number(end - start + 1n) || stored.some((b, i) => i > 0 && b.parentHash !== stored[i - 1].hash)) {
      return (await fetchOwnRange(this.options.sourceRpc, start, end, 8)).tree.root;
    }
    return buildCheckpointTree(stored).root;
  }
}
