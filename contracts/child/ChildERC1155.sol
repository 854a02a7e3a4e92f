// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BridgedERC1155} from "../common/BridgedERC1155.sol";

/// @title ChildERC1155
/// @notice A main-chain ERC1155 on the child chain, minted by `ChildAssetBridge` on deposit.
contract ChildERC1155 is BridgedERC1155 {
    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice The main-chain token this token represents.
    /// @return The token.
    function rootToken() external view returns (address) {
        return homeToken;
    }
}
