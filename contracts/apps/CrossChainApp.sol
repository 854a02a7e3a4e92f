// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IMessenger} from "../interfaces/IMessenger.sol";

/// @title CrossChainApp
/// @notice Base for an application that sends messages to, and takes calls from, its own contracts
/// on the other chain through the local `Messenger`.
/// @dev Deploy the app on each chain with that chain's Messenger. A message runs on the other chain
/// only after its block is in a final checkpoint there, at most once, with the gas limit given here;
/// it carries no native value (move value through the token bridge). A message whose call reverts
/// is recorded as failed by the destination Messenger and can be retried by anyone with
/// `retryMessage`, so a receiving function must revert only where a later retry could succeed or
/// where the message must never take effect.
///
/// Guard every function that acts on the other chain's say-so with `onlyCrossChain(remoteApp)`:
/// the Messenger calls any target with any data on behalf of any remote sender, so `msg.sender`
/// being the Messenger alone proves nothing about who sent the message.
abstract contract CrossChainApp {
    /// @notice The Messenger of this chain: sends this app's messages and delivers the other chain's.
    IMessenger public immutable messenger;

    /// @notice The messenger given to the constructor is the zero address.
    error CrossChainAppZeroMessenger();

    /// @notice A function for cross-chain messages was called by `caller`, not by the Messenger.
    /// @param caller The direct caller.
    /// @param messenger The local Messenger, the only accepted caller.
    error CrossChainAppNotMessenger(address caller, address messenger);

    /// @notice A message from `remoteSender` reached a function that accepts only `expected`.
    /// @param remoteSender The sender of the message on the other chain.
    /// @param expected The only sender the function accepts.
    error CrossChainAppWrongRemoteSender(address remoteSender, address expected);

    /// @notice A function accepts messages from the zero address, i.e. its remote sender is not
    /// configured yet; the message fails and can be retried once it is.
    error CrossChainAppRemoteSenderNotSet();

    /// @dev Accepts the call only from the local Messenger while it executes a message sent on the
    /// other chain by `remoteSender`. The Messenger reports the sender of the message it is
    /// executing; a direct call from anyone else, including another contract of the app, reverts.
    /// @param remoteSender The app's contract on the other chain allowed to make this call.
    modifier onlyCrossChain(address remoteSender) {
        _checkCrossChain(remoteSender);
        _;
    }

    /// @param messenger_ The Messenger of the chain this app is deployed on.
    constructor(IMessenger messenger_) {
        if (address(messenger_) == address(0)) revert CrossChainAppZeroMessenger();
        messenger = messenger_;
    }

    /// @dev Sends a call of `target` with `data` to the other chain, to run with `gasLimit` gas.
    /// The Messenger emits `MessageSent` with this contract as the sender, which is what the
    /// receiving side's `onlyCrossChain` checks. Reverts as `IMessenger.sendMessage` does (remote
    /// messenger not wired, forbidden target, gas limit above `MAX_GAS_LIMIT`, paused).
    /// @param target The contract to call on the other chain.
    /// @param data Its calldata.
    /// @param gasLimit Gas for the call; a relayer cannot give it less. Too little makes the message
    /// fail on arrival (retryable, but with the same gas limit).
    /// @return messageId The message's id, as the other chain's Messenger computes it.
    function _sendCrossChain(address target, bytes memory data, uint256 gasLimit) internal returns (bytes32 messageId) {
        return messenger.sendMessage(target, data, gasLimit);
    }

    /// @dev The sender on the other chain of the message being executed, for an app that accepts
    /// messages from several remote contracts. Reverts unless the Messenger is executing a message;
    /// check first that `msg.sender` is the Messenger, as `onlyCrossChain` does.
    /// @return The remote sender.
    function _crossChainSender() internal view returns (address) {
        return messenger.xDomainMessageSender();
    }

    function _checkCrossChain(address remoteSender) private view {
        if (msg.sender != address(messenger)) revert CrossChainAppNotMessenger(msg.sender, address(messenger));
        if (remoteSender == address(0)) revert CrossChainAppRemoteSenderNotSet();
        address actual = messenger.xDomainMessageSender();
        if (actual != remoteSender) revert CrossChainAppWrongRemoteSender(actual, remoteSender);
    }
}
