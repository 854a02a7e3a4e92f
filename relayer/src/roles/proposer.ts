/**
 * Proposer of one lane: cuts the next checkpoint of the source chain, gathers validator
 * signatures up to the threshold, keeps its bond at the minimum, and submits to the destination's
 * CheckpointManager. The range starts at the contract's nextStartBlock(), so a range another
 * proposer already submitted is skipped: the loser of a race fails in simulation
 * (CheckpointManagerNotContiguous), re-reads nextStartBlock and moves on, paying nothing.
 *
 * When to cut: a full range (maxBlocks) at once; a shorter one only when it carries a message and
 * maxWaitMs has passed since that message's block was seen, so an idle lane costs one checkpoint
 * per maxBlocks blocks, not one per maxWaitMs (`emptyCheckpoints` restores the latter).
 *
 * Several proposers on a lane take turns per range (stagger.ts), check the range once more with
 * one eth_call on the pending block right before sending, and replace a submission whose range
 * another proposer landed while it was pending by a no-op, so that a lost race costs no revert.
 *
 * What it builds on: the contract's last checkpoint, named in the submission (so it cannot land on
 * a replacement), and only once that checkpoint commits our own blocks and, while pending, carries
 * only valid signatures (predecessor.ts). A submission answers for its boundary with it.
 */
import { concat, dataSlice, keccak256, verifyTypedData } from "ethers";

import { CHECKPOINT_TYPES, checkpointDomain, checkpointManagerAbi, readContract, validatorSetAbi } from "../chain/abi";
import { withTimeout } from "../chain/provider";
import { RelayerError } from "../errors";
import { buildCheckpointTree } from "../proof/checkpointTree";
import { stakeManagerAbi } from "../sdk/stakeManager";
import { SimulationRevertedError } from "../tx/errors";
import type { TxSender } from "../tx/sender";
import { DemandResponder } from "./availability";
import { laneName, runLoop, type Lane, type RoleContext } from "./context";
import { PredecessorCheck } from "./predecessor";
import { LOCAL_VALIDATOR, QuorumNotReachedError, attestFailure, tallyRound } from "./signing";
import { ProposerStagger } from "./stagger";
import type { AttestRequest } from "./validator";

export { QuorumNotReachedError };

export class ValidatorSetChangedError extends RelayerError {
  readonly code = "VALIDATOR_SET_CHANGED";
  readonly retryable = true;
  constructor(readonly chain: string) {
    super(`${chain}: the validator set changed while it was read; reading it again`);
  }
}

/** The power bits of a packed validator entry (`address << 96 | power`). */
const POWER_MASK = (1n << 96n) - 1n;

/** Asks one validator to sign; the in-process validator is called directly. */
export type AttestFn = (request: AttestRequest) => Promise<{ signer: string; signature: string }>;

export class Proposer {
  private readonly predecessor: PredecessorCheck;
  /** The last predecessor refused, so that a refusal is logged once, not on every step. */
  private refused: string | undefined;
  private readonly stagger: ProposerStagger;
  /** The range we last logged waiting for, so that a wait is logged once. */
  private waitingFor: number | undefined;
  /** The epoch whose empty set was last reported, so that a stalled rotation is logged once. */
  private emptyEpochLogged: bigint | undefined;
  private readonly responder: DemandResponder;

  constructor(
    private readonly ctx: RoleContext,
    readonly lane: Lane,
    private readonly tx: TxSender,
    private readonly localValidator?: AttestFn,
  ) {
    const destination = ctx.config.chains[lane.destination];
    this.predecessor = new PredecessorCheck({
      source: lane.source,
      sourceRpc: ctx.rpc[lane.source],
      destinationRpc: ctx.rpc[lane.destination],
      checkpointManager: destination.contracts.CheckpointManager,
      validatorSet: destination.contracts.ValidatorSet,
      store: ctx.store,
      log: ctx.log,
      startBlock: destination.deployedAtBlock === undefined ? undefined : BigInt(destination.deployedAtBlock),
    });
    this.responder = new DemandResponder(ctx, lane, tx);
    this.stagger = new ProposerStagger(tx.address, { name: lane.destination, chainId: destination.chainId }, ctx.store, ctx.config.roles.proposer.staggerMs);
  }

  run(): Promise<void> {
    const interval = Math.min(this.ctx.config.chains[this.lane.source].pollIntervalMs, Math.max(this.ctx.config.roles.proposer.maxWaitMs, 250));
    void this.learnSigners();
    return runLoop(this.ctx, `proposer.${laneName(this.lane)}`, interval, () => this.step());
  }

