// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IValidatorSet
/// @notice The validators of a source chain, as known on the chain that verifies its checkpoints.
/// @dev A validator entry is packed into one word, `address << 96 | power`, so that a checkpoint
/// submission can carry the whole set in calldata and prove it with one hash.
interface IValidatorSet {
    /// @notice Emitted when governance replaces the validator set; `epoch` counts the sets.
    event ValidatorSetUpdated(
        uint64 indexed epoch,
        bytes32 indexed setHash,
        address[] validators,
        uint256[] powers,
        uint256 threshold
    );

    error ValidatorSetZeroAdmin();
    error ValidatorSetEmpty();
    error ValidatorSetTooLarge(uint256 count, uint256 max);
    error ValidatorSetLengthMismatch(uint256 validators, uint256 powers);
    error ValidatorSetUnsorted(uint256 index, address validator);
    error ValidatorSetZeroPower(address validator);
    error ValidatorSetPowerTooLarge(address validator, uint256 power);
    error ValidatorSetInvalidThreshold(uint256 threshold, uint256 totalPower);

    /// @notice Replaces the whole validator set.
    /// @dev Governance only. Validators must be sorted ascending (no duplicates); the threshold
    /// must exceed half the total power so that two disjoint quorums cannot exist.
    /// @param validators Validator addresses, strictly ascending.
    /// @param powers Voting power of each validator, non-zero, at most 2^96 - 1.
    /// @param threshold Power a checkpoint's signers must reach.
    function updateValidators(address[] calldata validators, uint256[] calldata powers, uint256 threshold) external;

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
