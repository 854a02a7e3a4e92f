// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AssetKind} from "./AssetKind.sol";

/// @title IChildNativeExits
/// @notice Child-chain side of the exits of tokens created on the child chain: registered by their
/// owner, locked in the `ChildLockbox` when they exit, released when they come back.
interface IChildNativeExits {
    event ChildNativeRegistered(address indexed childToken, AssetKind kind, address indexed owner);
    event ChildNativeExitInitiated(
        address indexed childToken,
        address indexed from,
        address indexed to,
        AssetKind kind,
        uint256[] ids,
        uint256[] amounts,
        bytes32 messageId
    );
    event ChildNativeReturnFinalized(
        address indexed childToken,
        address indexed from,
        address indexed to,
        uint256[] ids,
        uint256[] amounts
    );
    /// @notice A return whose release failed, credited to `to` (`claimReturn`).
    event ChildNativeReturnCredited(address indexed childToken, address indexed to, uint256[] ids, uint256[] amounts);
    event ChildNativeReturnClaimed(address indexed childToken, address indexed account, address indexed to);

    error ChildNativeExitsBadKind(AssetKind kind);
    error ChildNativeExitsNotContract(address token);
    error ChildNativeExitsAlreadyRegistered(address token, AssetKind kind);
    error ChildNativeExitsNotTokenOwner(address token, address caller);
    error ChildNativeExitsNotRegistered(address token);
    error ChildNativeExitsZeroAddress();
    error ChildNativeExitsNothingReceived(address token);
    error ChildNativeExitsAlreadyLocked(address token, uint256 tokenId);
    error ChildNativeExitsNotLocked(address token, uint256 id, uint256 locked, uint256 requested);
    error ChildNativeExitsNoCredit(address token, address account);
    /// @notice `executeQueuedRelease` with less gas than the return's message would have had.
    error ChildNativeExitsReleaseGasTooLow(uint256 gasLeft, uint256 required);

    /// @notice Lets `token`, created on this chain, exit to the main chain as `kind`, once and for good.
    /// @dev Only the token's `owner()` (OpenZeppelin `Ownable`). A token deployed by a bridge cannot be registered.
    /// @param token The child-chain token.
    /// @param kind ERC20, ERC721 or ERC1155.
    function registerChildNative(address token, AssetKind kind) external;

    /// @notice Locks the caller's tokens and mints them on the main chain to `to`, deploying their
    /// `MainMintable…` token on the first exit.
    /// @dev An ERC20 exit has no ids and one amount (what the lockbox receives is what exits); an
    /// ERC721 exit has 1 to `MAX_BATCH` ids and no amounts; an ERC1155 exit as many amounts as ids.
    /// The caller must have approved this bridge.
    /// @param token A registered child-chain token.
    /// @param to Receiver on the main chain.
    /// @param ids Token ids.
    /// @param amounts Amounts.
    /// @param minGasLimit Gas floor of the message; the computed default applies when it is lower.
    /// @return messageId The exit message's id.
    function exitChildNative(
        address token,
        address to,
        uint256[] calldata ids,
        uint256[] calldata amounts,
        uint32 minGasLimit
    ) external returns (bytes32 messageId);

    /// @notice Releases tokens whose main-chain tokens were burnt, crediting them to `to` if that fails.
    /// @dev Only through the messenger, from the root asset bridge.
    /// @param kind The token's kind.
    /// @param token The child-chain token.
    /// @param from Who burnt them on the main chain.
    /// @param to Receiver on this chain.
    /// @param ids Token ids.
    /// @param amounts Amounts.
    function finalizeReturn(
        AssetKind kind,
        address token,
        address from,
        address to,
        uint256[] calldata ids,
        uint256[] calldata amounts
    ) external;

    /// @notice Releases a credited return (one whose release failed) of the caller to `receiver`.
    /// @param token The child-chain token.
    /// @param ids The return's ids, as credited.
    /// @param amounts The return's amounts, as credited.
    /// @param receiver Receiver.
    function claimReturn(address token, uint256[] calldata ids, uint256[] calldata amounts, address receiver) external;
}
