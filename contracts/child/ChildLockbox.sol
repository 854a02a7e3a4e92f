// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {AssetKind} from "../interfaces/AssetKind.sol";

/// @title ChildLockbox
/// @notice Holds the child-chain tokens (ERC20, ERC721, ERC1155) that exited to the main chain.
/// Only its bridge moves them out, when their main-chain tokens are burnt and come back.
/// @dev Deployed by `ChildAssetBridge`'s constructor. Invariant, per child token (per id for an
/// ERC721): held here = main-chain supply + exits in flight + returns in flight. Tokens sent here
/// outside an exit sit outside the bridge's accounting and are never released.
contract ChildLockbox is IERC721Receiver, IERC1155Receiver, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice The child asset bridge, the only account that can release tokens.
    address public immutable bridge;

    event Released(address indexed token, address indexed to, AssetKind kind, uint256[] ids, uint256[] amounts);

    error ChildLockboxOnlyBridge(address caller);

    constructor() {
        bridge = msg.sender;
    }

    /// @notice Pays out tokens of a return from the main chain.
    /// @dev Only the bridge, and only on a return message (or the claim of a credited one).
    /// @param kind The token's kind.
    /// @param token The child token.
    /// @param to Receiver.
    /// @param ids Token ids (none for an ERC20).
    /// @param amounts Amounts (one for an ERC20, none for an ERC721).
    function release(AssetKind kind, address token, address to, uint256[] calldata ids, uint256[] calldata amounts)
        external
        nonReentrant
    {
        if (msg.sender != bridge) revert ChildLockboxOnlyBridge(msg.sender);
        emit Released(token, to, kind, ids, amounts);
        if (kind == AssetKind.ERC20) {
            IERC20(token).safeTransfer(to, amounts[0]);
        } else if (kind == AssetKind.ERC721) {
            for (uint256 i = 0; i < ids.length; ++i) IERC721(token).safeTransferFrom(address(this), to, ids[i]);
        } else {
            IERC1155(token).safeBatchTransferFrom(address(this), to, ids, amounts, "");
        }
    }

    /// @notice Accepts ERC721 tokens.
    /// @return The `onERC721Received` selector.
    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return IERC721Receiver.onERC721Received.selector;
    }

    /// @notice Accepts ERC1155 tokens (an exit's pull).
    /// @return The `onERC1155Received` selector.
    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external pure returns (bytes4) {
        return IERC1155Receiver.onERC1155Received.selector;
    }

    /// @notice Accepts ERC1155 batches (an exit's pull).
    /// @return The `onERC1155BatchReceived` selector.
    function onERC1155BatchReceived(address, address, uint256[] calldata, uint256[] calldata, bytes calldata)
        external
        pure
        returns (bytes4)
    {
        return IERC1155Receiver.onERC1155BatchReceived.selector;
    }

    /// @notice The receiver interfaces (ERC-165).
    /// @param interfaceId The interface.
    /// @return Whether it is implemented.
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC721Receiver).interfaceId || interfaceId == type(IERC1155Receiver).interfaceId
            || interfaceId == type(IERC165).interfaceId;
    }
}
