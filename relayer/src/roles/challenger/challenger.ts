/**
 * The challenger role: checks every pending checkpoint of one CheckpointManager against the
 * source chain's own node and proves on chain the fraud it can prove before the window closes.
 *
 * Verbs, smallest first: `pendingCheckpoints` (what can still be challenged), `inspect` (one
 * checkpoint → a planned challenge or a verdict), `challenge` (simulate, send, confirm) and
 * `scan` (all of it, for the service's run loop). State is in memory: a restarted process
 * re-reads the events from `startBlock` and checks again, which is safe because a checkpoint
 * that was already reverted is no longer pending.
 */
import type { JsonRpcSender } from "../../chain/rpcValues";
import { BlockNotFoundError, RelayerError } from "../../errors";
import { CheckpointStatus, challengerAbi, encodeChallenge, errorNameOf, readCheckpoint, readView, revertDataOf, validatorSetAbi } from "./contract";
import { ChallengeRejectedError, ChallengeSendError, ChallengeTxTimeoutError, MissingSubmissionEventError } from "./errors";
import { DemandStatusOnChain } from "../../chain/abi";
import type { CheckpointLeaf, CheckpointTree } from "../../proof/checkpointTree";
import { AvailabilityGameClient, type GameTxResult } from "./availability";
import { findHeaderFraud, verifyPublished, type CommittedTree, type PreviousCheckpoint } from "./fraud";
import { HeaderBook, fetchOwnRange } from "./headers";
import { badSignaturePositions } from "./signatures";
import { SubmissionLog } from "./submissions";
import type {
  ChallengeOutcome,
  ChallengeResult,
  CheckpointChallengerOptions,
  CheckpointRef,
  Inspection,
  PlannedChallenge,
  SubmittedCheckpoint,
} from "./types";

export class CheckpointChallenger {
  private readonly destination: JsonRpcSender;
  private readonly manager: string;
  private readonly submissions: SubmissionLog;
  /**
   * Submissions a challenge was sent or refused for: never challenged twice by this process.
   * Keyed by (id, root) and the submission event, because after a revert the same blocks are
   * usually resubmitted under the same id and root, and that new checkpoint must be checked too.
   */
  private readonly attempted = new Set<string>();
  /** Valid checkpoints by submission: their content cannot change, so they are checked once. */
  private readonly valid = new Map<string, ChallengeResult>();
  /** Unprovable (id, root) pairs already raised at error level; later scans repeat it as a warning. */
  private readonly alerted = new Set<string>();
  private readonly validatorSets = new Map<bigint, string[]>();
  private validatorSet: string | undefined;
  private scanning: Promise<ChallengeResult[]> | undefined;
  private readonly game: AvailabilityGameClient | undefined;

  constructor(private readonly options: CheckpointChallengerOptions) {
    this.destination = options.destination;
    this.manager = options.checkpointManager;
    this.game = options.availabilityGame === undefined ? undefined : new AvailabilityGameClient(options.destination, options.availabilityGame, options.maxLogRange ?? 2_000n);
    this.submissions = new SubmissionLog(options.destination, options.checkpointManager, {
      startBlock: options.startBlock ?? 0n,
      maxLogRange: options.maxLogRange ?? 2_000n,
      rescanBlocks: options.rescanBlocks ?? 64n,
    });
  }

