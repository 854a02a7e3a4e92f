// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ReceiptProof} from "../libraries/ReceiptProof.sol";
import {CheckpointTree} from "../libraries/CheckpointTree.sol";

/// @notice Exposes the proof libraries to tests.
contract ReceiptProofHarness {
    function extractLog(bytes32 receiptsRoot, bytes calldata key, bytes[] calldata proof, uint256 logIndex)
        external
        pure
        returns (ReceiptProof.Log memory)
    {
        return ReceiptProof.extractLog(receiptsRoot, key, proof, logIndex);
    }

    function tryExtractLog(bytes32 receiptsRoot, bytes calldata key, bytes[] calldata proof, uint256 logIndex)
        external
        pure
        returns (ReceiptProof.Log memory log, ReceiptProof.ProofError err)
    {
        return ReceiptProof.tryExtractLog(receiptsRoot, key, proof, logIndex);
    }

    function leaf(uint256 number, bytes32 blockHash, bytes32 receiptsRoot) external pure returns (bytes32) {
        return CheckpointTree.leaf(number, blockHash, receiptsRoot);
    }

    function contains(bytes32[] calldata proof, bytes32 root, uint256 number, bytes32 blockHash, bytes32 receiptsRoot)
        external
        pure
        returns (bool)
    {
        return CheckpointTree.contains(proof, root, number, blockHash, receiptsRoot);
    }
}
