// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IValidatorSet
/// @notice The validators of a source chain, as known on the chain that verifies its checkpoints.
/// @dev A validator entry is packed into one word, `address << 96 | power`, so that a checkpoint
/// submission can carry the whole set in calldata and prove it with one hash. A new set is
/// scheduled, public for `changeDelay` seconds, and only then activated.
interface IValidatorSet {
    /// @notice Emitted when a set becomes the current one (the first at deployment); `epoch` counts the sets.
    event ValidatorSetUpdated(
        uint64 indexed epoch,
        bytes32 indexed setHash,
        address[] validators,
        uint256[] powers,
        uint256 threshold
    );
    /// @notice Emitted when a new set is scheduled: it can be activated from `activatesAt` on, as `epoch`.
    event ValidatorSetChangeScheduled(
        uint64 indexed epoch,
        bytes32 indexed setHash,
        address[] validators,
        uint256[] powers,
        uint256 threshold,
        uint64 activatesAt
    );
    /// @notice Emitted when a scheduled set is dropped (cancelled, or replaced by a newer proposal).
    event ValidatorSetChangeCancelled(uint64 indexed epoch, bytes32 indexed setHash);

    error ValidatorSetZeroAdmin();
    error ValidatorSetEmpty();
    error ValidatorSetTooLarge(uint256 count, uint256 max);
    error ValidatorSetLengthMismatch(uint256 validators, uint256 powers);
    error ValidatorSetUnsorted(uint256 index, address validator);
    error ValidatorSetZeroPower(address validator);
    error ValidatorSetPowerTooLarge(address validator, uint256 power);
    error ValidatorSetInvalidThreshold(uint256 threshold, uint256 totalPower);
    error ValidatorSetInvalidChangeDelay(uint64 changeDelay, uint64 max);
    error ValidatorSetNoPendingChange();
    error ValidatorSetChangeNotDue(uint64 activatesAt);

    /// @notice Makes the scheduled set the current one, once its delay has passed.
    /// @dev Anyone may call it. Checkpoints submitted before keep the attestation of the set they
    /// were submitted under; later submissions must carry the new set.
    function activateValidators() external;

    /// @notice Drops the scheduled set before it is activated.
    /// @dev Guardian only: the check on a governance key that schedules a set it should not.
    function cancelValidatorChange() external;

    /// @notice Seconds between scheduling a set and the earliest time it can be activated.
    /// @return The delay.
    function changeDelay() external view returns (uint64);

    /// @notice The scheduled set, if any.
    /// @return activatesAt When it can be activated; zero when nothing is scheduled.
    /// @return setHash Its commitment.
    /// @return validators Its validator addresses, ascending.
    /// @return powers Their voting powers.
    /// @return threshold Its threshold.
    function pendingChange()
        external
        view
        returns (uint64 activatesAt, bytes32 setHash, address[] memory validators, uint256[] memory powers, uint256 threshold);

    /// @notice The hash that commits to the current set and the power a quorum needs.
    /// @return setHash keccak256 of the packed validator entries, in order.
    /// @return threshold Power a checkpoint's signers must reach.
    function quorum() external view returns (bytes32 setHash, uint256 threshold);

    /// @notice The current set as packed entries (`address << 96 | power`), the form submissions carry.
    /// @return entries One word per validator, in set order.
    function packedValidators() external view returns (bytes32[] memory entries);

    /// @notice The current set as addresses and powers.
    /// @return validators Validator addresses, ascending.
    /// @return powers Voting power of each validator.
    function validators() external view returns (address[] memory validators, uint256[] memory powers);

    /// @notice How many sets governance has installed, the first one included.
    /// @return The current epoch.
    function epoch() external view returns (uint64);

    /// @notice Sum of the current validators' power.
    /// @return The total power.
    function totalPower() external view returns (uint256);
}
