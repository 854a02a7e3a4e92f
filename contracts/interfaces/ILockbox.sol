// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title ILockbox
/// @notice Holds every ERC20 bridged from the main chain to the child chain (the root bridge holds
/// the native currency).
interface ILockbox {
    event Released(address indexed token, address indexed to, uint256 amount);

    error LockboxOnlyBridge(address caller);

    /// @notice Pays out `amount` of `token` to `to`.
    /// @dev Only the root bridge, and only on a withdrawal message from the child bridge.
    /// @param token Root token.
    /// @param to Receiver.
    /// @param amount Amount.
    function release(address token, address to, uint256 amount) external;

    /// @notice The root bridge, the only account that can release funds.
    /// @return The bridge.
    function bridge() external view returns (address);
}
