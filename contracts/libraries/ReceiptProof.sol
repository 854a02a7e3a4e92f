// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Memory} from "@openzeppelin/contracts/utils/Memory.sol";
import {RLP} from "@openzeppelin/contracts/utils/RLP.sol";
import {TrieProof} from "@openzeppelin/contracts/utils/cryptography/TrieProof.sol";

/// @title ReceiptProof
/// @notice Proves one log of one transaction receipt against a block's receipts root.
/// @dev Scope: the consensus encoding of receipts (EIP-2718). A typed receipt is its type byte
/// (0x00-0x7f, any type, present or future) followed by `rlp([status, cumulativeGasUsed, logsBloom, logs, ...])`;
/// a legacy receipt is the RLP list alone. Only successful receipts (status 1) yield logs: a failed
/// transaction's logs were never applied, and pre-Byzantium receipts, which carry a state root
/// instead of a status, cannot show success and are rejected. Trie traversal is OpenZeppelin's
/// `TrieProof`, decoding its `RLP`. The caller must trust `receiptsRoot` (e.g. from a final checkpoint).
///
/// `extractLog` reverts with the reason; `tryExtractLog` returns it instead (malformed RLP inside a
/// node that hashes correctly may still revert in the decoder).
library ReceiptProof {
    using Memory for bytes;
    using Memory for Memory.Slice;
    using RLP for Memory.Slice;

    /// @notice A log as the EVM emitted it.
    struct Log {
        address emitter;
        bytes32[] topics;
        bytes data;
    }

    /// @notice Why a proof does not yield a log.
    enum ProofError {
        None,
        InvalidTrieProof,
        InvalidReceiptEncoding,
        ReceiptNotSuccessful,
        LogIndexOutOfRange,
        InvalidLogEncoding
    }

    error ReceiptProofInvalidTrieProof(TrieProof.ProofError reason);
    error ReceiptProofInvalidReceiptEncoding();
    error ReceiptProofReceiptNotSuccessful();
    error ReceiptProofLogIndexOutOfRange(uint256 logIndex, uint256 logCount);
    error ReceiptProofInvalidLogEncoding();

    uint256 private constant RECEIPT_FIELDS = 4;
    uint256 private constant LOG_FIELDS = 3;
    uint8 private constant MAX_TYPE_BYTE = 0x7f;
    uint8 private constant RLP_LIST_PREFIX = 0xc0;

    /// @notice The log at `logIndex` of the receipt stored under `key` in the trie with root `receiptsRoot`.
    /// @dev Reverts with the precise reason when the proof does not yield a log of a successful receipt.
    /// @param receiptsRoot Receipts root of the block.
    /// @param key Trie key of the receipt, rlp(transaction index).
    /// @param proof Trie nodes from the root to the receipt.
    /// @param logIndex Index of the log inside the receipt.
    /// @return log The log.
    function extractLog(bytes32 receiptsRoot, bytes memory key, bytes[] memory proof, uint256 logIndex)
        internal
        pure
        returns (Log memory log)
    {
        (bytes memory receipt, TrieProof.ProofError trieError) = TrieProof.tryTraverse(receiptsRoot, key, proof);
        if (trieError != TrieProof.ProofError.NO_ERROR) revert ReceiptProofInvalidTrieProof(trieError);
        uint256 logCount;
        ProofError err;
        (log, logCount, err) = _logOfReceipt(receipt, logIndex);
        if (err == ProofError.InvalidReceiptEncoding) revert ReceiptProofInvalidReceiptEncoding();
        if (err == ProofError.ReceiptNotSuccessful) revert ReceiptProofReceiptNotSuccessful();
        if (err == ProofError.LogIndexOutOfRange) revert ReceiptProofLogIndexOutOfRange(logIndex, logCount);
        if (err == ProofError.InvalidLogEncoding) revert ReceiptProofInvalidLogEncoding();
    }

    /// @notice Like `extractLog`, but returns the reason instead of reverting with it.
    /// @param receiptsRoot Receipts root of the block.
    /// @param key Trie key of the receipt.
    /// @param proof Trie nodes from the root to the receipt.
    /// @param logIndex Index of the log inside the receipt.
    /// @return log The log, empty unless `err` is `None`.
    /// @return err Why the proof yields no log, or `None`.
    function tryExtractLog(bytes32 receiptsRoot, bytes memory key, bytes[] memory proof, uint256 logIndex)
        internal
        pure
        returns (Log memory log, ProofError err)
    {
        (bytes memory receipt, TrieProof.ProofError trieError) = TrieProof.tryTraverse(receiptsRoot, key, proof);
        if (trieError != TrieProof.ProofError.NO_ERROR) return (log, ProofError.InvalidTrieProof);
        (log, , err) = _logOfReceipt(receipt, logIndex);
    }

    /// @dev Decodes a consensus-encoded receipt down to one log.
    function _logOfReceipt(bytes memory receipt, uint256 logIndex)
        private
        pure
        returns (Log memory log, uint256 logCount, ProofError err)
    {
        Memory.Slice body = receipt.asSlice();
        uint8 first = uint8(receipt[0]); // TrieProof never returns an empty value
        if (first <= MAX_TYPE_BYTE) {
            body = body.slice(1); // EIP-2718 type byte; the receipt layout is the same for every type
            if (body.length() == 0) return (log, 0, ProofError.InvalidReceiptEncoding);
            first = uint8(receipt[1]);
        }
        if (first < RLP_LIST_PREFIX) return (log, 0, ProofError.InvalidReceiptEncoding);

        Memory.Slice[] memory fields = body.readList();
        // Some chains append fields after the four standard ones (OP-stack deposit receipts carry
        // depositNonce and depositReceiptVersion): they are committed by the root but not needed here.
        if (fields.length < RECEIPT_FIELDS) return (log, 0, ProofError.InvalidReceiptEncoding);
        // Status 1 is the single byte 0x01; a failed receipt has 0x80 (empty) and a pre-Byzantium
        // one a 33-byte state root, neither of which is accepted.
        if (fields[0].length() != 1 || uint8(bytes1(fields[0].load(0))) != 1) {
            return (log, 0, ProofError.ReceiptNotSuccessful);
        }

        Memory.Slice[] memory logs = fields[3].readList();
        logCount = logs.length;
        if (logIndex >= logCount) return (log, logCount, ProofError.LogIndexOutOfRange);

        Memory.Slice[] memory logFields = logs[logIndex].readList();
        if (logFields.length != LOG_FIELDS) return (log, logCount, ProofError.InvalidLogEncoding);
        log.emitter = logFields[0].readAddress();
        Memory.Slice[] memory topics = logFields[1].readList();
        log.topics = new bytes32[](topics.length);
        for (uint256 i = 0; i < topics.length; ++i) {
            log.topics[i] = topics[i].readBytes32();
        }
        log.data = logFields[2].readBytes();
    }
}
