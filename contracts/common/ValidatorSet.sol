// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {DelayedValidatorSet} from "./DelayedValidatorSet.sol";

/// @title ValidatorSet
/// @notice The validators of the other chain and the voting power a checkpoint needs.
/// @dev Governance (the admin role) proposes a replacement of the whole set; it becomes the set
/// only after `changeDelay`, when anyone activates it, and the guardian may cancel it meanwhile
/// (`DelayedValidatorSet`). A governance key therefore cannot install its own signers at once:
/// everyone sees the `ValidatorSetChangeScheduled` event a full delay before they can sign.
contract ValidatorSet is DelayedValidatorSet {
    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.2.0";

    /// @param admin Governance: may propose a new set.
    /// @param guardian May cancel a proposed set before it is activated; the zero address for none.
    /// @param initialValidators First validator set, ascending; installed at once.
    /// @param initialPowers Power of each validator.
    /// @param initialThreshold Power a checkpoint needs.
    /// @param changeDelay_ Seconds a proposed set waits before it can be activated; must exceed the
    /// challenge period of the CheckpointManager that uses this set (it checks).
    constructor(
        address admin,
        address guardian,
        address[] memory initialValidators,
        uint256[] memory initialPowers,
        uint256 initialThreshold,
        uint64 changeDelay_
    ) DelayedValidatorSet(guardian, changeDelay_) {
        if (admin == address(0)) revert ValidatorSetZeroAdmin();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _install(initialValidators, initialPowers, initialThreshold);
    }

    /// @notice Proposes a new validator set, to replace the current one after `changeDelay`.
    /// @dev Governance only. Validators must be sorted ascending (no duplicates); the threshold must
    /// exceed half the total power so that two disjoint quorums cannot exist. A proposal replaces a
    /// pending one, and its delay starts again.
    /// @param newValidators Validator addresses, strictly ascending.
    /// @param newPowers Voting power of each validator, non-zero, at most 2^96 - 1.
    /// @param newThreshold Power a checkpoint's signers must reach.
    function proposeValidators(address[] calldata newValidators, uint256[] calldata newPowers, uint256 newThreshold)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        _schedule(newValidators, newPowers, newThreshold);
    }
}
