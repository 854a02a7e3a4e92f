// SPDX-License-Identifier: MIT
// solhint-disable one-contract-per-file
pragma solidity ^0.8.30;

import {ICheckpointManager} from "../interfaces/ICheckpointManager.sol";
import {IMessenger} from "../interfaces/IMessenger.sol";
import {CheckpointTree} from "../libraries/CheckpointTree.sol";

/// @notice Sends several messages in one transaction, after a log of its own, so that one receipt
/// holds a foreign log followed by several `MessageSent` logs.
contract MessengerBatchSender {
    event BatchStarted(uint256 count);

    function sendBatch(IMessenger messenger, address target, bytes[] calldata payloads, uint256 gasLimit)
        external
        returns (bytes32[] memory ids)
    {
        emit BatchStarted(payloads.length);
        ids = new bytes32[](payloads.length);
        for (uint256 i = 0; i < payloads.length; ++i) {
            ids[i] = messenger.sendMessage(target, payloads[i], gasLimit);
        }
    }
}

/// @notice The part of `ICheckpointManager` the Messenger reads, with checkpoints set at will:
/// ranges may overlap, so that one block can be committed by two final checkpoints.
contract MessengerCheckpointManagerMock {
    struct Stored {
        uint64 startBlock;
        uint64 endBlock;
        uint64 finalizesAt;
        bytes32 blockRoot;
    }

    uint256 public immutable sourceChainId;
    Stored[] private _checkpoints;

    constructor(uint256 sourceChainId_) {
        sourceChainId = sourceChainId_;
    }

    function addCheckpoint(uint64 startBlock, uint64 endBlock, bytes32 blockRoot, uint64 finalizesAt)
        external
        returns (uint256 id)
    {
        id = _checkpoints.length;
        _checkpoints.push(Stored(startBlock, endBlock, finalizesAt, blockRoot));
    }

    function checkFinalBlock(uint256 id, ICheckpointManager.BlockLeaf calldata leaf, bytes32[] calldata leafProof)
        external
        view
    {
        if (id >= _checkpoints.length) {
            revert ICheckpointManager.CheckpointManagerUnknownCheckpoint(id, _checkpoints.length);
        }
        Stored memory stored = _checkpoints[id];
        if (block.timestamp < stored.finalizesAt) {
            revert ICheckpointManager.CheckpointManagerNotFinal(id, stored.finalizesAt);
        }
        if (!_isCommitted(stored, leaf, leafProof)) {
            revert ICheckpointManager.CheckpointManagerBlockNotInCheckpoint(id, leaf.number);
        }
    }

    function isBlockCommitted(uint256 id, ICheckpointManager.BlockLeaf calldata leaf, bytes32[] calldata leafProof)
        external
        view
        returns (bool)
    {
        return id < _checkpoints.length && _isCommitted(_checkpoints[id], leaf, leafProof);
    }

    function checkpointStatus(uint256 id)
        external
        view
        returns (ICheckpointManager.CheckpointStatus status, uint64 finalizesAt)
    {
        if (id >= _checkpoints.length) return (ICheckpointManager.CheckpointStatus.None, 0);
        finalizesAt = _checkpoints[id].finalizesAt;
        status = block.timestamp >= finalizesAt
            ? ICheckpointManager.CheckpointStatus.Final
            : ICheckpointManager.CheckpointStatus.Pending;
    }

    function _isCommitted(Stored memory stored, ICheckpointManager.BlockLeaf calldata leaf, bytes32[] calldata proof)
        private
        pure
        returns (bool)
    {
        return leaf.number >= stored.startBlock && leaf.number <= stored.endBlock
            && CheckpointTree.contains(proof, stored.blockRoot, leaf.number, leaf.hash, leaf.receiptsRoot);
    }
}
