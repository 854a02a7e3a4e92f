// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IMessenger} from "../interfaces/IMessenger.sol";
import {ReceiptProof} from "./ReceiptProof.sol";

/// @title MessageCodec
/// @notice Message ids and the decoding of `MessageSent` logs.
/// @dev The id commits to the canonical message fields and both chain ids, never to a proof's
/// encoding, so two proofs of one message (say, through two checkpoints) share one id.
library MessageCodec {
    /// @notice keccak256 of the `MessageSent` event signature, the log's first topic.
    bytes32 internal constant MESSAGE_SENT_TOPIC = keccak256("MessageSent(uint256,address,address,uint256,bytes)");

    /// @notice The id of `message` sent from `sourceChainId` to `destinationChainId`.
    /// @param sourceChainId Chain that emitted the message.
    /// @param destinationChainId Chain that executes it.
    /// @param message The message fields.
    /// @return The id.
    function id(uint256 sourceChainId, uint256 destinationChainId, IMessenger.Message memory message)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                sourceChainId,
                destinationChainId,
                message.nonce,
                message.sender,
                message.target,
                message.gasLimit,
                message.data
            )
        );
    }

    /// @notice Whether `log` has the shape of a `MessageSent` log (emitter not checked).
    /// @param log The log.
    /// @return True for a `MessageSent` log.
    function isMessageSent(ReceiptProof.Log memory log) internal pure returns (bool) {
        return log.topics.length == 4 && log.topics[0] == MESSAGE_SENT_TOPIC;
    }

    /// @notice The message of a `MessageSent` log; call `isMessageSent` first.
    /// @param log The log.
    /// @return message The message fields.
    function decode(ReceiptProof.Log memory log) internal pure returns (IMessenger.Message memory message) {
        message.nonce = uint256(log.topics[1]);
        message.sender = address(uint160(uint256(log.topics[2])));
        message.target = address(uint160(uint256(log.topics[3])));
        (message.gasLimit, message.data) = abi.decode(log.data, (uint256, bytes));
    }
}
