// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IValidatorSet} from "../interfaces/IValidatorSet.sol";

/// @title ValidatorSet
/// @notice The validators of the other chain and the voting power a checkpoint needs.
/// @dev Governance (the admin role) replaces the set as a whole. The set is committed to by
/// `setHash`, the keccak256 of its packed entries, so that `CheckpointManager` can check a
/// submission's quorum from calldata with a single storage read.
contract ValidatorSet is IValidatorSet, AccessControl {
    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice Signers are named by one byte each, so a set holds at most 256 validators.
    uint256 public constant MAX_VALIDATORS = 256;

    address[] private _validators;
    uint256[] private _powers;
    bytes32 private _setHash;
    uint256 private _threshold;
    uint256 private _totalPower;
    uint64 private _epoch;

    /// @param admin Governance: may replace the set.
    /// @param initialValidators First validator set, ascending.
    /// @param initialPowers Power of each validator.
    /// @param initialThreshold Power a checkpoint needs.
    constructor(
        address admin,
        address[] memory initialValidators,
        uint256[] memory initialPowers,
        uint256 initialThreshold
    ) {
        if (admin == address(0)) revert ValidatorSetZeroAdmin();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _update(initialValidators, initialPowers, initialThreshold);
    }

    /// @inheritdoc IValidatorSet
    function updateValidators(address[] calldata newValidators, uint256[] calldata newPowers, uint256 newThreshold)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        _update(newValidators, newPowers, newThreshold);
    }

    /// @inheritdoc IValidatorSet
    function quorum() external view returns (bytes32, uint256) {
        return (_setHash, _threshold);
    }

    /// @inheritdoc IValidatorSet
    function packedValidators() external view returns (bytes32[] memory entries) {
        entries = new bytes32[](_validators.length);
        for (uint256 i = 0; i < entries.length; ++i) {
            entries[i] = packValidator(_validators[i], _powers[i]);
        }
    }

    /// @inheritdoc IValidatorSet
    function validators() external view returns (address[] memory, uint256[] memory) {
        return (_validators, _powers);
    }

    /// @inheritdoc IValidatorSet
    function epoch() external view returns (uint64) {
        return _epoch;
    }

    /// @inheritdoc IValidatorSet
    function totalPower() external view returns (uint256) {
        return _totalPower;
    }

    /// @notice The power a checkpoint's signers must reach.
    /// @return The threshold.
    function threshold() external view returns (uint256) {
        return _threshold;
    }

    /// @notice The packed entry of one validator: `address << 96 | power`.
    /// @param validator Validator address.
    /// @param power Its voting power (below 2^96).
    /// @return The entry.
    function packValidator(address validator, uint256 power) public pure returns (bytes32) {
        return bytes32((uint256(uint160(validator)) << 96) | power);
    }

    function _update(address[] memory newValidators, uint256[] memory newPowers, uint256 newThreshold) private {
        uint256 count = newValidators.length;
        if (count == 0) revert ValidatorSetEmpty();
        if (count > MAX_VALIDATORS) revert ValidatorSetTooLarge(count, MAX_VALIDATORS);
        if (newPowers.length != count) revert ValidatorSetLengthMismatch(count, newPowers.length);

        bytes32[] memory entries = new bytes32[](count);
        uint256 total;
        address previous;
        for (uint256 i = 0; i < count; ++i) {
            address validator = newValidators[i];
            // Ascending order rules out duplicates and the zero address in one comparison.
            if (validator <= previous) revert ValidatorSetUnsorted(i, validator);
            uint256 power = newPowers[i];
            if (power == 0) revert ValidatorSetZeroPower(validator);
            if (power > type(uint96).max) revert ValidatorSetPowerTooLarge(validator, power);
            entries[i] = packValidator(validator, power);
            total += power;
            previous = validator;
        }
        // More than half the power: two quorums always share a validator, who would have to sign both.
        if (newThreshold > total || newThreshold * 2 <= total) revert ValidatorSetInvalidThreshold(newThreshold, total);

        bytes32 setHash = keccak256(abi.encodePacked(entries));
        _validators = newValidators;
        _powers = newPowers;
        _setHash = setHash;
        _threshold = newThreshold;
        _totalPower = total;
        uint64 newEpoch = ++_epoch;
        emit ValidatorSetUpdated(newEpoch, setHash, newValidators, newPowers, newThreshold);
    }
}
