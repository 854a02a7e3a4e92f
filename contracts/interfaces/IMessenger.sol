// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IMessenger
/// @notice Sends messages to the other chain and executes the other chain's messages once their
/// block is committed by a final checkpoint.
interface IMessenger {
    /// @notice A message as its source chain emitted it; its id is derived from these fields only.
    struct Message {
        uint256 nonce;
        address sender;
        address target;
        uint256 gasLimit;
        bytes data;
    }

    /// @notice Merkle exit proof of one `MessageSent` log: block in checkpoint, receipt in block, log in receipt.
    /// @param checkpointId Checkpoint that commits the block.
    /// @param blockNumber Number of the block holding the transaction.
    /// @param blockHash Hash of that block.
    /// @param receiptsRoot Receipts root of that block.
    /// @param blockProof Merkle proof of the block leaf in the checkpoint's block root.
    /// @param receiptKey Trie key of the receipt: rlp(transaction index).
    /// @param receiptProof Merkle-Patricia proof nodes of the receipt, root first.
    /// @param logIndex Index of the log inside the receipt (not in the block).
    struct ExitProof {
        uint256 checkpointId;
        uint256 blockNumber;
        bytes32 blockHash;
        bytes32 receiptsRoot;
        bytes32[] blockProof;
        bytes receiptKey;
        bytes[] receiptProof;
        uint256 logIndex;
    }

    /// @notice A block of a batch: its leaf, proven once for every message of the batch it holds.
    /// @param blockNumber Number of the block.
    /// @param blockHash Hash of that block.
    /// @param receiptsRoot Receipts root of that block.
    /// @param blockProof Merkle proof of the block leaf in the checkpoint's block root.
    struct BatchBlock {
        uint256 blockNumber;
        bytes32 blockHash;
        bytes32 receiptsRoot;
        bytes32[] blockProof;
    }

    /// @notice One message of a batch: which receipt of which block, and which trie nodes prove it.
    /// @param blockIndex Position of the message's block in `MessageBatch.blocks`.
    /// @param txIndex Index of the transaction in its block: the trie key is rlp(txIndex).
    /// @param logIndex Index of the log inside the receipt (not in the block).
    /// @param nodePath The receipt's Merkle-Patricia proof, root first, as positions in
    /// `MessageBatch.nodes`: two bytes (big-endian) per node.
    struct BatchEntry {
        uint256 blockIndex;
        uint256 txIndex;
        uint256 logIndex;
        bytes nodePath;
    }

    /// @notice Exit proofs of many messages committed by one checkpoint, each part sent once: a
    /// block leaf for all the messages of its block, a trie node for all the receipts below it.
    /// @param checkpointId Checkpoint that commits every block.
    /// @param blocks The blocks holding the messages.
    /// @param nodes The receipts tries' nodes the entries need, each once, in any order.
    /// @param entries The messages, executed in this order.
    struct MessageBatch {
        uint256 checkpointId;
        BatchBlock[] blocks;
        bytes[] nodes;
        BatchEntry[] entries;
    }

    /// @notice What a batch did with each of its entries.
    enum BatchOutcome {
        NotReached,
        Relayed,
        Failed,
        Skipped
    }

    /// @notice Where a message stands on its destination chain.
    enum MessageStatus {
        None,
        Relayed,
        Failed
    }

    /// @notice What `relayStatus` found for a proof.
    enum RelayStatus {
        Ready,
        NotCheckpointed,
        ChallengeWindow,
        AlreadyRelayed,
        FailedRetryable,
        Invalid,
        Paused
    }

    event MessageSent(uint256 indexed nonce, address indexed sender, address indexed target, uint256 gasLimit, bytes data);
    event MessageRelayed(bytes32 indexed messageId, uint256 indexed nonce, address indexed target);
    /// @param reason The target's revert data, cut to the messenger's `MAX_REASON_BYTES`.
    event MessageFailed(bytes32 indexed messageId, uint256 indexed nonce, address indexed target, bytes reason);
    event RemoteMessengerSet(address remoteMessenger);
    /// @notice A batch entry was not executed: its message was already relayed or failed before.
    event MessageSkipped(bytes32 indexed messageId, uint256 indexed nonce, MessageStatus status);
    /// @notice A batch ran short of gas at entry `nextEntry`: it and the entries after it were left
    /// untouched, to be relayed later.
    event MessageBatchStopped(uint256 indexed checkpointId, uint256 nextEntry, uint256 gasLeft, uint256 required);

