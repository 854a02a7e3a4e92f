/**
 * Deployment library: plain ethers v6, no Hardhat runtime, so that the CLI (deploy/deploy.ts),
 * the relayer, the devnet and the end-to-end tests share it.
 */
export { deployBridge, type DeployBridgeResult } from "./deployBridge";
export {
  normalizeValidatorSet,
  type ChainTarget,
  type CheckpointParams,
  type DeployBridgeOptions,
  type DeployLogger,
  type Numberish,
  type ValidatorEntry,
  type ValidatorSetSpec,
} from "./options";
export {
  CONTRACTS_BY_ROLE,
  deploymentFileSchema,
  deploymentPath,
  readDeployment,
  writeDeployment,
  type ChainRole,
  type ContractRecord,
  type DeploymentFile,
} from "./deploymentFile";
export { DEFAULT_ARTIFACTS_DIR, loadArtifact, type Artifact, type DeployableContract } from "./artifacts";
export { deployConfigSchema, loadDeployConfig, optionsFromConfig, type DeployConfig } from "./config";
export * from "./errors";