  /** One checkpoint at most. Returns true if another is ready right away. */
  async step(): Promise<boolean> {
    await this.answerDemands();
    const { store, config, metrics, log } = this.ctx;
    const { source, destination } = this.lane;
    const dst = config.chains[destination];
    const rpc = this.ctx.rpc[destination];
    const cm = dst.contracts.CheckpointManager;
    const [count, nextStart, previousBlockRoot] = (await readContract(rpc, checkpointManagerAbi, cm, "head")) as unknown as [bigint, bigint, string];
    const next = Number(nextStart);
    const tip = store.blocks.head(source);
    metrics.checkpointLag.set({ lane: laneName(this.lane) }, tip === undefined ? 0 : Math.max(0, tip.number - next + 1));
    if (tip === undefined || tip.number < next) return false;

    const { maxBlocks, maxWaitMs, emptyCheckpoints } = config.roles.proposer;
    const end = Math.min(next + maxBlocks - 1, tip.number);
    const blocks = store.blocks.range(source, next, end);
    if (blocks.length !== end - next + 1 || blocks[0].number !== next) {
      log.warn({ at: "proposer.blocks", lane: laneName(this.lane), next, end, have: blocks.length }, "watcher has not recorded the range (start block too late?)");
      return false;
    }
    if (blocks.length < maxBlocks) {
      const waiting = emptyCheckpoints ? next : store.messages.firstBlockWithMessage(source, next, end);
      if (waiting === undefined) return false;
      if (Date.now() - blocks[waiting - next].seenAt < maxWaitMs) return false;
    }
    for (let i = 1; i < blocks.length; i++) {
      // The watcher keeps the chain linked; a gap here means a rollback is under way.
      if (blocks[i].parentHash !== blocks[i - 1].hash) return false;
    }

    // Another proposer's turn first: asking the validators and sending would most likely be for nothing.
    const turn = this.stagger.turn(next);
    if (turn.waitMs > 0) {
      if (this.waitingFor !== next) {
        this.waitingFor = next;
        log.debug({ at: "proposer.stagger", lane: laneName(this.lane), startBlock: next, rank: turn.rank, proposers: turn.proposers, waitMs: turn.waitMs }, "waiting for another proposer's turn");
      }
      return false;
    }

    await this.rotateDueEpoch(await this.activateDueValidatorSet());
    if (count > 0n && !(await this.mayBuildOn(count - 1n, previousBlockRoot))) return false;

    if (!(await this.ensureBond())) return false;
    const tree = buildCheckpointTree(blocks);
    const input = { startBlock: next, endBlock: end, blockRoot: tree.root };
    const { packed, signers, signatures } = await this.gatherSignatures(input);

    const intent = `checkpoint:${destination}:${next}:${end}:${tree.root}:${previousBlockRoot}`;
    try {
      const outcome = await this.tx.execute({
        intent,
        to: cm,
        data: checkpointManagerAbi.encodeFunctionData("submitCheckpoint", [input, previousBlockRoot, packed, signers, signatures]),
        abi: checkpointManagerAbi,
        recheckBeforeSend: true,
        // Still the contract's head we build on: otherwise the submission can only revert.
        stillWanted: async () => {
          const [nowCount, nowNext, nowRoot] = (await readContract(rpc, checkpointManagerAbi, cm, "head")) as unknown as [bigint, bigint, string];
          return nowCount === count && Number(nowNext) === next && nowRoot === previousBlockRoot;
        },
      });
      const lane = laneName(this.lane);
      if (outcome.status === "mined") {
        metrics.checkpointsSubmitted.inc({ lane });
        log.info({ at: "proposer.submit", lane, startBlock: next, endBlock: end, blockRoot: tree.root, txHash: outcome.hash }, "checkpoint submitted");
      } else if (outcome.status === "cancelled") {
        metrics.checkpointRaces.inc({ lane, outcome: "cancelled" });
        log.info({ at: "proposer.race", lane, startBlock: next, txHash: outcome.hash }, "range landed by another proposer while ours was pending: replaced by a no-op");
      } else {
        // Mined but reverted: another proposer landed first in the same block.
        metrics.checkpointRaces.inc({ lane, outcome: "reverted" });
        log.warn({ at: "proposer.submit", lane, startBlock: next, txHash: outcome.hash }, "checkpoint transaction reverted");
      }
      return true;
    } catch (error) {
      if (error instanceof SimulationRevertedError && error.errorName === "CheckpointManagerNotContiguous") {
        metrics.checkpointRaces.inc({ lane: laneName(this.lane), outcome: "skipped" });
        log.info({ at: "proposer.race", lane: laneName(this.lane), startBlock: next }, "range already submitted by another proposer");
        return true;
      }
      if (error instanceof SimulationRevertedError && error.errorName === "CheckpointManagerTooManyPending") return false;
      if (error instanceof SimulationRevertedError && error.errorName === "CheckpointManagerUnexpectedPredecessor") {
        // The checkpoint we checked was reverted or replaced meanwhile: check the new one first.
        metrics.checkpointRaces.inc({ lane: laneName(this.lane), outcome: "skipped" });
        log.info({ at: "proposer.race", lane: laneName(this.lane), startBlock: next, previousBlockRoot }, "the last checkpoint changed before our submission");
        return true;
      }
      throw error;
    }
  }

