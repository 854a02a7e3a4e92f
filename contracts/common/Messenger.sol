// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";
import {BitMaps} from "@openzeppelin/contracts/utils/structs/BitMaps.sol";
import {Memory} from "@openzeppelin/contracts/utils/Memory.sol";
import {RLP} from "@openzeppelin/contracts/utils/RLP.sol";
import {ICheckpointManager} from "../interfaces/ICheckpointManager.sol";
import {IMessenger} from "../interfaces/IMessenger.sol";
import {MessageCodec} from "../libraries/MessageCodec.sol";
import {ReceiptProof} from "../libraries/ReceiptProof.sol";

/// @title Messenger
/// @notice Sends messages to the other chain and executes the other chain's messages; the same
/// contract is deployed on both chains.
/// @dev Layering: this contract trusts the `CheckpointManager` for final block roots and proves
/// the `MessageSent` log of its counterpart with `ReceiptProof`. Each message id executes once;
/// a call that reverts is recorded as failed and may be retried by anyone. The relayer cannot
/// starve a call of gas: relaying reverts unless the call can get the gas limit its sender set.
contract Messenger is IMessenger, AccessControl, Pausable, ReentrancyGuardTransient {
    using BitMaps for BitMaps.BitMap;
    using TransientSlot for bytes32;
    using TransientSlot for TransientSlot.AddressSlot;

    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice May pause sending and relaying in an emergency; pausing never moves funds.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice Highest gas limit a message may ask for, so that it fits in a block of the other chain.
    uint256 public constant MAX_GAS_LIMIT = 15_000_000;

    /// @notice Gas kept back for the bookkeeping around the target call.
    uint256 public constant RELAY_GAS_RESERVE = 40_000;

    /// @notice Most bytes of a failed call's revert data that `MessageFailed` carries: enough for
    /// an `Error(string)` of about 180 characters or a custom error with a few arguments.
    uint256 public constant MAX_REASON_BYTES = 256;

    /// @notice Gas a batch must have left to start on its next entry (its proof check and
    /// bookkeeping); with less it stops there. A receipt far larger than a bridge's needs more, and
    /// a batch that runs out on one reverts whole, having marked nothing.
    uint256 public constant BATCH_ENTRY_GAS = 60_000;

    /// @dev keccak256("sidechain-kit.Messenger.xDomainMessageSender") - 1
    bytes32 private constant X_DOMAIN_SENDER_SLOT = 0xd7b22b2fe60b1806f89a93853e2120cba610c03f787809548d08440050601b46;

    /// @notice Chain id of the other chain.
    uint256 public immutable remoteChainId;

    /// @notice Final block roots of the other chain.
    ICheckpointManager public immutable checkpointManager;

    /// @notice The messenger on the other chain, the only emitter whose messages execute here.
    address public remoteMessenger;

    /// @notice Nonce of the next message sent from this chain.
    /// @dev 88 bits, so that it shares one slot with `remoteMessenger` and Pausable's flag: a send
    /// reads all three, and pays one cold read for them instead of two (about 2,100 gas). 2^88
    /// messages is more than any chain will ever send.
    uint88 public nextNonce;

    // Replay protection is keyed by nonce: the remote messenger numbers its messages one by one,
    // so a nonce names exactly one message, and 256 of them share a storage slot (a relay writes
    // a warm bit, not a fresh slot). A proof of another message under a used nonce is refused too.
    BitMaps.BitMap private _usedNonces;

    /// @notice Incoming messages whose call reverted and that can be retried, by id.
    mapping(bytes32 messageId => bool) public failedMessages;

    /// @param admin Governance: wires the remote messenger, grants roles, unpauses.
    /// @param guardian May pause.
    /// @param checkpointManager_ Checkpoints of the other chain, kept on this chain.
    constructor(address admin, address guardian, ICheckpointManager checkpointManager_) {
        if (admin == address(0) || address(checkpointManager_) == address(0)) revert MessengerZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (guardian != address(0)) _grantRole(GUARDIAN_ROLE, guardian);
        checkpointManager = checkpointManager_;
        remoteChainId = checkpointManager_.sourceChainId();
    }

    /// @notice Wires the messenger of the other chain, once.
    /// @dev Governance only. It cannot be changed afterwards: a new counterpart means a new deployment.
    /// @param remote The other chain's messenger.
    function setRemoteMessenger(address remote) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (remote == address(0)) revert MessengerZeroAddress();
        if (remoteMessenger != address(0)) revert MessengerRemoteAlreadySet(remoteMessenger);
        remoteMessenger = remote;
        emit RemoteMessengerSet(remote);
    }

    // ---------------------------------------------------------------- sending

    /// @inheritdoc IMessenger
    function sendMessage(address target, bytes calldata data, uint256 gasLimit)
        external
        whenNotPaused
        returns (bytes32 messageId)
    {
        // Until the counterpart is wired nothing can be relayed, and the target check below could
        // not recognise it: the remote messenger cannot be a target, it would act on a message's say-so.
        address remote = remoteMessenger;
        if (remote == address(0)) revert MessengerRemoteNotSet();
        if (target == address(0) || target == remote) revert MessengerForbiddenTarget(target);
        if (gasLimit > MAX_GAS_LIMIT) revert MessengerGasLimitTooHigh(gasLimit, MAX_GAS_LIMIT);
        uint256 nonce = nextNonce++;
        messageId = MessageCodec.id(block.chainid, remoteChainId, Message(nonce, msg.sender, target, gasLimit, data));
        emit MessageSent(nonce, msg.sender, target, gasLimit, data);
    }

    // ---------------------------------------------------------------- relaying

    /// @inheritdoc IMessenger
    function relayMessage(ExitProof calldata proof) external nonReentrant whenNotPaused returns (bytes32 messageId) {
        Message memory message;
        (messageId, message) = checkRelay(proof);
        _usedNonces.set(message.nonce);
        _execute(messageId, message);
    }

    /// @inheritdoc IMessenger
    function relayMessages(MessageBatch calldata batch)
        external
        nonReentrant
        whenNotPaused
        returns (BatchOutcome[] memory outcomes, uint256 gasNeeded)
    {
        uint256 gasAtStart = gasleft();
        uint256 count = batch.entries.length;
        if (count == 0) revert MessengerEmptyBatch();
        address emitter = remoteMessenger;
        if (emitter == address(0)) revert MessengerRemoteNotSet();
        uint256 blockCount = batch.blocks.length;
        // Finality and the block leaf, once per block: every entry of the block relies on this check.
        for (uint256 b = 0; b < blockCount; ++b) {
            BatchBlock calldata proven = batch.blocks[b];
            checkpointManager.checkFinalBlock(
                batch.checkpointId,
                ICheckpointManager.BlockLeaf(proven.blockNumber, proven.blockHash, proven.receiptsRoot),
                proven.blockProof
            );
        }
        // Copied to memory once; each entry's proof points into it, so a shared node is sent and
        // copied once. TrieProof hashes every node it walks, so a path naming a wrong node fails.
        bytes[] memory nodes = batch.nodes;
        outcomes = new BatchOutcome[](count);
        bool executed;
        // What one entry allocates (its proof, receipt, log) is dead once it is done: each entry
        // starts from this free memory pointer, so memory does not grow with the batch.
        Memory.Pointer entryMemory = Memory.getFreeMemoryPointer();
        for (uint256 i = 0; i < count; ++i) {
            Memory.unsafeSetFreeMemoryPointer(entryMemory);
            uint256 used = gasAtStart - gasleft();
            if (used + BATCH_ENTRY_GAS > gasNeeded) gasNeeded = used + BATCH_ENTRY_GAS;
            if (gasleft() < BATCH_ENTRY_GAS) {
                if (!executed) revert MessengerInsufficientGas(bytes32(0), gasleft(), BATCH_ENTRY_GAS);
                emit MessageBatchStopped(batch.checkpointId, i, gasleft(), BATCH_ENTRY_GAS);
                break;
            }
            BatchEntry calldata entry = batch.entries[i];
            if (entry.blockIndex >= blockCount) revert MessengerBatchBlockOutOfRange(i, entry.blockIndex, blockCount);
            ReceiptProof.Log memory log = ReceiptProof.extractLog(
                batch.blocks[entry.blockIndex].receiptsRoot,
                RLP.encode(entry.txIndex),
                _nodesOnPath(nodes, entry.nodePath, i),
                entry.logIndex
            );
            (bytes32 messageId, Message memory message) = _messageOfLog(log, emitter);
            // A message relayed (or failed) before, by anyone or earlier in this batch: a batch
            // built from a slightly stale view still relays the rest.
            MessageStatus status = _statusOf(messageId, message.nonce);
            if (status != MessageStatus.None) {
                outcomes[i] = BatchOutcome.Skipped;
                emit MessageSkipped(messageId, message.nonce, status);
                continue;
            }
            // The minimum-gas rule of a single relay, per entry: an entry short of it is left
            // untouched (not marked), so no relayer can make a message fail by passing too little gas.
            uint256 required = _requiredGas(message.gasLimit);
            used = gasAtStart - gasleft();
            if (used + required > gasNeeded) gasNeeded = used + required;
            if (gasleft() < required) {
                if (!executed) revert MessengerInsufficientGas(messageId, gasleft(), required);
                emit MessageBatchStopped(batch.checkpointId, i, gasleft(), required);
                break;
            }
            _usedNonces.set(message.nonce);
            executed = true;
            outcomes[i] = _executeInBatch(messageId, message) ? BatchOutcome.Relayed : BatchOutcome.Failed;
        }
        uint256 usedAtEnd = gasAtStart - gasleft();
        if (usedAtEnd > gasNeeded) gasNeeded = usedAtEnd;
    }

    /// @inheritdoc IMessenger
    function retryMessage(Message calldata message) external nonReentrant whenNotPaused returns (bytes32 messageId) {
        messageId = incomingMessageId(message);
        if (!failedMessages[messageId]) revert MessengerNotFailed(messageId);
        failedMessages[messageId] = false;
        _execute(messageId, message);
    }

    /// @inheritdoc IMessenger
    function checkRelay(ExitProof calldata proof) public view returns (bytes32 messageId, Message memory message) {
        checkpointManager.checkFinalBlock(
            proof.checkpointId,
            ICheckpointManager.BlockLeaf(proof.blockNumber, proof.blockHash, proof.receiptsRoot),
            proof.blockProof
        );
        (messageId, message) = _provenMessage(proof);
        MessageStatus status = _statusOf(messageId, message.nonce);
        if (status == MessageStatus.Relayed) revert MessengerAlreadyRelayed(messageId);
        if (status == MessageStatus.Failed) revert MessengerMessageFailed(messageId);
    }

    /// @inheritdoc IMessenger
    function relayStatus(ExitProof calldata proof)
        external
        view
        returns (RelayStatus status, bytes32 messageId, uint64 finalizesAt, bytes memory reason)
    {
        if (paused()) return (RelayStatus.Paused, bytes32(0), 0, "");
        ICheckpointManager.CheckpointStatus checkpoint;
        (checkpoint, finalizesAt) = checkpointManager.checkpointStatus(proof.checkpointId);
        if (checkpoint == ICheckpointManager.CheckpointStatus.None) {
            return (RelayStatus.NotCheckpointed, bytes32(0), 0, "");
        }
        bool committed = checkpointManager.isBlockCommitted(
            proof.checkpointId,
            ICheckpointManager.BlockLeaf(proof.blockNumber, proof.blockHash, proof.receiptsRoot),
            proof.blockProof
        );
        if (!committed) {
            reason = abi.encodeWithSelector(
                ICheckpointManager.CheckpointManagerBlockNotInCheckpoint.selector,
                proof.checkpointId,
                proof.blockNumber
            );
            return (RelayStatus.Invalid, bytes32(0), finalizesAt, reason);
        }
        // Malformed proof nodes can make the RLP decoder revert: contain that in a self-call.
        uint256 nonce;
        try this.provenMessageId(proof) returns (bytes32 id, uint256 provenNonce) {
            (messageId, nonce) = (id, provenNonce);
        } catch (bytes memory revertData) {
            return (RelayStatus.Invalid, bytes32(0), finalizesAt, revertData);
        }
        MessageStatus message = _statusOf(messageId, nonce);
        if (message == MessageStatus.Relayed) status = RelayStatus.AlreadyRelayed;
        else if (message == MessageStatus.Failed) status = RelayStatus.FailedRetryable;
        else if (checkpoint == ICheckpointManager.CheckpointStatus.Pending) status = RelayStatus.ChallengeWindow;
        else status = RelayStatus.Ready;
    }

    /// @notice The id of the message an exit proof proves, whatever its checkpoint's state.
    /// @dev Reverts with the reason when the receipt proof or the log is invalid.
    /// @param proof The exit proof.
    /// @return messageId The message id.
    /// @return nonce The message's nonce.
    function provenMessageId(ExitProof calldata proof) external view returns (bytes32 messageId, uint256 nonce) {
        Message memory message;
        (messageId, message) = _provenMessage(proof);
        nonce = message.nonce;
    }

    /// @inheritdoc IMessenger
    function messageStatus(Message calldata message) external view returns (MessageStatus) {
        return _statusOf(incomingMessageId(message), message.nonce);
    }

    /// @notice Whether the message with this nonce from the other chain has been executed (or failed).
    /// @param nonce The message nonce.
    /// @return True once a message with this nonce was relayed.
    function isNonceUsed(uint256 nonce) external view returns (bool) {
        return _usedNonces.get(nonce);
    }

    function _statusOf(bytes32 messageId, uint256 nonce) private view returns (MessageStatus) {
        // A failed message always has its nonce used, so a fresh nonce needs no second read.
        if (!_usedNonces.get(nonce)) return MessageStatus.None;
        return failedMessages[messageId] ? MessageStatus.Failed : MessageStatus.Relayed;
    }

    /// @inheritdoc IMessenger
    function incomingMessageId(Message calldata message) public view returns (bytes32) {
        return MessageCodec.id(remoteChainId, block.chainid, message);
    }

    /// @inheritdoc IMessenger
    function xDomainMessageSender() external view returns (address sender) {
        sender = X_DOMAIN_SENDER_SLOT.asAddress().tload();
        if (sender == address(0)) revert MessengerNoActiveMessage();
    }

    function _provenMessage(ExitProof calldata proof) private view returns (bytes32 messageId, Message memory message) {
        address expectedEmitter = remoteMessenger;
        if (expectedEmitter == address(0)) revert MessengerRemoteNotSet();
        ReceiptProof.Log memory log =
            ReceiptProof.extractLog(proof.receiptsRoot, proof.receiptKey, proof.receiptProof, proof.logIndex);
        if (log.emitter != expectedEmitter) revert MessengerWrongEmitter(log.emitter, expectedEmitter);
        if (!MessageCodec.isMessageSent(log)) revert MessengerNotAMessage(log.topics.length > 0 ? log.topics[0] : bytes32(0), log.topics.length);
        message = MessageCodec.decode(log);
        messageId = MessageCodec.id(remoteChainId, block.chainid, message);
    }

    /// @dev `_provenMessage`'s checks for a batch entry's log, proven under a receipts root that the
    /// batch has checked against a final checkpoint. The single path keeps its own copy, which the
    /// optimizer inlines: sharing this one made every single relay about 500 gas dearer.
    function _messageOfLog(ReceiptProof.Log memory log, address expectedEmitter)
        private
        view
        returns (bytes32 messageId, Message memory message)
    {
        if (log.emitter != expectedEmitter) revert MessengerWrongEmitter(log.emitter, expectedEmitter);
        if (!MessageCodec.isMessageSent(log)) revert MessengerNotAMessage(log.topics.length > 0 ? log.topics[0] : bytes32(0), log.topics.length);
        message = MessageCodec.decode(log);
        messageId = MessageCodec.id(remoteChainId, block.chainid, message);
    }

    /// @dev The position in `nodes` of each node of an entry's receipt proof, two bytes each.
    function _nodesOnPath(bytes[] memory nodes, bytes calldata path, uint256 entry)
        private
        pure
        returns (bytes[] memory proof)
    {
        uint256 length = path.length;
        if (length == 0 || length % 2 != 0) revert MessengerBatchInvalidNodePath(entry, length);
        proof = new bytes[](length / 2);
        for (uint256 j = 0; j < proof.length; ++j) {
            uint256 node = uint16(bytes2(path[2 * j:2 * j + 2]));
            if (node >= nodes.length) revert MessengerBatchNodeOutOfRange(entry, node, nodes.length);
            proof[j] = nodes[node];
        }
    }

    /// @dev Gas the relay must have before the call: 63/64 of the gas left is all a call can
    /// receive (EIP-150), and the reserve pays for the bookkeeping after it.
    function _requiredGas(uint256 gasLimit) private pure returns (uint256) {
        return gasLimit + gasLimit / 63 + RELAY_GAS_RESERVE;
    }

    /// @dev Calls a message already marked: its nonce is set (first relay) or its failed flag cleared
    /// (retry) before the call, so a reentrant relay or retry of it fails. A reverting call flags it
    /// failed again, which only `retryMessage` accepts.
    function _execute(bytes32 messageId, Message memory message) private {
        // Without this check a relayer could pass just enough gas for the call to fail and the
        // message to be marked failed.
        uint256 required = _requiredGas(message.gasLimit);
        if (gasleft() < required) revert MessengerInsufficientGas(messageId, gasleft(), required);

        X_DOMAIN_SENDER_SLOT.asAddress().tstore(message.sender);
        // The gas limit is a floor, as in Optimism's messenger: the call gets all but the reserve,
        // so a retry with more gas can execute a call that needs more than its sender asked (M-2).
        bool success = _call(message.target, gasleft() - RELAY_GAS_RESERVE, message.data);
        X_DOMAIN_SENDER_SLOT.asAddress().tstore(address(0));

        if (success) {
            emit MessageRelayed(messageId, message.nonce, message.target);
        } else {
            failedMessages[messageId] = true;
            emit MessageFailed(messageId, message.nonce, message.target, _revertReason());
        }
    }

    /// @dev `_execute` for a batch entry, whose gas the batch has checked: the call gets exactly its
    /// gas limit (its floor), so that it cannot eat the gas of the entries after it.
    function _executeInBatch(bytes32 messageId, Message memory message) private returns (bool success) {
        X_DOMAIN_SENDER_SLOT.asAddress().tstore(message.sender);
        success = _call(message.target, message.gasLimit, message.data);
        X_DOMAIN_SENDER_SLOT.asAddress().tstore(address(0));
        // As in `_execute`: a failed call is kept for `retryMessage`.
        if (success) {
            emit MessageRelayed(messageId, message.nonce, message.target);
        } else {
            failedMessages[messageId] = true;
            emit MessageFailed(messageId, message.nonce, message.target, _revertReason());
        }
    }

    /// @dev A call that copies no return data, so a target cannot make the relay run out of gas
    /// after the message was marked (a "return bomb"); `_revertReason` takes a bounded part of it.
    function _call(address target, uint256 gasLimit, bytes memory data) private returns (bool success) {
        assembly ("memory-safe") {
            success := call(gasLimit, target, 0, add(data, 0x20), mload(data), 0, 0)
        }
    }

    /// @dev The first `MAX_REASON_BYTES` of the last call's return data. Read only on failure, so
    /// the success path costs nothing more, and before any other call replaces the return data.
    function _revertReason() private pure returns (bytes memory reason) {
        assembly ("memory-safe") {
            let size := returndatasize()
            if gt(size, MAX_REASON_BYTES) { size := MAX_REASON_BYTES }
            reason := mload(0x40)
            mstore(reason, size)
            returndatacopy(add(reason, 0x20), 0, size)
            mstore(0x40, add(add(reason, 0x20), and(add(size, 0x1f), not(0x1f))))
        }
    }

    // ---------------------------------------------------------------- governance

    /// @notice Stops sending and relaying; failed messages stay retryable after unpausing.
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @notice Allows sending and relaying again.
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }
}
