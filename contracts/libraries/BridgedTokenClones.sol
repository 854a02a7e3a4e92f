// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {AssetKind} from "../interfaces/AssetKind.sol";
import {BridgedERC721} from "../common/BridgedERC721.sol";
import {BridgedERC1155} from "../common/BridgedERC1155.sol";

/// @title BridgedTokenClones
/// @notice Where the bridges put the token that stands for a token of the other chain: an EIP-1167
/// clone of an implementation at a CREATE2 address salted by the home token's address, so anyone
/// can compute it before the first transfer and one home token never gets two.
/// @dev Used by `ChildAssetBridge` (child tokens of root NFTs) and `MainMintableAssets` (main
/// tokens of child-chain tokens). Each deployer has its own implementations, so the two never collide.
library BridgedTokenClones {
    /// @dev The address `deploy` gives the clone of `implementation` for `homeToken`.
    function predict(address implementation, address homeToken) internal view returns (address) {
        return Clones.predictDeterministicAddress(implementation, _salt(homeToken));
    }

    /// @dev Deploys the clone of `implementation` for `homeToken`, uninitialized: the caller
    /// initializes it in the same transaction (`deployNFT` does for ERC721 and ERC1155).
    function deploy(address implementation, address homeToken) internal returns (address) {
        return Clones.cloneDeterministic(implementation, _salt(homeToken));
    }

    /// @dev Deploys and initializes an ERC721 or ERC1155 clone (`kind` is one of the two) for `homeToken`.
    function deployNFT(address implementation, AssetKind kind, address homeToken, string memory name, string memory symbol)
        internal
        returns (address token)
    {
        token = deploy(implementation, homeToken);
        if (kind == AssetKind.ERC721) BridgedERC721(token).initialize(homeToken, name, symbol);
        else BridgedERC1155(token).initialize(homeToken, name, symbol);
    }

    function _salt(address homeToken) private pure returns (bytes32) {
        return bytes32(uint256(uint160(homeToken)));
    }
}
