// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IStakedValidatorSet} from "../interfaces/IStakedValidatorSet.sol";
import {DelayedValidatorSet} from "./DelayedValidatorSet.sol";

/// @title EpochValidatorSet
/// @notice A `DelayedValidatorSet` whose changes are the StakeManager's epoch snapshots, taken in
/// increasing epoch order only.
/// @dev The two concrete sets differ in one hook, `_checkStakeManager`: who may deliver a snapshot
/// (the StakeManager itself on the main chain, the Messenger relaying its message on the child
/// chain). The deployment's first set is installed at once: the StakeManager has no set before
/// validators have staked for a whole epoch, and a CheckpointManager needs one from the start.
abstract contract EpochValidatorSet is DelayedValidatorSet, IStakedValidatorSet {
    /// @inheritdoc IStakedValidatorSet
    address public immutable stakeManager;

    /// @inheritdoc IStakedValidatorSet
    uint256 public stakeEpoch;

    /// @notice The StakeManager address given is zero.
    error EpochValidatorSetZeroStakeManager();

    /// @notice A snapshot of `epoch` came after that of `latest`: sets never go back.
    error EpochValidatorSetEpochNotNewer(uint256 epoch, uint256 latest);

    /// @param admin Manages roles (the guardian); it cannot change the set.
    /// @param guardian May cancel a scheduled set; the zero address for none.
    /// @param stakeManager_ The main chain's StakeManager.
    /// @param initialValidators The set the deployment starts with, ascending; installed at once.
    /// @param initialPowers Their powers.
    /// @param initialThreshold Its threshold.
    /// @param changeDelay_ Seconds a snapshot waits before it can be activated.
    constructor(
        address admin,
        address guardian,
        address stakeManager_,
        address[] memory initialValidators,
        uint256[] memory initialPowers,
        uint256 initialThreshold,
        uint64 changeDelay_
    ) DelayedValidatorSet(guardian, changeDelay_) {
        if (admin == address(0)) revert ValidatorSetZeroAdmin();
        if (stakeManager_ == address(0)) revert EpochValidatorSetZeroStakeManager();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        stakeManager = stakeManager_;
        _install(initialValidators, initialPowers, initialThreshold);
    }

    /// @inheritdoc IStakedValidatorSet
    function applyValidatorSet(uint256 snapshotEpoch, address[] calldata signers, uint256[] calldata powers, uint256 newThreshold)
        external
    {
        _checkStakeManager();
        uint256 latest = stakeEpoch;
        // A late or replayed snapshot must not undo a newer one, nor restart the delay of the same one.
        if (snapshotEpoch <= latest) revert EpochValidatorSetEpochNotNewer(snapshotEpoch, latest);
        stakeEpoch = snapshotEpoch;
        emit StakeEpochScheduled(snapshotEpoch, _schedule(signers, powers, newThreshold));
    }

    /// @dev Reverts unless the caller delivers the StakeManager's own word.
    function _checkStakeManager() internal view virtual;
}
