// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IChildERC20
/// @notice A main-chain token's representation on the child chain; only its bridge mints and burns.
interface IChildERC20 is IERC20 {
    error ChildERC20OnlyBridge(address caller);

    /// @notice Mints `amount` to `to`.
    /// @param to Receiver.
    /// @param amount Amount.
    function mint(address to, uint256 amount) external;

    /// @notice Burns `amount` from `from`.
    /// @param from Holder.
    /// @param amount Amount.
    function burn(address from, uint256 amount) external;

    /// @notice The bridge that deployed this token.
    /// @return The bridge.
    function bridge() external view returns (address);

    /// @notice The main-chain token this token represents.
    /// @return The root token, or the native sentinel.
    function rootToken() external view returns (address);
}
