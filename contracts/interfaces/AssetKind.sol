// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @notice The kinds of token the asset bridges carry, shared by both sides and their messages.
/// @dev A token crosses as one kind only: the first deposit (or registration) fixes it.
enum AssetKind {
    None,
    ERC721,
    ERC1155,
    ERC20
}
