// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ILockbox} from "../interfaces/ILockbox.sol";

/// @title Lockbox
/// @notice Holds the ERC20s locked on the main chain for the child chain. Only its bridge moves
/// them out. The native currency is held by the bridge itself, where a deposit's value arrives.
/// @dev Deployed by `RootBridge`'s constructor, so the binding cannot be set by anyone else.
/// Invariant, per root token: balance = child supply + deposits in flight + withdrawals in flight
/// (a withdrawal burns on the child chain when sent and is released here only when relayed).
contract Lockbox is ILockbox, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @inheritdoc ILockbox
    address public immutable bridge;

    modifier onlyBridge() {
        if (msg.sender != bridge) revert LockboxOnlyBridge(msg.sender);
        _;
    }

    constructor() {
        bridge = msg.sender;
    }

    /// @inheritdoc ILockbox
    function release(address token, address to, uint256 amount) external onlyBridge nonReentrant {
        emit Released(token, to, amount);
        IERC20(token).safeTransfer(to, amount);
    }
}
