// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";
import {BitMaps} from "@openzeppelin/contracts/utils/structs/BitMaps.sol";
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

    /// @dev keccak256("sidechain-kit.Messenger.xDomainMessageSender") - 1
    bytes32 private constant X_DOMAIN_SENDER_SLOT = 0xd7b22b2fe60b1806f89a93853e2120cba610c03f787809548d08440050601b46;

    /// @notice Chain id of the other chain.
    uint256 public immutable remoteChainId;

    /// @notice Final block roots of the other chain.
    ICheckpointManager public immutable checkpointManager;

    /// @notice The messenger on the other chain, the only emitter whose messages execute here.
    address public remoteMessenger;

    /// @notice Nonce of the next message sent from this chain.
    uint256 public nextNonce;

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

    /// @dev Calls a message already marked: its nonce is set (first relay) or its failed flag cleared
    /// (retry) before the call, so a reentrant relay or retry of it fails. A reverting call flags it
    /// failed again, which only `retryMessage` accepts.
    function _execute(bytes32 messageId, Message memory message) private {
        // 63/64 of the gas left is all a call can receive (EIP-150): without this check a relayer
        // could pass just enough gas for the call to fail and the message to be marked failed.
        uint256 required = message.gasLimit + message.gasLimit / 63 + RELAY_GAS_RESERVE;
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
