/**
 * `sidechain-kit`, the package's main entry: the SDK (BridgeClient, status types, errors), the
 * proof library (header encoding, receipt proofs, checkpoint trees, exit proofs), the checkpoint
 * typed data, and the relayer service. Other entries: `sidechain-kit/testing`,
 * `sidechain-kit/devnet`, `sidechain-kit/hardhat` (see docs/dapps.md).
 */
export {
  encodeBlockHeader,
  encodeBlockHeaderBytes,
  blockHashOf,
  verifyBlockHeader,
  type BlockHeaderSource,
} from "./chain/header";
export { fetchBlock, fetchBlockReceipts, isMethodNotSupported, type BlockId } from "./chain/receipts";
export type { JsonRpcSender, RpcBlock, RpcBlockHeader, RpcLog, RpcReceipt } from "./chain/rpcValues";
export {
  ReceiptTrie,
  buildReceiptProof,
  encodeReceipt,
  encodeReceiptBytes,
  receiptTrieKey,
  receiptsRootOf,
  verifyReceiptProof,
  type ReceiptProof,
} from "./proof/receiptTrie";
export {
  CHECKPOINT_LEAF_ENCODING,
  buildCheckpointTree,
  checkpointLeafHash,
  type CheckpointBlock,
  type CheckpointLeaf,
  type CheckpointTree,
} from "./proof/checkpointTree";
export {
  buildExitProof,
  locateLog,
  proveLog,
  type BuildExitProofArgs,
  type CheckpointRange,
  type ExitProof,
  type ProveLogArgs,
} from "./proof/exitProof";
export {
  BatchOutcomeOnChain,
  InvalidBatchError,
  buildMessageBatch,
  type BatchBlock,
  type BatchEntry,
  type MessageBatch,
} from "./proof/messageBatch";
/** EIP-712 typed data of a checkpoint signature: what validators sign (docs/protocol.md "Signatures"). */
export { CHECKPOINT_TYPES, checkpointDomain } from "./chain/abi";
export * from "./errors";
// ---------------------------------------------------------------- relayer service
export { loadConfig, parseConfig, ConfigError, type Config } from "./config";
export { RelayerService, type ChallengerFactory, type ServiceOptions } from "./service";
export { Store } from "./store";
export type { MessageStatus } from "./store/messages";
export * from "./roles/challenger";
export { EquivocationReporter, type EquivocationReporterOptions, type ReporterLane, type ReportSender } from "./roles/equivocation";
// ---------------------------------------------------------------- deployment
// What `sidechain deploy` and `sidechain relayer-config` run, for apps' own deployment scripts.
export {
  DeployError,
  deployBridge,
  loadDeployConfig,
  optionsFromConfig,
  readDeployment,
  type DeployBridgeOptions,
  type DeployBridgeResult,
  type DeployConfig,
  type DeploymentFile,
} from "../../deploy/lib";
export { buildRelayerConfig, type RelayerConfigOptions } from "../../deploy/lib/relayerConfig";
// ---------------------------------------------------------------- SDK
export * from "./sdk";
// ---------------------------------------------------------------- contract types
// TypeChain's types for every contract (generated into typechain-types/ by `hardhat compile`,
// which `npm run build` runs first). Type-only, so nothing is required at run time.
export type * as contracts from "../../typechain-types";
