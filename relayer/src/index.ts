/**
 * Public API of the relayer library: header encoding, receipt proofs, checkpoint trees and
 * exit proofs, usable by the relayer's roles, by SDK users who self-relay, and by tests.
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
export * from "./errors";
// ---------------------------------------------------------------- relayer service
export { loadConfig, parseConfig, ConfigError, type Config } from "./config";
export { RelayerService, type ChallengerFactory, type ServiceOptions } from "./service";
export { Store } from "./store";
export type { MessageStatus } from "./store/messages";
export * from "./roles/challenger";
// ---------------------------------------------------------------- SDK
export * from "./sdk";
// ---------------------------------------------------------------- contract types
// TypeChain's types for every contract (generated into typechain-types/ by `hardhat compile`,
// which `npm run build` runs first). Type-only, so nothing is required at run time.
export type * as contracts from "../../typechain-types";
