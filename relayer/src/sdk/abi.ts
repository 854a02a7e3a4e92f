/**
 * The contract surface the SDK calls, as human-readable ABI. Kept beside the SDK rather than read
 * from Hardhat's artifacts/ (or TypeChain) so that `BridgeClient` runs from the built package with
 * nothing but ethers.
 */
import { Interface } from "ethers";

/** protocol.md "Token bridges": the root-token address that stands for the main chain's native currency. */
export const NATIVE_TOKEN = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";

const EXIT_PROOF =
  "(uint256 checkpointId, uint256 blockNumber, bytes32 blockHash, bytes32 receiptsRoot, bytes32[] blockProof, bytes receiptKey, bytes[] receiptProof, uint256 logIndex)";
const MESSAGE = "(uint256 nonce, address sender, address target, uint256 gasLimit, bytes data)";

// Every custom error a user's transaction can hit, so that ethers decodes the revert into its name.
const BRIDGE_ERRORS = [
  "error RootBridgeZeroAmount()",
  "error RootBridgeZeroAddress()",
  "error RootBridgeTokenNotContract(address token)",
  "error RootBridgeNothingReceived(address token)",
  "error ChildBridgeZeroAmount()",
  "error ChildBridgeZeroAddress()",
  "error ChildBridgeUnknownToken(address childToken)",
  "error ChildBridgeTokenNotDeployed(address rootToken)",
  "error RootBridgeInsufficientCredit(address rootToken, address account, uint256 credit, uint256 requested)",
  "error FlowControlRateLimited(address token, uint8 direction, uint256 requested, uint256 available, uint256 retryAfter)",
  "error FlowControlAboveTransferCap(address token, uint8 direction, uint256 amount, uint256 maxTransfer)",
  "error FlowControlUnknownRelease(bytes32 id)",
  "error RootBridgeReleaseGasTooLow(uint256 gasLeft, uint256 required)",
  "error FlowControlReleaseExecuted(bytes32 id)",
  "error FlowControlReleaseNotDue(bytes32 id, uint64 releasableAt)",
  "error MessengerRemoteNotSet()",
  "error MessengerGasLimitTooHigh(uint256 gasLimit, uint256 max)",
  "error EnforcedPause()",
];

export const rootBridgeAbi = new Interface([
  "function depositETH(address to) payable returns (bytes32 messageId)",
  "function depositERC20(address token, address to, uint256 amount) returns (bytes32 messageId)",
  "function depositETHWithGasLimit(address to, uint32 minGasLimit) payable returns (bytes32 messageId)",
  "function depositERC20WithGasLimit(address token, address to, uint256 amount, uint32 minGasLimit) returns (bytes32 messageId)",
  "function claimWithdrawal(address rootToken, address to, uint256 amount)",
  "function releaseCredit(address rootToken, address account, uint256 amount)",
  "function depositCredit(address rootToken, address to, uint256 amount, uint32 minGasLimit) returns (bytes32 messageId)",
  "function claimable(address rootToken, address account) view returns (uint256)",
  "function isMapped(address rootToken) view returns (bool)",
  "function lockbox() view returns (address)",
  "event TokenMapped(address indexed rootToken, string name, string symbol, uint8 decimals)",
  "event DepositInitiated(address indexed rootToken, address indexed from, address indexed to, uint256 amount, bytes32 messageId)",
  "event WithdrawalFinalized(address indexed rootToken, address indexed from, address indexed to, uint256 amount)",
  "event WithdrawalCredited(address indexed rootToken, address indexed from, address indexed to, uint256 amount)",
  "event WithdrawalClaimed(address indexed rootToken, address indexed account, address indexed to, uint256 amount)",
  ...BRIDGE_ERRORS,
]);

export const childBridgeAbi = new Interface([
  "function withdraw(address childToken, address to, uint256 amount) returns (bytes32 messageId)",
  "function withdrawWithGasLimit(address childToken, address to, uint256 amount, uint32 minGasLimit) returns (bytes32 messageId)",
  "function childTokenOf(address rootToken) view returns (address)",
  "function rootTokenOf(address childToken) view returns (address)",
  "event WithdrawalInitiated(address indexed rootToken, address indexed childToken, address indexed from, address to, uint256 amount, bytes32 messageId)",
  ...BRIDGE_ERRORS,
]);

const RATE_LIMIT = "(uint128 capacity, uint128 ratePerSecond, uint128 maxTransfer, uint32 largeTransferDelay)";

