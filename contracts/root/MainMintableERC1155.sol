// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BridgedERC1155} from "../common/BridgedERC1155.sol";

/// @title MainMintableERC1155
/// @notice A child-chain ERC1155 on the main chain, minted by `RootAssetBridge` on its exit.
contract MainMintableERC1155 is BridgedERC1155 {
    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice The child-chain token this token represents.
    /// @return The token.
    function childToken() external view returns (address) {
        return homeToken;
    }
}