    error MessengerZeroAddress();
    error MessengerRemoteAlreadySet(address remoteMessenger);
    error MessengerRemoteNotSet();
    error MessengerForbiddenTarget(address target);
    error MessengerGasLimitTooHigh(uint256 gasLimit, uint256 max);
    error MessengerWrongEmitter(address emitter, address expected);
    error MessengerNotAMessage(bytes32 topic0, uint256 topicCount);
    error MessengerAlreadyRelayed(bytes32 messageId);
    error MessengerMessageFailed(bytes32 messageId);
    error MessengerNotFailed(bytes32 messageId);
    error MessengerInsufficientGas(bytes32 messageId, uint256 gasLeft, uint256 required);
    error MessengerNoActiveMessage();
    error MessengerEmptyBatch();
    error MessengerBatchBlockOutOfRange(uint256 entry, uint256 blockIndex, uint256 blockCount);
    error MessengerBatchInvalidNodePath(uint256 entry, uint256 pathLength);
    error MessengerBatchNodeOutOfRange(uint256 entry, uint256 node, uint256 nodeCount);

    /// @notice Sends `data` to `target` on the other chain, to be called with `gasLimit` gas.
    /// @dev Carries no value. The message executes at most once, and only after its block is in a
    /// final checkpoint on the other chain.
    /// @param target Contract called on the other chain.
    /// @param data Calldata for `target`.
    /// @param gasLimit Gas floor of the call: a relayer cannot give it less, and the call gets all the
    /// gas the relay has beyond a reserve, so a relay or retry with more gas can run a call that needs more.
    /// @return messageId The message's id, as the other chain will compute it.
    function sendMessage(address target, bytes calldata data, uint256 gasLimit) external returns (bytes32 messageId);

    /// @notice Executes a message of the other chain, proven by a Merkle exit proof.
    /// @dev Anyone may relay. A call that reverts marks the message failed, to be retried with `retryMessage`.
    /// @param proof The exit proof of the `MessageSent` log.
    /// @return messageId The message's id.
    function relayMessage(ExitProof calldata proof) external returns (bytes32 messageId);

    /// @notice Executes many messages of one checkpoint in one transaction.
    /// @dev Anyone may relay. The same checks as `relayMessage` (final checkpoint, block leaf, receipt,
    /// emitter, replay) hold for every entry, and a proof that fails them reverts the whole batch. A
    /// message already relayed or failed is skipped (`MessageSkipped`), a target that reverts marks
    /// only its message failed, and each call gets exactly its message's gas limit. Before each
    /// entry the batch checks the gas left: short of what the next message needs (its gas limit
    /// plus 1/63 plus the reserve), it stops (`MessageBatchStopped`) and leaves the rest for later;
    /// it reverts `MessengerInsufficientGas` instead if it has executed nothing.
    /// @param batch The checkpoint, its blocks, the trie nodes and the entries.
    /// @return outcomes What happened to each entry, in order (NotReached after a stop).
    /// @return gasNeeded Gas from the start of this call with which no entry would have stopped
    /// (for a simulation: the transaction needs this, its intrinsic gas and under 10,000 gas for the
    /// call's entry: dispatch, reentrancy guard, pause flag).
    function relayMessages(MessageBatch calldata batch)
        external
        returns (BatchOutcome[] memory outcomes, uint256 gasNeeded);

    /// @notice Executes again a message whose call failed.
    /// @param message The message fields, as in its `MessageSent` log.
    /// @return messageId The message's id.
    function retryMessage(Message calldata message) external returns (bytes32 messageId);

    /// @notice Reverts with the precise reason unless `proof` can be relayed now; returns the message.
    /// @param proof The exit proof.
    /// @return messageId The message's id.
    /// @return message The message proven.
    function checkRelay(ExitProof calldata proof) external view returns (bytes32 messageId, Message memory message);

    /// @notice Whether `proof` can be relayed now, and if not, why not, without reverting.
    /// @param proof The exit proof.
    /// @return status What stands in the way, or Ready.
    /// @return messageId The message's id (zero when the proof is invalid).
    /// @return finalizesAt When the checkpoint becomes final (for ChallengeWindow).
    /// @return reason The revert data of the failed check (for Invalid).
    function relayStatus(ExitProof calldata proof)
        external
        view
        returns (RelayStatus status, bytes32 messageId, uint64 finalizesAt, bytes memory reason);

    /// @notice The sender on the other chain of the message being executed.
    /// @dev Reverts outside a message call, so a target cannot mistake a direct call for a message.
    /// @return The remote sender.
    function xDomainMessageSender() external view returns (address);

    /// @notice Where an incoming message stands: None, Relayed (executed) or Failed (retryable).
    /// @dev For a message that was really sent: replay protection is by nonce, so made-up fields
    /// under a used nonce also read Relayed.
    /// @param message The message fields.
    /// @return The status.
    function messageStatus(Message calldata message) external view returns (MessageStatus);

    /// @notice The id of a message from the other chain to this one.
    /// @param message The message fields.
    /// @return The message id.
    function incomingMessageId(Message calldata message) external view returns (bytes32);
}