/** FlowControl, on both bridges: rate limits and the release queue (protocol.md "Rate limits"). */
export const flowControlAbi = new Interface([
  `function rateLimit(address token, uint8 direction) view returns (${RATE_LIMIT} limit, uint256 available, uint64 refilledAt, ${RATE_LIMIT} pending, uint64 activatesAt)`,
  "function queuedRelease(bytes32 id) view returns (uint64 releasableAt, bool executed)",
  "function checkQueuedRelease(uint256 sequence, bytes payload) view returns (bytes32 id)",
  "function executeQueuedRelease(uint256 sequence, bytes payload)",
  "function releaseSequence() view returns (uint256)",
  "event ReleaseQueued(bytes32 indexed id, address indexed token, uint256 sequence, uint256 amount, uint64 releasableAt, bytes payload)",
  "event QueuedReleaseExecuted(bytes32 indexed id, address indexed executor)",
  "event QueuedReleaseExtended(bytes32 indexed id, uint64 previousReleasableAt, uint64 releasableAt)",
  "event RateLimitSet(address indexed token, uint8 indexed direction, uint256 capacity, uint256 ratePerSecond, uint256 maxTransfer, uint256 largeTransferDelay)",
  ...BRIDGE_ERRORS,
]);

/** `IFlowControl.Direction`. */
export const FlowDirection = { Outbound: 0, Inbound: 1 } as const;

export const erc20Abi = new Interface([
  "function balanceOf(address owner) view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
  "function decimals() view returns (uint8)",
  "function symbol() view returns (string)",
]);

export const sdkMessengerAbi = new Interface([
  `function relayMessage(${EXIT_PROOF} proof) returns (bytes32 messageId)`,
  `function retryMessage(${MESSAGE} message) returns (bytes32 messageId)`,
  `function checkRelay(${EXIT_PROOF} proof) view returns (bytes32 messageId, ${MESSAGE} message)`,
  `function relayStatus(${EXIT_PROOF} proof) view returns (uint8 status, bytes32 messageId, uint64 finalizesAt, bytes reason)`,
  `function messageStatus(${MESSAGE} message) view returns (uint8)`,
  `function incomingMessageId(${MESSAGE} message) view returns (bytes32)`,
  "event MessageRelayed(bytes32 indexed messageId, uint256 indexed nonce, address indexed target)",
  "event MessageFailed(bytes32 indexed messageId, uint256 indexed nonce, address indexed target, bytes reason)",
  "error MessengerAlreadyRelayed(bytes32 messageId)",
  "error MessengerMessageFailed(bytes32 messageId)",
  "error MessengerNotFailed(bytes32 messageId)",
  "error MessengerInsufficientGas(bytes32 messageId, uint256 gasLeft, uint256 required)",
  "error MessengerWrongEmitter(address emitter, address expected)",
  "error MessengerNotAMessage(bytes32 topic0, uint256 topicCount)",
  "error CheckpointManagerNotFinal(uint256 id, uint64 finalizesAt)",
  "error CheckpointManagerUnknownCheckpoint(uint256 id, uint256 count)",
  "error CheckpointManagerBlockNotInCheckpoint(uint256 id, uint256 blockNumber)",
  "error EnforcedPause()",
]);

export const sdkCheckpointManagerAbi = new Interface([
  "function nextStartBlock() view returns (uint64)",
  "function checkpointCount() view returns (uint256)",
  "function getCheckpoint(uint256 id) view returns (uint64 startBlock, uint64 endBlock, bytes32 blockRoot, uint64 finalizesAt)",
  "function checkpointStatus(uint256 id) view returns (uint8 status, uint64 finalizesAt)",
]);

/** On-chain `IMessenger.RelayStatus`, in declaration order. */
export const RelayStatusOnChain = {
  Ready: 0,
  NotCheckpointed: 1,
  ChallengeWindow: 2,
  AlreadyRelayed: 3,
  FailedRetryable: 4,
  Invalid: 5,
  Paused: 6,
} as const;

// The asset bridge (ERC721, ERC1155): contracts/interfaces/IRootAssetBridge.sol, IChildAssetBridge.sol.
const ASSET_ERRORS = [
  "error AssetGasBatchSize(uint256 size, uint256 maxSize)",
  "error AssetGasBadShape(uint8 kind, uint256 ids, uint256 amounts)",
  "error AssetGasZeroAmount()",
  "error RootAssetBridgeZeroAddress()",
  "error RootAssetBridgeZeroAmount()",
  "error RootAssetBridgeTokenNotContract(address token)",
  "error RootAssetBridgeLengthMismatch(uint256 ids, uint256 amounts)",
  "error RootAssetBridgeWrongKind(address rootToken, uint8 kind, uint8 expected)",
  "error RootAssetBridgeAlreadyEscrowed(address rootToken, uint256 tokenId)",
  "error RootAssetBridgeNotCreditHolder(address rootToken, uint256 tokenId, address caller, address holder)",
  "error RootAssetBridgeInsufficientCredit(address rootToken, uint256 id, address account, uint256 credit, uint256 requested)",
  "error RootAssetBridgeMainMintable(address token)",
  "error MainMintableAssetsUnknownToken(address mainToken)",
  "error MainMintableAssetsZeroAddress()",
  "error ChildAssetBridgeZeroAddress()",
  "error ChildAssetBridgeZeroAmount()",
  "error ChildAssetBridgeLengthMismatch(uint256 ids, uint256 amounts)",
  "error ChildAssetBridgeWrongKind(address token, uint8 kind, uint8 expected)",
  "error ChildNativeExitsBadKind(uint8 kind)",
  "error ChildNativeExitsNotContract(address token)",
  "error ChildNativeExitsAlreadyRegistered(address token, uint8 kind)",
  "error ChildNativeExitsNotTokenOwner(address token, address caller)",
  "error ChildNativeExitsNotRegistered(address token)",
  "error ChildNativeExitsZeroAddress()",
  "error ChildNativeExitsNothingReceived(address token)",
  "error ChildNativeExitsAlreadyLocked(address token, uint256 tokenId)",
  "error ChildNativeExitsNoCredit(address token, address account)",
  "error BridgedERC721NotOwner(uint256 tokenId, address account, address owner)",
  "error ERC1155InsufficientBalance(address sender, uint256 balance, uint256 needed, uint256 tokenId)",
  "error MessengerGasLimitTooHigh(uint256 gasLimit, uint256 max)",
  "error EnforcedPause()",
];

