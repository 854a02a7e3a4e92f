/** The SDK: `BridgeClient` and what its methods take, return and throw. */
export { BridgeClient, type FromFilesOptions, type TransferOptions } from "./client";
export { NATIVE_TOKEN } from "./abi";
export { MAX_ASSET_BATCH, type AssetKind, type AssetTransferOptions, type AssetWay } from "./assets";
export type { AssetClaim } from "./assetCredits";
export type { MainTokenInfo } from "./childNative";
export * from "./errors";
export * from "./types";
export { exitProofFromJson } from "./proofs";
export { readDeploymentFile, readRelayerEndpoints, type RelayerEndpoints } from "./deployments";
export { formatAmount, parseAmount } from "./units";
export {
  StakeManagerClient,
  StakeManagerError,
  StakeLane,
  VALIDATOR_STATUSES,
  stakeManagerAbi,
  type StakeLaneName,
  type StakeStatus,
  type StakeTx,
  type ValidatorStatus,
} from "./stakeManager";