  /**
   * Checks every pending checkpoint and challenges the fraud it can prove. One failing
   * checkpoint is logged and retried on the next scan; it does not stop the others. Concurrent
   * calls share one scan, so a run loop that overlaps cannot send the same challenge twice.
   * @param fromBlock Destination block to read events from (default: where the last scan stopped).
   */
  scan(fromBlock?: bigint): Promise<ChallengeResult[]> {
    this.scanning ??= this.scanOnce(fromBlock).finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  private async scanOnce(fromBlock: bigint | undefined): Promise<ChallengeResult[]> {
    const results: ChallengeResult[] = [];
    const pending = await this.pendingCheckpoints(fromBlock);
    this.forgetSettled(pending);
    for (const checkpoint of pending) {
      try {
        // A challenge earlier in this scan (ours or another's) may have reverted this one.
        if (!(await this.isPending(checkpoint))) continue;
        const result = await this.handle(checkpoint);
        if (result !== undefined) results.push(result);
      } catch (error) {
        const code = error instanceof RelayerError ? error.code : undefined;
        const retryable = error instanceof RelayerError ? error.retryable : true;
        // A node that lags heals by itself; anything else needs a human before the window closes.
        const fields = { at: "challenger.check", id: checkpoint.id, blockRoot: checkpoint.blockRoot, code, retryable, err: (error as Error).message };
        if (retryable) this.options.logger.warn(fields, "checking the checkpoint failed; retrying on the next scan");
        else this.options.logger.error(fields, "checking the checkpoint failed");
      }
    }
    await this.withdrawGameCredit();
    return results;
  }

  /** Bonds returned and rewards won in the game are credited there; take them home. */
  private async withdrawGameCredit(): Promise<void> {
    if (this.game === undefined) return;
    try {
      const me = await this.options.signer.getAddress();
      const [credit] = await this.game.view("balanceOf", [me]);
      if ((credit as bigint) === 0n) return;
      const sent = await this.game.send(this.options.signer, "withdraw", [me], 0n, -1n, this.options.txTimeoutMs ?? 120_000);
      this.options.logger.info({ at: "challenger.game-withdraw", amount: (credit as bigint).toString(), ...sent }, "game credit withdrawn");
    } catch (error) {
      this.options.logger.warn({ at: "challenger.game-withdraw", err: (error as Error).message }, "withdrawing the game credit failed; retrying on the next scan");
    }
  }

  /** Drops what is remembered about checkpoints no longer pending: they can never come back. */
  private forgetSettled(pending: readonly SubmittedCheckpoint[]): void {
    const submissions = new Set(pending.map((c) => c.submissionKey));
    const roots = new Set(pending.map((c) => `${c.id}:${c.blockRoot}`));
    for (const key of this.valid.keys()) if (!submissions.has(key)) this.valid.delete(key);
    for (const key of this.alerted) if (!roots.has(key)) this.alerted.delete(key);
  }

  private async handle(checkpoint: SubmittedCheckpoint): Promise<ChallengeResult | undefined> {
    if (this.attempted.has(attemptKey(checkpoint))) return undefined;
    const known = this.valid.get(checkpoint.submissionKey);
    if (known !== undefined) return known;
    const inspection = await this.inspect(checkpoint);
    if (inspection.fraud) return this.challenge(inspection.challenge);
    if (inspection.result.outcome === "valid") this.valid.set(checkpoint.submissionKey, inspection.result);
    return inspection.result;
  }

  /**
   * The live checkpoints still in their challenge window, ascending, each with the attestation
   * a challenge must name: proposer and signatures from its CheckpointSubmitted event, the
   * validator set as it was in the event's block (a later set change must not matter).
   */
  async pendingCheckpoints(fromBlock?: bigint): Promise<SubmittedCheckpoint[]> {
    await this.submissions.sync(fromBlock);
    // Every read at one block: another challenger may revert checkpoints between two reads, and
    // a count read before the revert must not meet a getCheckpoint read after it.
    const at = BigInt((await this.destination.send("eth_blockNumber", [])) as string);
    const [count] = await this.view("checkpointCount", [], at);
    const pending: SubmittedCheckpoint[] = [];
    // finalizesAt never decreases along ids, so the pending ones are a suffix.
    for (let id = (count as bigint) - 1n; id >= 0n; id--) {
      const [status] = await this.view("checkpointStatus", [id], at);
      if (status !== CheckpointStatus.Pending) break;
      const [startBlock, endBlock, blockRoot, finalizesAt] = await this.view("getCheckpoint", [id], at);
      const event = this.submissions.get(id);
      if (event === undefined || event.startBlock !== startBlock || event.endBlock !== endBlock || event.blockRoot !== (blockRoot as string).toLowerCase()) {
        const error = new MissingSubmissionEventError(id);
        this.options.logger.warn({ at: "challenger.missing-event", id, code: error.code, retryable: error.retryable }, error.message);
        continue;
      }
      pending.push({
        id,
        startBlock: event.startBlock,
        endBlock: event.endBlock,
        blockRoot: event.blockRoot,
        finalizesAt: finalizesAt as bigint,
        submittedInBlock: event.blockNumber,
        submissionKey: event.submissionKey,
        attestation: {
          proposer: event.proposer,
          validators: await this.validatorsAt(event.blockNumber),
          signers: event.signers,
          signatures: event.signatures,
        },
      });
    }
    return pending.reverse();
  }

  /**
   * Checks one checkpoint without sending anything: every signature, then the block root
   * against the source node, then (if they differ) the committed leaves for provable fraud.
   */
  async inspect(checkpoint: SubmittedCheckpoint): Promise<Inspection> {
    const { id, startBlock, endBlock, blockRoot, attestation } = checkpoint;
    const [digest] = await this.view("checkpointDigest", [startBlock, endBlock, blockRoot]);
    const bad = badSignaturePositions(digest as string, attestation.validators, attestation.signers, attestation.signatures);
    if (bad.length > 0) {
      return { fraud: true, challenge: { kind: "signature", checkpoint, position: bad[0], reason: `signatures at positions ${bad.join(", ")} do not recover to their validators` } };
    }

    const own = await this.ownRange(checkpoint);
    if (own !== undefined && own.tree.root.toLowerCase() === blockRoot) {
      this.options.logger.info({ at: "challenger.valid", id, startBlock, endBlock, blockRoot }, "checkpoint matches the source chain");
      return { fraud: false, result: { id, blockRoot, kind: "none", outcome: "valid" } };
    }
    const ownRoot = own?.tree.root ?? "none: the range ends past the source node's head";

    const committed = await this.committedTree(checkpoint, checkpoint.submittedInBlock);
    if ("reason" in committed) {
      // Nobody we ask has the leaves: demand them on chain, where withholding them is punished.
      if (this.game !== undefined && !("malformed" in committed)) return this.playLeaves(checkpoint, ownRoot, committed.reason);
      return this.unprovable(checkpoint, ownRoot, committed.reason);
    }
    if (this.game !== undefined) {
      // Headers revealed in the game are as good as published ones: the contract checked them.
      const revealed = await this.game.revealedHeaders(checkpoint.id, checkpoint.submittedInBlock);
      committed.published = new Map([...committed.published, ...revealed]);
    }
    const found = await findHeaderFraud({
      checkpoint,
      committed,
      headers: new HeaderBook(this.options.source, this.options.logger, own?.headers ?? []),
      previous: () => this.previousTree(checkpoint),
    });
    if ("kind" in found) return { fraud: true, challenge: found };
    if (this.game !== undefined && found.unknown.length > 0) {
      return this.playHeader(checkpoint, ownRoot, committed.tree, found.unknown[0], found.reason);
    }
    return this.unprovable(checkpoint, ownRoot, found.reason);
  }

  /**
   * The source node's blocks of the checkpoint's range. Undefined, with the game, when the range
   * ends past the node's head: the checkpoint commits blocks nobody has seen (a node merely
   * behind has final blocks, which a checkpoint commits), and only demanding them can tell.
   */
  private async ownRange(checkpoint: SubmittedCheckpoint) {
    try {
      return await fetchOwnRange(this.options.source, checkpoint.startBlock, checkpoint.endBlock, this.options.fetchConcurrency ?? 8);
    } catch (error) {
      if (!(error instanceof BlockNotFoundError) || this.game === undefined) throw error;
      const head = BigInt((await this.options.source.send("eth_blockNumber", [])) as string);
      if (checkpoint.endBlock <= head) throw error;
      return undefined;
    }
  }

  /**
   * The leaf demand of a checkpoint whose leaves nobody has: made while there is time, followed
   * while it is open, resolved once its response window is over (which reverts the checkpoint).
   */
  private async playLeaves(checkpoint: SubmittedCheckpoint, ownRoot: string, why: string): Promise<Inspection> {
    const game = this.game!;
    const { id, blockRoot } = checkpoint;
    const demand = await game.leafDemand(id);
    const result = (outcome: ChallengeOutcome, reason: string, txHash?: string): Inspection => ({
      fraud: false,
      result: { id, blockRoot, kind: "leaves-unavailable", outcome, reason, ...(txHash === undefined ? {} : { txHash }) },
    });
    if (!game.isFor(demand, checkpoint)) {
      const [latest] = await game.view("latestLeafDemand", [id]);
      if ((await game.now()) > (latest as bigint)) return this.unprovable(checkpoint, ownRoot, `${why}; too late to demand its leaves (until ${latest})`);
      const [bond] = await game.view("leafDemandBond");
      const sent = await this.sendGame("demandLeaves", [id], bond as bigint, checkpoint);
      if (!sent.sent) return result("awaiting-answer", `leaf demand refused: ${sent.errorName ?? "reverted"}`, sent.txHash);
      this.options.logger.warn({ at: "challenger.demand-leaves", id, blockRoot, txHash: sent.txHash, reason: why }, "leaves demanded in the availability game");
      return result("demanded", why, sent.txHash);
    }
    if (demand.status === DemandStatusOnChain.Open) {
      if ((await game.now()) < demand.deadline) return result("awaiting-answer", `leaves demanded, answer due by ${demand.deadline}`);
      return this.resolveDemand("resolveLeaves", [id, attestationArg(checkpoint)], checkpoint, "leaves-unavailable", "nobody published the leaves in time");
    }
    // Answered: the LeavesPublished event is not visible to us yet; read again next scan.
    return result("awaiting-answer", `leaf demand ${demand.status === DemandStatusOnChain.Answered ? "answered, event not read yet" : "settled"}`);
  }

  /** The header demand of one committed leaf whose hash no one can show a header for, played like `playLeaves`. */
  private async playHeader(checkpoint: SubmittedCheckpoint, ownRoot: string, tree: CheckpointTree, leaf: CheckpointLeaf, why: string): Promise<Inspection> {
    const game = this.game!;
    const { id, blockRoot } = checkpoint;
    const demand = await game.headerDemand(id, leaf.number);
    const result = (outcome: ChallengeOutcome, reason: string, txHash?: string): Inspection => ({
      fraud: false,
      result: { id, blockRoot, kind: "header-unavailable", outcome, reason, blockNumber: leaf.number, ...(txHash === undefined ? {} : { txHash }) },
    });
    if (!game.isFor(demand, checkpoint)) {
      const [latest] = await game.view("latestHeaderDemand", [id]);
      if ((await game.now()) > (latest as bigint)) return this.unprovable(checkpoint, ownRoot, `${why}; too late to demand the header of block ${leaf.number}`);
      const [bond] = await game.view("headerDemandBond");
      const args = [id, [leaf.number, leaf.hash, leaf.receiptsRoot], tree.proofFor(leaf.number)];
      const sent = await this.sendGame("demandHeader", args, bond as bigint, checkpoint);
      if (!sent.sent) return result("awaiting-answer", `header demand refused: ${sent.errorName ?? "reverted"}`, sent.txHash);
      this.options.logger.warn({ at: "challenger.demand-header", id, blockNumber: leaf.number, blockHash: leaf.hash, txHash: sent.txHash }, "header demanded in the availability game");
      return result("demanded", why, sent.txHash);
    }
    if (demand.status === DemandStatusOnChain.Open) {
      if ((await game.now()) < demand.deadline) return result("awaiting-answer", `header of block ${leaf.number} demanded, answer due by ${demand.deadline}`);
      return this.resolveDemand("resolveHeader", [id, leaf.number, attestationArg(checkpoint)], checkpoint, "header-unavailable", `nobody revealed the header of block ${leaf.number} in time`, leaf.number);
    }
    return result("awaiting-answer", `header demand for block ${leaf.number} answered, event not read yet`);
  }

  private async resolveDemand(
    method: "resolveLeaves" | "resolveHeader",
    args: unknown[],
    checkpoint: SubmittedCheckpoint,
    kind: "leaves-unavailable" | "header-unavailable",
    reason: string,
    blockNumber?: bigint,
  ): Promise<Inspection> {
    const { id, blockRoot } = checkpoint;
    const sent = await this.sendGame(method, args, 0n, checkpoint);
    const base = { id, blockRoot, kind, reason, ...(blockNumber === undefined ? {} : { blockNumber }) };
    if (!sent.sent) {
      this.options.logger.warn({ at: "challenger.resolve", id, method, errorName: sent.errorName, txHash: sent.txHash }, "resolving the demand failed");
      return { fraud: false, result: { ...base, outcome: sent.errorName === "LeafAvailabilityGameResponseWindowOpen" ? "awaiting-answer" : "lost-race" } };
    }
    this.attempted.add(attemptKey(checkpoint));
    this.options.logger.info({ at: "challenger.challenged", id, blockRoot, kind, reason, txHash: sent.txHash }, "checkpoint reverted: its data was withheld");
    return { fraud: false, result: { ...base, outcome: "challenged", txHash: sent.txHash } };
  }

  private sendGame(method: string, args: unknown[], value: bigint, checkpoint: SubmittedCheckpoint): Promise<GameTxResult> {
    return this.game!.send(this.options.signer, method, args, value, checkpoint.id, this.options.txTimeoutMs ?? 120_000);
  }

  /**
   * Simulates the challenge, then sends it and waits for its receipt. A challenge that lost a
   * race (the checkpoint was reverted by someone else) or came too late is reported as such,
   * without sending, as long as the simulation already sees it.
   * @throws ChallengeRejectedError when the contract refuses it for another reason.
   */
  async challenge(plan: PlannedChallenge): Promise<ChallengeResult> {
    const { checkpoint } = plan;
    const key = attemptKey(checkpoint);
    const data = encodeChallenge(plan);
    const from = await this.options.signer.getAddress();
    const log = { id: checkpoint.id, blockRoot: checkpoint.blockRoot, kind: plan.kind, reason: plan.reason };
    try {
      await this.destination.send("eth_call", [{ from, to: this.manager, data }, "latest"]);
    } catch (error) {
      return this.failed(plan, error, undefined);
    }
    let txHash: string;
    let wait: () => Promise<{ status: number | null } | null>;
    try {
      const response = await this.options.signer.sendTransaction({ to: this.manager, data });
      txHash = response.hash;
      wait = () => response.wait(1, this.options.txTimeoutMs ?? 120_000);
    } catch (error) {
      // Gas estimation reverting here is a race lost between our simulation and the send.
      return this.failed(plan, error, undefined);
    }
    this.attempted.add(key);
    this.options.logger.info({ at: "challenger.sent", ...log, txHash }, "challenge sent");
    try {
      const receipt = await wait();
      if (receipt === null || receipt.status !== 1) return this.failed(plan, undefined, txHash);
    } catch (error) {
      if ((error as { code?: unknown }).code === "TIMEOUT") throw new ChallengeTxTimeoutError(checkpoint.id, txHash, { cause: error });
      return this.failed(plan, error, txHash);
    }
    this.options.logger.info({ at: "challenger.challenged", ...log, txHash }, "checkpoint reverted by our challenge");
    return resultOf(plan, "challenged", txHash);
  }

  /** Why a challenge did not go through, read from the revert and from the chain as it is now. */
  private async failed(plan: PlannedChallenge, error: unknown, txHash: string | undefined): Promise<ChallengeResult> {
    const { checkpoint } = plan;
    const revertData = revertDataOf(error);
    const errorName = errorNameOf(revertData);
    const log = { id: checkpoint.id, blockRoot: checkpoint.blockRoot, kind: plan.kind, txHash, errorName };
    const now = await readCheckpoint(this.destination, this.manager, checkpoint.id);
    const live = now !== undefined && now.startBlock === checkpoint.startBlock && now.endBlock === checkpoint.endBlock && now.blockRoot === checkpoint.blockRoot;
    if (!live || errorName === "CheckpointManagerUnknownCheckpoint") {
      this.options.logger.warn({ at: "challenger.lost-race", ...log }, "checkpoint already reverted by another challenge");
      return resultOf(plan, "lost-race", txHash);
    }
    const [status] = await this.view("checkpointStatus", [checkpoint.id]);
    if (status === CheckpointStatus.Final || errorName === "CheckpointManagerChallengeWindowClosed") {
      this.options.logger.error({ at: "challenger.window-closed", ...log, reason: plan.reason }, "fraud found too late: the checkpoint is final");
      return resultOf(plan, "window-closed", txHash);
    }
    // No revert data and nothing sent: the node, the funds or the nonce failed us, not the challenge.
    if (revertData === undefined && txHash === undefined) throw new ChallengeSendError(checkpoint.id, { cause: error });
    this.attempted.add(attemptKey(checkpoint));
    throw new ChallengeRejectedError(checkpoint.id, plan.kind, errorName, revertData, { cause: error });
  }

  private unprovable(checkpoint: SubmittedCheckpoint, ownRoot: string, reason: string): Inspection {
    const { id, startBlock, endBlock, blockRoot, attestation } = checkpoint;
    const fields = { at: "challenger.unprovable", id, startBlock, endBlock, blockRoot, ownRoot, proposer: attestation.proposer, reason };
    const key = `${id}:${blockRoot}`;
    // A root nobody can challenge was signed by a validator quorum (or our node is on another fork).
    if (this.alerted.has(key)) {
      this.options.logger.warn(fields, "checkpoint still differs from the source chain and still cannot be challenged");
    } else {
      this.alerted.add(key);
      this.options.logger.error(fields, "checkpoint differs from the source chain and no fraud can be proven: the validator quorum signed it");
    }
    return { fraud: false, result: { id, blockRoot, kind: "root-mismatch", outcome: "unprovable", reason } };
  }

  /**
   * The leaves the checkpoint commits, from the leaf source or else from the availability game's
   * LeavesPublished events (read from `fromBlock`), accepted only if they rebuild its root.
   */
  private async committedTree(ref: CheckpointRef, fromBlock?: bigint): Promise<CommittedTree | { reason: string } | { reason: string; malformed: true }> {
    const fromSource = await this.fromLeafSource(ref);
    if (!("reason" in fromSource) || this.game === undefined) return fromSource;
    const published = await this.game.publishedLeaves(ref.id, ref.blockRoot, fromBlock ?? this.options.startBlock ?? 0n);
    if (published === undefined) return fromSource;
    const verified = verifyPublished(ref, published);
    // The contract rebuilt the root from these leaves: if we cannot, our code disagrees with it.
    return "reason" in verified ? { reason: verified.reason, malformed: true } : verified;
  }

  private async fromLeafSource(ref: CheckpointRef): Promise<CommittedTree | { reason: string }> {
    const source = this.options.leafSource;
    if (source === undefined) return { reason: "no leaf source: the committed leaves are not on chain" };
    let leaves;
    try {
      leaves = await source({ id: ref.id, startBlock: ref.startBlock, endBlock: ref.endBlock, blockRoot: ref.blockRoot });
    } catch (error) {
      this.options.logger.warn({ at: "challenger.leaf-source", id: ref.id, err: (error as Error).message }, "leaf source failed");
      return { reason: `leaf source failed: ${(error as Error).message}` };
    }
    if (leaves === undefined) return { reason: "the leaf source does not know the committed leaves" };
    const verified = verifyPublished(ref, leaves);
    if ("reason" in verified) this.options.logger.warn({ at: "challenger.leaf-source", id: ref.id, reason: verified.reason }, "leaf source returned other leaves");
    return verified;
  }

  /**
   * Checkpoint id - 1's tree (the source chain's own blocks if they rebuild its root, else the leaf
   * source's) and its attestation from its submission event, which a boundary challenge names.
   */
  private async previousTree(checkpoint: SubmittedCheckpoint): Promise<PreviousCheckpoint | undefined> {
    const previous = await readCheckpoint(this.destination, this.manager, checkpoint.id - 1n);
    if (previous === undefined) return undefined;
    const event = this.submissions.get(previous.id);
    const attestation =
      event === undefined || event.blockRoot !== previous.blockRoot
        ? undefined
        : { proposer: event.proposer, validators: await this.validatorsAt(event.blockNumber), signers: event.signers, signatures: event.signatures };
    const own = await fetchOwnRange(this.options.source, previous.startBlock, previous.endBlock, this.options.fetchConcurrency ?? 8);
    if (own.tree.root.toLowerCase() === previous.blockRoot) return { tree: own.tree, published: new Map(), attestation };
    const committed = await this.committedTree(previous, event?.blockNumber);
    return "reason" in committed ? undefined : { ...committed, attestation };
  }

  private async isPending(checkpoint: SubmittedCheckpoint): Promise<boolean> {
    const now = await readCheckpoint(this.destination, this.manager, checkpoint.id);
    if (now === undefined || now.blockRoot !== checkpoint.blockRoot || now.startBlock !== checkpoint.startBlock) return false;
    const [status] = await this.view("checkpointStatus", [checkpoint.id]);
    return status === CheckpointStatus.Pending;
  }

  /** The packed validator set at the end of `block` (a later replacement must not matter). */
  private async validatorsAt(block: bigint): Promise<string[]> {
    const cached = this.validatorSets.get(block);
    if (cached !== undefined) return cached;
    this.validatorSet ??= (await this.view("validatorSet"))[0] as string;
    const [entries] = await readView(this.destination, validatorSetAbi, this.validatorSet, "packedValidators", [], block);
    const packed = [...(entries as string[])];
    if (this.validatorSets.size >= 256) this.validatorSets.clear();
    this.validatorSets.set(block, packed);
    return packed;
  }

  private view(method: string, args: unknown[] = [], blockTag: bigint | "latest" = "latest") {
    return readView(this.destination, challengerAbi, this.manager, method, args, blockTag);
  }
}

function attestationArg(checkpoint: SubmittedCheckpoint): unknown[] {
  const a = checkpoint.attestation;
  return [a.proposer, a.validators, a.signers, a.signatures];
}

function attemptKey(checkpoint: SubmittedCheckpoint): string {
  return `${checkpoint.id}:${checkpoint.blockRoot.toLowerCase()}:${checkpoint.submissionKey}`;
}

function resultOf(plan: PlannedChallenge, outcome: ChallengeOutcome, txHash: string | undefined): ChallengeResult {
  const { id, blockRoot } = plan.checkpoint;
  const result: ChallengeResult = { id, blockRoot, kind: plan.kind, outcome, reason: plan.reason };
  if (txHash !== undefined) result.txHash = txHash;
  if (plan.kind === "signature") result.position = plan.position;
  if (plan.kind === "header") result.blockNumber = plan.revealed.leaf.number;
  if (plan.kind === "header-chain") result.blockNumber = plan.child.leaf.number;
  return result;
}