export const rootAssetBridgeAbi = new Interface([
  "function depositERC721(address rootToken, address to, uint256 tokenId) returns (bytes32 messageId)",
  "function depositERC721Batch(address rootToken, address to, uint256[] tokenIds, uint32 minGasLimit) returns (bytes32 messageId)",
  "function depositERC1155(address rootToken, address to, uint256 id, uint256 amount) returns (bytes32 messageId)",
  "function depositERC1155Batch(address rootToken, address to, uint256[] ids, uint256[] amounts, uint32 minGasLimit) returns (bytes32 messageId)",
  "function kindOf(address rootToken) view returns (uint8)",
  "function claimERC721(address rootToken, uint256 tokenId, address to)",
  "function claimERC1155(address rootToken, uint256 id, address to, uint256 amount)",
  "function erc721CreditOf(address rootToken, uint256 tokenId) view returns (address)",
  "function erc1155Credit(address rootToken, uint256 id, address account) view returns (uint256)",
  // MainMintableAssets: the main-chain side of tokens created on the child chain.
  "function returnToChild(address mainToken, address to, uint256[] ids, uint256[] amounts, uint32 minGasLimit) returns (bytes32 messageId)",
  "function predictMainToken(address childToken, uint8 kind) view returns (address)",
  "function mainTokenOf(address childToken) view returns (address)",
  "function childTokenOfMintable(address mainToken) view returns (address childToken, uint8 kind)",
  ...ASSET_ERRORS,
]);

export const childAssetBridgeAbi = new Interface([
  "function withdrawERC721(address childToken, address to, uint256 tokenId) returns (bytes32 messageId)",
  "function withdrawERC721Batch(address childToken, address to, uint256[] tokenIds, uint32 minGasLimit) returns (bytes32 messageId)",
  "function withdrawERC1155(address childToken, address to, uint256 id, uint256 amount) returns (bytes32 messageId)",
  "function withdrawERC1155Batch(address childToken, address to, uint256[] ids, uint256[] amounts, uint32 minGasLimit) returns (bytes32 messageId)",
  "function childTokenOf(address rootToken) view returns (address)",
  "function rootTokenOf(address childToken) view returns (address rootToken, uint8 kind)",
  // ChildNativeExits: tokens created on the child chain.
  "function registerChildNative(address token, uint8 kind)",
  "function exitChildNative(address token, address to, uint256[] ids, uint256[] amounts, uint32 minGasLimit) returns (bytes32 messageId)",
  "function claimReturn(address token, uint256[] ids, uint256[] amounts, address receiver)",
  "function exitKindOf(address token) view returns (uint8)",
  "function returnCredits(bytes32 creditKey) view returns (uint256)",
  "function finalizeReturn(uint8 kind, address token, address from, address to, uint256[] ids, uint256[] amounts)",
  ...ASSET_ERRORS,
]);

/** OpenZeppelin Ownable and ERC-165: who may register a child-chain token, and whether it is of the kind claimed. */
export const ownableAbi = new Interface([
  "function owner() view returns (address)",
  "function supportsInterface(bytes4 interfaceId) view returns (bool)",
]);

export const erc721Abi = new Interface([
  "function ownerOf(uint256 tokenId) view returns (address)",
  "function getApproved(uint256 tokenId) view returns (address)",
  "function isApprovedForAll(address owner, address operator) view returns (bool)",
  "function setApprovalForAll(address operator, bool approved)",
]);

export const erc1155Abi = new Interface([
  "function balanceOfBatch(address[] owners, uint256[] ids) view returns (uint256[])",
  "function isApprovedForAll(address owner, address operator) view returns (bool)",
  "function setApprovalForAll(address operator, bool approved)",
]);
