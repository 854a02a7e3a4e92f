// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {EpochValidatorSet} from "../common/EpochValidatorSet.sol";
import {IMessenger} from "../interfaces/IMessenger.sol";

/// @title ChildValidatorSet
/// @notice The validators as the child chain's CheckpointManager knows them: the main chain's
/// StakeManager snapshots, carried here as messages and scheduled on arrival, in force
/// `changeDelay` later (anyone activates it).
/// @dev A snapshot is accepted only from the local Messenger while it executes a message whose
/// sender on the main chain is the StakeManager, i.e. a message proven against a final checkpoint
/// of the main chain, the same check as `CrossChainApp.onlyCrossChain`. Not a `CrossChainApp`
/// itself: the Messenger is deployed after the CheckpointManager that needs this set, so it is
/// wired afterwards, once, by the admin. Messages may be relayed in any order; an older epoch
/// than the last scheduled fails (for good: retrying cannot make it newer).
/// The change delay should be below the StakeManager's epoch length, as `StakedValidatorSet`
/// checks on the main chain (the StakeManager is not readable from here).
contract ChildValidatorSet is EpochValidatorSet {
    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice The Messenger that delivers the StakeManager's messages; zero until wired.
    IMessenger public messenger;

    /// @notice Emitted once, when the Messenger is wired.
    event MessengerSet(address indexed messenger);

    /// @notice The messenger given is the zero address.
    error ChildValidatorSetZeroMessenger();

    /// @notice The Messenger was already wired.
    error ChildValidatorSetMessengerAlreadySet(address messenger);

    /// @notice A snapshot was delivered by `caller`, not by the Messenger (zero while unwired).
    error ChildValidatorSetNotMessenger(address caller, address messenger);

    /// @notice The message being executed was sent on the main chain by `sender`, not by the StakeManager.
    error ChildValidatorSetWrongRemoteSender(address sender, address stakeManager);

    /// @param admin Wires the Messenger and manages roles; it cannot change the set.
    /// @param guardian May cancel a scheduled set; the zero address for none.
    /// @param stakeManager_ The StakeManager's address on the main chain.
    /// @param initialValidators The set the deployment starts with (signer keys), ascending.
    /// @param initialPowers Their powers.
    /// @param initialThreshold Its threshold.
    /// @param changeDelay_ Seconds a snapshot waits: above the CheckpointManager's challenge period
    /// (the manager checks that), below the StakeManager's epoch length.
    constructor(
        address admin,
        address guardian,
        address stakeManager_,
        address[] memory initialValidators,
        uint256[] memory initialPowers,
        uint256 initialThreshold,
        uint64 changeDelay_
    ) EpochValidatorSet(admin, guardian, stakeManager_, initialValidators, initialPowers, initialThreshold, changeDelay_) {}

    /// @notice Wires the Messenger of this chain, once.
    /// @dev Admin only. It cannot be changed afterwards: whoever could re-point it could deliver any set.
    /// @param messenger_ The Messenger.
    function setMessenger(IMessenger messenger_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(messenger_) == address(0)) revert ChildValidatorSetZeroMessenger();
        if (address(messenger) != address(0)) revert ChildValidatorSetMessengerAlreadySet(address(messenger));
        messenger = messenger_;
        emit MessengerSet(address(messenger_));
    }

    function _checkStakeManager() internal view override {
        IMessenger local = messenger;
        // The Messenger calls any target for any remote sender: being called by it proves nothing alone.
        if (msg.sender != address(local) || address(local) == address(0)) {
            revert ChildValidatorSetNotMessenger(msg.sender, address(local));
        }
        address sender = local.xDomainMessageSender();
        if (sender != stakeManager) revert ChildValidatorSetWrongRemoteSender(sender, stakeManager);
    }
}
