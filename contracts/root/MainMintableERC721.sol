// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BridgedERC721} from "../common/BridgedERC721.sol";

/// @title MainMintableERC721
/// @notice A child-chain ERC721 on the main chain, minted by `RootAssetBridge` on its exit.
contract MainMintableERC721 is BridgedERC721 {
    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice The child-chain token this token represents.
    /// @return The token.
    function childToken() external view returns (address) {
        return homeToken;
    }
}
