// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title CheckpointTree
/// @notice Leaves and membership proofs of a checkpoint's block tree.
/// @dev One leaf per block, `keccak256(keccak256(abi.encode(number, hash, receiptsRoot)))`: the leaf
/// of OpenZeppelin's `StandardMerkleTree` for the types `(uint256, bytes32, bytes32)`, so the
/// off-chain tree is built with the npm package merkle-tree of OpenZeppelin. Hashing twice keeps a leaf from ever
/// passing for an inner node of 64 bytes. Pairs are hashed sorted, as `MerkleProof` expects.
library CheckpointTree {
    /// @notice The leaf of one block.
    /// @param number Block number.
    /// @param blockHash Block hash.
    /// @param receiptsRoot Receipts root of the block.
    /// @return The leaf hash.
    function leaf(uint256 number, bytes32 blockHash, bytes32 receiptsRoot) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(number, blockHash, receiptsRoot))));
    }

    /// @notice Whether the block is a leaf of the tree with root `root`.
    /// @param proof Sibling hashes from the leaf up.
    /// @param root The checkpoint's block root.
    /// @param number Block number.
    /// @param blockHash Block hash.
    /// @param receiptsRoot Receipts root of the block.
    /// @return True when the proof leads to `root`.
    function contains(
        bytes32[] calldata proof,
        bytes32 root,
        uint256 number,
        bytes32 blockHash,
        bytes32 receiptsRoot
    ) internal pure returns (bool) {
        return MerkleProof.verifyCalldata(proof, root, leaf(number, blockHash, receiptsRoot));
    }
}