  /**
   * Answers the availability game's demands first: an unanswered one slashes us, and its window
   * is shorter than anything else the proposer waits for. A failure here must not stop proposing.
   */
  private async answerDemands(): Promise<void> {
    try {
      await this.responder.step();
    } catch (error) {
      this.ctx.log.warn({ at: "proposer.availability", lane: laneName(this.lane), err: (error as Error).message }, "answering availability demands failed; retrying on the next step");
    }
  }

  /** Whether the last checkpoint (`id`, root `root`) may be built on; a refusal is logged once per predecessor and reason. */
  private async mayBuildOn(id: bigint, root: string): Promise<boolean> {
    const verdict = await this.predecessor.check(id, root);
    if (verdict.sound) {
      this.refused = undefined;
      return true;
    }
    const key = `${id}:${root}:${verdict.reason}`;
    if (this.refused !== key) {
      this.refused = key;
      const fields = { at: "proposer.predecessor", lane: laneName(this.lane), id: id.toString(), blockRoot: root, reason: verdict.reason, detail: verdict.detail };
      // Another fork than ours, or forged signatures: a challenge must revert it before we can go on.
      if (verdict.reason === "other-blocks" || verdict.reason === "forged-signature") this.ctx.log.error(fields, "not building on the last checkpoint: it must be challenged first");
      else this.ctx.log.info(fields, "waiting before building on the last checkpoint");
    }
    return false;
  }

