// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {EpochValidatorSet} from "../common/EpochValidatorSet.sol";
import {IStakeManager} from "../interfaces/IStakeManager.sol";

/// @title StakedValidatorSet
/// @notice The child chain's validators as the main chain's CheckpointManager knows them: the
/// StakeManager's snapshot of an epoch, scheduled by `StakeManager.rotateValidatorSet` and in force
/// `changeDelay` later (anyone activates it).
/// @dev The change delay must be shorter than an epoch, or each epoch's rotation would replace the
/// previous one before it could be activated and no snapshot would ever take effect; and at most
/// the StakeManager's `setChangeDelay`, which its unbonding delay is sized by.
contract StakedValidatorSet is EpochValidatorSet {
    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice A snapshot was delivered by `caller`, not by the StakeManager.
    error StakedValidatorSetNotStakeManager(address caller, address stakeManager);

    /// @notice The change delay does not fit the StakeManager's epochs and delays.
    error StakedValidatorSetInvalidChangeDelay(uint64 changeDelay, uint64 epochLength, uint64 setChangeDelay);

    /// @param admin Manages roles (the guardian); it cannot change the set.
    /// @param guardian May cancel a scheduled set; the zero address for none.
    /// @param stakeManager_ The StakeManager on this chain.
    /// @param initialValidators The set the deployment starts with (signer keys), ascending.
    /// @param initialPowers Their powers.
    /// @param initialThreshold Its threshold.
    /// @param changeDelay_ Seconds a snapshot waits: below the epoch length, at most `setChangeDelay`,
    /// above the CheckpointManager's challenge period (the manager checks that).
    constructor(
        address admin,
        address guardian,
        IStakeManager stakeManager_,
        address[] memory initialValidators,
        uint256[] memory initialPowers,
        uint256 initialThreshold,
        uint64 changeDelay_
    ) EpochValidatorSet(admin, guardian, address(stakeManager_), initialValidators, initialPowers, initialThreshold, changeDelay_) {
        uint64 epochLength = stakeManager_.epochLength();
        uint64 setChangeDelay = stakeManager_.setChangeDelay();
        if (changeDelay_ >= epochLength || changeDelay_ > setChangeDelay) {
            revert StakedValidatorSetInvalidChangeDelay(changeDelay_, epochLength, setChangeDelay);
        }
    }

    function _checkStakeManager() internal view override {
        if (msg.sender != stakeManager) revert StakedValidatorSetNotStakeManager(msg.sender, stakeManager);
    }
}

