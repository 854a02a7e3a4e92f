// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IValidatorSet} from "../interfaces/IValidatorSet.sol";

/// @title DelayedValidatorSet
/// @notice A validator set whose replacements wait in public for `changeDelay` seconds before
/// anyone can activate them, and which the guardian can cancel meanwhile.
/// @dev Who decides a new set is the concrete contract's business: `ValidatorSet` lets governance
/// propose one; a staked set would schedule the one its stake snapshots give. The delay is what
/// keeps a new set (a compromised governance key's own, say) from signing checkpoints before
/// watchers and users have seen it coming: `CheckpointManager` requires it to be longer than its
/// challenge period, so every withdrawal started under the old set can become final under it.
/// The set is committed to by `setHash`, the keccak256 of its packed entries, so that
/// `CheckpointManager` can check a submission's quorum from calldata with a single storage read.
abstract contract DelayedValidatorSet is IValidatorSet, AccessControl {
    /// @notice May cancel a pending change; it cannot make one.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice Signers are named by one byte each, so a set holds at most 256 validators.
    uint256 public constant MAX_VALIDATORS = 256;

    /// @notice Longest delay a deployment may choose: three times the longest challenge period.
    uint64 public constant MAX_CHANGE_DELAY = 90 days;

    /// @inheritdoc IValidatorSet
    uint64 public immutable changeDelay;

    /// @dev A set as installed or scheduled.
    struct Set {
        address[] validators;
        uint256[] powers;
        bytes32 setHash;
        uint256 threshold;
        uint256 totalPower;
    }

    Set private _current;
    uint64 private _epoch;

    Set private _pending;
    /// @dev When the pending set may be activated; zero when there is none.
    uint64 private _pendingActivatesAt;

    /// @param guardian May cancel pending changes; the zero address for none.
    /// @param changeDelay_ Seconds a change waits before it can be activated, 1 to `MAX_CHANGE_DELAY`.
    constructor(address guardian, uint64 changeDelay_) {
        if (changeDelay_ == 0 || changeDelay_ > MAX_CHANGE_DELAY) {
            revert ValidatorSetInvalidChangeDelay(changeDelay_, MAX_CHANGE_DELAY);
        }
        changeDelay = changeDelay_;
        if (guardian != address(0)) _grantRole(GUARDIAN_ROLE, guardian);
    }

    /// @inheritdoc IValidatorSet
    function activateValidators() external {
        uint64 activatesAt = _pendingActivatesAt;
        if (activatesAt == 0) revert ValidatorSetNoPendingChange();
        if (block.timestamp < activatesAt) revert ValidatorSetChangeNotDue(activatesAt);
        _current = _pending;
        delete _pending;
        _pendingActivatesAt = 0;
        uint64 newEpoch = ++_epoch;
        Set storage current = _current;
        emit ValidatorSetUpdated(newEpoch, current.setHash, current.validators, current.powers, current.threshold);
    }

    /// @inheritdoc IValidatorSet
    function cancelValidatorChange() external onlyRole(GUARDIAN_ROLE) {
        if (_pendingActivatesAt == 0) revert ValidatorSetNoPendingChange();
        _cancel();
    }

    /// @inheritdoc IValidatorSet
    function quorum() external view returns (bytes32, uint256) {
        return (_current.setHash, _current.threshold);
    }

    /// @inheritdoc IValidatorSet
    function packedValidators() external view returns (bytes32[] memory entries) {
        return _packed(_current);
    }

    /// @inheritdoc IValidatorSet
    function validators() external view returns (address[] memory, uint256[] memory) {
        return (_current.validators, _current.powers);
    }

    /// @inheritdoc IValidatorSet
    function epoch() external view returns (uint64) {
        return _epoch;
    }

    /// @inheritdoc IValidatorSet
    function totalPower() external view returns (uint256) {
        return _current.totalPower;
    }

    /// @notice The power a checkpoint's signers must reach.
    /// @return The threshold.
    function threshold() external view returns (uint256) {
        return _current.threshold;
    }

    /// @inheritdoc IValidatorSet
    function pendingChange()
        external
        view
        returns (uint64 activatesAt, bytes32 setHash, address[] memory validators_, uint256[] memory powers, uint256 threshold_)
    {
        Set storage pending = _pending;
        return (_pendingActivatesAt, pending.setHash, pending.validators, pending.powers, pending.threshold);
    }

    /// @notice The packed entry of one validator: `address << 96 | power`.
    /// @param validator Validator address.
    /// @param power Its voting power (below 2^96).
    /// @return The entry.
    function packValidator(address validator, uint256 power) public pure returns (bytes32) {
        return bytes32((uint256(uint160(validator)) << 96) | power);
    }

    /// @dev Installs a set at once, as epoch 1: only for the set a deployment starts with.
    function _install(address[] memory newValidators, uint256[] memory newPowers, uint256 newThreshold) internal {
        _current = _checked(newValidators, newPowers, newThreshold);
        uint64 newEpoch = ++_epoch;
        emit ValidatorSetUpdated(newEpoch, _current.setHash, newValidators, newPowers, newThreshold);
    }

    /// @dev Schedules `newValidators` to replace the current set after `changeDelay`; a change
    /// already pending is cancelled, so the delay always runs from the last proposal. Returns the
    /// scheduled set's commitment.
    function _schedule(address[] memory newValidators, uint256[] memory newPowers, uint256 newThreshold)
        internal
        returns (bytes32 setHash)
    {
        Set memory set = _checked(newValidators, newPowers, newThreshold);
        setHash = set.setHash;
        if (_pendingActivatesAt != 0) _cancel();
        _pending = set;
        uint64 activatesAt = SafeCast.toUint64(block.timestamp) + changeDelay;
        _pendingActivatesAt = activatesAt;
        emit ValidatorSetChangeScheduled(_epoch + 1, set.setHash, newValidators, newPowers, newThreshold, activatesAt);
    }

    function _cancel() private {
        bytes32 setHash = _pending.setHash;
        delete _pending;
        _pendingActivatesAt = 0;
        emit ValidatorSetChangeCancelled(_epoch + 1, setHash);
    }

    /// @dev Applies the set rules and computes the commitment.
    function _checked(address[] memory newValidators, uint256[] memory newPowers, uint256 newThreshold)
        private
        pure
        returns (Set memory set)
    {
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
        set = Set(newValidators, newPowers, keccak256(abi.encodePacked(entries)), newThreshold, total);
    }

    function _packed(Set storage set) private view returns (bytes32[] memory entries) {
        entries = new bytes32[](set.validators.length);
        for (uint256 i = 0; i < entries.length; ++i) {
            entries[i] = packValidator(set.validators[i], set.powers[i]);
        }
    }
}