  /**
   * Activates a scheduled validator set whose delay has passed (anyone may): until someone does,
   * the old set stays in force, and a lane whose old validators are leaving would stall.
   * @returns the destination set's pendingChange activation time (0n: none) for rotateDueEpoch,
   *   which reads the same slot; undefined once an activation was attempted, since the change is
   *   then no longer what was read
   */
  private async activateDueValidatorSet(): Promise<bigint | undefined> {
    const { destination } = this.lane;
    const rpc = this.ctx.rpc[destination];
    const vs = this.ctx.config.chains[destination].contracts.ValidatorSet;
    const [activatesAt, setHash] = (await readContract(rpc, validatorSetAbi, vs, "pendingChange")) as unknown as [bigint, string];
    if (activatesAt === 0n) return activatesAt;
    const latest = (await rpc.send("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
    if (BigInt(latest.timestamp) < activatesAt) return activatesAt;
    try {
      const outcome = await this.tx.execute({ intent: `activate-validators:${destination}:${setHash}`, to: vs, data: validatorSetAbi.encodeFunctionData("activateValidators"), abi: validatorSetAbi });
      this.ctx.log.info({ at: "proposer.validator-set", chain: destination, setHash, txHash: outcome.hash, status: outcome.status }, "scheduled validator set activated");
    } catch (error) {
      // Someone else activated it first (or the guardian cancelled it): nothing left to do.
      if (!(error instanceof SimulationRevertedError && error.errorName === "ValidatorSetNoPendingChange")) throw error;
    }
    return undefined;
  }

  /**
   * Staking mode, on the main chain: schedules the StakeManager's current epoch in both sets once
   * the previous change is active (anyone may; scheduling over a pending change would cancel it).
   * Without it the last rotated set stays in force after its validators have left.
   * @param pendingAt the main ValidatorSet's pendingChange activation time as activateDueValidatorSet
   *   read it this step; undefined: read it again
   */
  private async rotateDueEpoch(pendingAt: bigint | undefined): Promise<void> {
    const { destination } = this.lane;
    const contracts = this.ctx.config.chains[destination].contracts;
    if (destination !== "main" || contracts.StakeManager === undefined) return;
    const rpc = this.ctx.rpc.main;
    const [epoch] = (await readContract(rpc, stakeManagerAbi, contracts.StakeManager, "currentEpoch")) as unknown as [bigint];
    const [rotated] = (await readContract(rpc, stakeManagerAbi, contracts.ValidatorSet, "stakeEpoch")) as unknown as [bigint];
    if (epoch <= rotated) return;
    const activatesAt = pendingAt ?? ((await readContract(rpc, validatorSetAbi, contracts.ValidatorSet, "pendingChange")) as unknown as [bigint])[0];
    if (activatesAt !== 0n) return;
    try {
      const outcome = await this.tx.execute({
        intent: `rotate-validators:${epoch}`,
        to: contracts.StakeManager,
        data: stakeManagerAbi.encodeFunctionData("rotateValidatorSet", [epoch]),
        abi: stakeManagerAbi,
      });
      this.ctx.log.info({ at: "proposer.rotation", epoch: epoch.toString(), txHash: outcome.hash, status: outcome.status }, "validator set of the new epoch scheduled on both chains");
    } catch (error) {
      // Another keeper was first, or the epoch ended meanwhile: the next step sees the new state.
      const benign = ["EpochValidatorSetEpochNotNewer", "StakeManagerEpochNotCurrent"];
      if (error instanceof SimulationRevertedError && benign.includes(error.errorName ?? "")) return;
      if (error instanceof SimulationRevertedError && error.errorName === "StakeManagerEmptySet") {
        if (this.emptyEpochLogged !== epoch) this.ctx.log.error({ at: "proposer.rotation", epoch: epoch.toString() }, "no validator has power in the new epoch: the last set stays in force");
        this.emptyEpochLogged = epoch;
        return;
      }
      throw error;
    }
  }

  /**
   * Asks every validator at once, keeps the valid signatures up to the threshold, and records the
   * round (who signed, who did not and why) for /status, /health and the missed-signature metric.
   * @throws QuorumNotReachedError naming the validators that did not sign
   */
  private async gatherSignatures(input: { startBlock: number; endBlock: number; blockRoot: string }) {
    const { config, log, metrics, rounds } = this.ctx;
    const lane = laneName(this.lane);
    const src = config.chains[this.lane.source];
    const dst = config.chains[this.lane.destination];
    const rpc = this.ctx.rpc[this.lane.destination];
    const vs = dst.contracts.ValidatorSet;
    const packed = [...((await readContract(rpc, validatorSetAbi, vs, "packedValidators"))[0] as string[])];
    const [setHash, threshold] = (await readContract(rpc, validatorSetAbi, vs, "quorum")) as unknown as [string, bigint];
    // Two reads: a set activated between them must not mix its threshold with the old entries.
    if (keccak256(concat(packed)) !== setHash.toLowerCase()) throw new ValidatorSetChangedError(this.lane.destination);
    const addresses = packed.map((entry) => dataSlice(entry, 0, 20));
    const powers = packed.map((entry) => BigInt(entry) & POWER_MASK);

    const request: AttestRequest = { sourceChainId: src.chainId, destinationChainId: dst.chainId, ...input };
    const domain = checkpointDomain(dst.chainId, dst.contracts.CheckpointManager);
    const value = { sourceChainId: src.chainId, ...input };
    const sources: { source: string; ask: () => Promise<{ signer: string; signature: string }> }[] = config.roles.proposer.validatorUrls.map((url) => ({
      source: url,
      ask: () => postAttest(url, request, config.roles.proposer.attestTimeoutMs),
    }));
    if (this.localValidator !== undefined) sources.unshift({ source: LOCAL_VALIDATOR, ask: () => this.localValidator!(request) });

    const results = await Promise.allSettled(sources.map(({ ask }) => ask()));
    const { round, chosen } = tallyRound({
      lane,
      ...input,
      addresses,
      powers,
      threshold,
      answers: results.map((result, i) => ({ source: sources[i].source, result })),
      recover: (signature) => verifyTypedData(domain, CHECKPOINT_TYPES, value, signature),
      rounds,
    });
    rounds.record(round);
    const missing = round.validators.filter((v) => !v.signed);
    for (const v of missing) {
      metrics.validatorMissed.inc({ lane, validator: v.address });
      log.warn({ at: "proposer.attest", lane, startBlock: input.startBlock, endBlock: input.endBlock, validator: v.address, source: v.source, reason: v.reason }, "validator did not sign");
    }
    for (const u of round.unmatched) log.warn({ at: "proposer.attest", lane, startBlock: input.startBlock, source: u.source, reason: u.reason }, "validator answer unusable");
    if (!round.quorum) throw new QuorumNotReachedError(round.power, threshold, missing);
    const indices = [...chosen.keys()].sort((a, b) => a - b);
    return {
      packed,
      signers: `0x${indices.map((i) => i.toString(16).padStart(2, "0")).join("")}`,
      signatures: `0x${indices.map((i) => chosen.get(i)!.slice(2)).join("")}`,
    };
  }

  /** Which validator is behind each URL (its GET /health), so that a URL down from the start still names its validator. */
  private async learnSigners(): Promise<void> {
    const { config, rounds } = this.ctx;
    await Promise.allSettled(
      config.roles.proposer.validatorUrls.map(async (url) => {
        if (rounds.signerAt(url) !== undefined) return;
        const response = await fetch(new URL("/health", url), { signal: AbortSignal.timeout(config.roles.proposer.attestTimeoutMs) });
        const body = (await response.json()) as { signer?: unknown };
        if (typeof body.signer === "string" && /^0x[0-9a-fA-F]{40}$/.test(body.signer)) rounds.learn(url, body.signer);
      }),
    );
  }

  /**
   * Tops the bond up to what the next submission needs: a share (minBond) for it and for each of
   * our pending checkpoints. A deposit left pending by a crash is resumed, not repeated. Returns
   * false while all our places are taken by pending checkpoints: the oldest must become final first.
   */
  private async ensureBond(): Promise<boolean> {
    const { destination } = this.lane;
    const cm = this.ctx.config.chains[destination].contracts.CheckpointManager;
    const rpc = this.ctx.rpc[destination];
    const pending = this.ctx.store.txs.pendingIntents(destination, "bond:").find((t) => t.signer === this.tx.address);
    if (pending !== undefined) await this.tx.execute({ intent: pending.intent, to: pending.to, data: pending.data, value: pending.value });
    const [bond] = (await readContract(rpc, checkpointManagerAbi, cm, "bondOf", [this.tx.address])) as unknown as [bigint];
    const [required, availableAt] = (await readContract(rpc, checkpointManagerAbi, cm, "submissionBond", [this.tx.address])) as unknown as [bigint, bigint];
    this.ctx.metrics.bondBalance.set({ chain: destination }, Number(bond));
    if (availableAt > 0n) {
      this.ctx.log.debug({ at: "proposer.bond", chain: destination, availableAt: availableAt.toString() }, "every bond place is held by a pending checkpoint of ours");
      return false;
    }
    if (bond >= required) return true;
    const configured = this.ctx.config.roles.proposer.bondAmount ?? 0n;
    const amount = configured > required - bond ? configured : required - bond;
    const outcome = await this.tx.execute({ intent: `bond:${destination}:${Date.now()}`, to: cm, data: checkpointManagerAbi.encodeFunctionData("depositBond"), value: amount, abi: checkpointManagerAbi });
    this.ctx.log.info({ at: "proposer.bond", chain: destination, amount: amount.toString(), required: required.toString(), txHash: outcome.hash, status: outcome.status }, "bond deposited");
    return true;
  }
}

/** POST /attest to one validator; failures say what happened without the URL (the round records the source). */
async function postAttest(url: string, request: AttestRequest, timeoutMs: number): Promise<{ signer: string; signature: string }> {
  const controller = new AbortController();
  const response = await withTimeout(
    fetch(new URL("/attest", url), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request), signal: controller.signal }).catch((error: unknown) => {
      throw attestFailure(url, error);
    }),
    timeoutMs,
    () => {
      controller.abort();
      return new Error(`no answer within ${timeoutMs} ms`);
    },
  );
  const body = (await response.json().catch(() => ({}))) as { signer?: string; signature?: string; error?: string };
  if (!response.ok) throw new Error(`refused (HTTP ${response.status}): ${body.error ?? "no reason given"}`);
  if (typeof body.signer !== "string" || typeof body.signature !== "string") throw new Error(`answered HTTP ${response.status} without a signer and a signature`);
  return { signer: body.signer, signature: body.signature };
}
