// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IValidatorSet} from "./IValidatorSet.sol";

/// @title IStakedValidatorSet
/// @notice A validator set that follows the main chain's `StakeManager`: each set it schedules is
/// the snapshot of one stake epoch, and epochs only move forward.
/// @dev Two deployments share it: `StakedValidatorSet` beside the main chain's CheckpointManager,
/// fed by the StakeManager directly, and `ChildValidatorSet` beside the child chain's, fed by the
/// StakeManager's message through the Messenger. Either way the set waits `changeDelay` after it is
/// scheduled (`IValidatorSet`), so a snapshot is in force on both chains a delay after its epoch
/// begins, and the set before it keeps checking checkpoints until then.
interface IStakedValidatorSet is IValidatorSet {
    /// @notice Emitted when the snapshot of stake epoch `stakeEpoch` is scheduled, beside the
    /// `ValidatorSetChangeScheduled` event of the same set.
    event StakeEpochScheduled(uint256 indexed stakeEpoch, bytes32 indexed setHash);

    /// @notice Schedules the snapshot of a stake epoch as the next set.
    /// @dev Only the StakeManager (directly on the main chain, by a proven message on the child
    /// chain). Refuses an epoch at or below the last one scheduled, so a message relayed late or
    /// twice can never roll the set back; a newer epoch replaces a set still waiting.
    /// @param snapshotEpoch The StakeManager epoch the set is the snapshot of.
    /// @param signers The validators' signer keys of that epoch, strictly ascending.
    /// @param powers Their power in that epoch.
    /// @param threshold Power a checkpoint needs.
    function applyValidatorSet(uint256 snapshotEpoch, address[] calldata signers, uint256[] calldata powers, uint256 threshold)
        external;

    /// @notice The last stake epoch scheduled here; zero before the first (the deployment's set).
    /// @return The epoch.
    function stakeEpoch() external view returns (uint256);

    /// @notice The main chain's StakeManager this set follows.
    /// @return Its address (on the main chain).
    function stakeManager() external view returns (address);
}
