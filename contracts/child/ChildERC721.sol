// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BridgedERC721} from "../common/BridgedERC721.sol";

/// @title ChildERC721
/// @notice A main-chain ERC721 on the child chain, minted by `ChildAssetBridge` on deposit.
contract ChildERC721 is BridgedERC721 {
    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice The main-chain token this token represents.
    /// @return The token.
    function rootToken() external view returns (address) {
        return homeToken;
    }
}
