/**
 * A proposer's signature rounds, validator by validator: who signed, who did not, and why. The
 * proposer tallies each round here and records it; the API shows the last round of each lane in
 * /status and derives /health from it, and the metrics count every validator's misses, so that a
 * silent validator is named before it costs the quorum.
 *
 * An answer comes from a source (a validator URL, or "local" for the in-process validator). A
 * source that fails tells no address, so the address behind each source is learnt from its
 * answers and from its GET /health (proposer start); a failure is then pinned on that validator.
 */
import { getAddress } from "ethers";

import { errorMessage } from "../chain/provider";
import { RelayerError } from "../errors";

export const LOCAL_VALIDATOR = "local";

export interface Attestation {
  signer: string;
  signature: string;
}

/** What one source answered to the round's request. */
export interface SourceAnswer {
  source: string;
  result: PromiseSettledResult<Attestation>;
}

/** One member of the validator set in one round. */
export interface ValidatorVerdict {
  address: string;
  power: bigint;
  signed: boolean;
  /** Where its signature came from, or the source that failed for it. */
  source?: string;
  /** Why it did not sign. */
  reason?: string;
}

export interface SigningRound {
  lane: string;
  /** When the round ended (ms since the epoch). */
  at: number;
  startBlock: number;
  endBlock: number;
  threshold: bigint;
  /** Power of the valid signatures received (all of them, not only the ones submitted). */
  power: bigint;
  quorum: boolean;
  /** Every member of the set, in the set's order. */
  validators: ValidatorVerdict[];
  /** Failures that name no member: a URL never heard from, a signer outside the set. */
  unmatched: { source: string; reason: string }[];
}

export class QuorumNotReachedError extends RelayerError {
  readonly code = "QUORUM_NOT_REACHED";
  readonly retryable = true;
  constructor(
    readonly power: bigint,
    readonly threshold: bigint,
    readonly missing: readonly ValidatorVerdict[] = [],
  ) {
    super(`validators answering hold power ${power}, the threshold is ${threshold}${missing.length === 0 ? "" : `; not signed: ${describeMissing(missing)}`}`);
  }
}

/** `0xabc… (http://v2:7545: unreachable (ECONNREFUSED)), …` */
export function describeMissing(missing: readonly ValidatorVerdict[]): string {
  return missing.map((v) => `${v.address} (${v.source === undefined ? "" : `${v.source}: `}${v.reason ?? "did not sign"})`).join(", ");
}

/** The last round per lane, and which validator answers at which source. Kept in memory: a restart starts blank. */
export class SigningRounds {
  private readonly rounds = new Map<string, SigningRound>();
  private readonly quorate = new Map<string, SigningRound>();
  private readonly signers = new Map<string, string>();

  record(round: SigningRound): void {
    this.rounds.set(round.lane, round);
    if (round.quorum) this.quorate.set(round.lane, round);
  }

  last(lane: string): SigningRound | undefined {
    return this.rounds.get(lane);
  }

  /** The last round of the lane that reached the quorum (the metrics' "signed" phase). */
  lastQuorate(lane: string): SigningRound | undefined {
    return this.quorate.get(lane);
  }

  learn(source: string, signer: string): void {
    this.signers.set(source, getAddress(signer));
  }

  signerAt(source: string): string | undefined {
    return this.signers.get(source);
  }
}

export interface TallyInput {
  lane: string;
  startBlock: number;
  endBlock: number;
  /** The set as the destination's ValidatorSet holds it: addresses and powers in index order. */
  addresses: readonly string[];
  powers: readonly bigint[];
  threshold: bigint;
  answers: readonly SourceAnswer[];
  /** The address the signature recovers to, for the round's typed data. */
  recover: (signature: string) => string;
  rounds: SigningRounds;
  now?: number;
}

/**
 * Checks every answer and pins each failure on a member where it can. Returns the round and the
 * signatures to submit: valid ones by validator index, in answer order, up to the threshold.
 */
export function tallyRound(input: TallyInput): { round: SigningRound; chosen: Map<number, string> } {
  const indexOf = new Map(input.addresses.map((a, i) => [a.toLowerCase(), i]));
  const valid = new Map<number, { signature: string; source: string }>();
  const claimed = new Map<number, { source: string; reason: string }>();
  const failed = new Map<string, string>();
  const unmatched: { source: string; reason: string }[] = [];

  for (const { source, result } of input.answers) {
    if (result.status === "rejected") {
      failed.set(source, errorMessage(result.reason));
      continue;
    }
    const { signer, signature } = result.value;
    const index = indexOf.get(signer.toLowerCase());
    if (index === undefined) {
      unmatched.push({ source, reason: `its signer ${signer} is not in the validator set` });
      continue;
    }
    input.rounds.learn(source, signer);
    let recovered: string | undefined;
    try {
      recovered = input.recover(signature);
    } catch {
      recovered = undefined;
    }
    // A signature that does not recover to a set member would get our bond slashed: never submit it.
    if (recovered === undefined || recovered.toLowerCase() !== signer.toLowerCase()) {
      claimed.set(index, { source, reason: "its signature does not recover to its signer" });
      continue;
    }
    if (!valid.has(index)) valid.set(index, { signature, source });
  }

  const validators: ValidatorVerdict[] = input.addresses.map((raw, index) => {
    const address = getAddress(raw);
    const power = input.powers[index];
    const signature = valid.get(index);
    if (signature !== undefined) return { address, power, signed: true, source: signature.source };
    const bad = claimed.get(index);
    if (bad !== undefined) return { address, power, signed: false, ...bad };
    for (const [source, reason] of failed) {
      if (input.rounds.signerAt(source) === address) return { address, power, signed: false, source, reason };
    }
    return { address, power, signed: false, reason: "no configured validator URL answered for it" };
  });
  for (const [source, reason] of failed) {
    if (input.rounds.signerAt(source) === undefined) unmatched.push({ source, reason });
  }

  const chosen = new Map<number, string>();
  let chosenPower = 0n;
  for (const [index, { signature }] of valid) {
    if (chosenPower >= input.threshold) break;
    chosen.set(index, signature);
    chosenPower += input.powers[index];
  }
  let power = 0n;
  for (const index of valid.keys()) power += input.powers[index];
  const round: SigningRound = {
    lane: input.lane,
    at: input.now ?? Date.now(),
    startBlock: input.startBlock,
    endBlock: input.endBlock,
    threshold: input.threshold,
    power,
    quorum: power >= input.threshold,
    validators,
    unmatched,
  };
  return { round, chosen };
}

/** A failure of `fetch` in words an operator can act on: refused, timed out, or what the validator said. */
export function attestFailure(url: string, error: unknown): Error {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (error instanceof TypeError && cause !== undefined) {
    return new Error(`unreachable (${typeof cause.code === "string" ? cause.code : String(cause.message)})`);
  }
  return error instanceof Error ? error : new Error(`${url}: ${String(error)}`);
}
