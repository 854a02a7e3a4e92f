/** The challenger role: see challenger.ts. */
export { CheckpointChallenger } from "./challenger";
export { ChallengeRejectedError, ChallengeSendError, ChallengeTxTimeoutError, MissingSubmissionEventError, UnexpectedContractDataError } from "./errors";
export { recoverAsContract } from "./signatures";
export type {
  Attestation,
  ChallengeKind,
  ChallengeOutcome,
  ChallengeResult,
  ChallengerLogger,
  CheckpointChallengerOptions,
  CheckpointRef,
  Inspection,
  LeafSource,
  PlannedChallenge,
  PublishedLeaf,
  RevealedBlock,
  SubmittedCheckpoint,
} from "./types";
export { challengerRole } from "./role";
