// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AssetKind} from "./AssetKind.sol";

/// @title IMainMintableAssets
/// @notice Main-chain side of the exits of tokens created on the child chain: `MainMintable…`
/// tokens minted on exit and burnt to go back.
interface IMainMintableAssets {
    event MainMintableDeployed(address indexed childToken, address indexed mainToken, AssetKind kind, string name, string symbol);
    event ChildNativeExitFinalized(
        address indexed childToken,
        address indexed mainToken,
        address from,
        address indexed to,
        uint256[] ids,
        uint256[] amounts
    );
    event ChildNativeReturnInitiated(
        address indexed childToken,
        address indexed mainToken,
        address indexed from,
        address to,
        uint256[] ids,
        uint256[] amounts,
        bytes32 messageId
    );

    error MainMintableAssetsNotDeployed(address childToken);
    error MainMintableAssetsUnknownToken(address mainToken);
    error MainMintableAssetsZeroAddress();

    /// @notice Mints an exit from the child chain, deploying the `MainMintable…` token on the first one.
    /// @dev Only through the messenger, from the child asset bridge.
    /// @param kind The child token's kind.
    /// @param childToken The child-chain token.
    /// @param from Who locked it on the child chain.
    /// @param to Receiver here.
    /// @param ids Token ids (none for an ERC20).
    /// @param amounts Amounts (one for an ERC20, none for an ERC721).
    /// @param uris The child token's URI of each id, or "".
    /// @param metadata On the first exit abi.encode(name, symbol, decimals) for an ERC20,
    /// abi.encode(name, symbol) otherwise; else empty.
    function finalizeExit(
        AssetKind kind,
        address childToken,
        address from,
        address to,
        uint256[] calldata ids,
        uint256[] calldata amounts,
        string[] calldata uris,
        bytes calldata metadata
    ) external;

    /// @notice Burns the caller's `MainMintable…` tokens and releases the child tokens to `to` on the child chain.
    /// @dev Ids and amounts as for `IChildNativeExits.exitChildNative`.
    /// @param mainToken A `MainMintable…` token deployed by this bridge.
    /// @param to Receiver on the child chain.
    /// @param ids Token ids.
    /// @param amounts Amounts.
    /// @param minGasLimit Gas floor of the message; the computed default applies when it is lower.
    /// @return messageId The return message's id.
    function returnToChild(
        address mainToken,
        address to,
        uint256[] calldata ids,
        uint256[] calldata amounts,
        uint32 minGasLimit
    ) external returns (bytes32 messageId);

    /// @notice Where the `MainMintable…` token of `childToken` is, or will be, deployed.
    /// @param childToken The child-chain token.
    /// @param kind Its kind.
    /// @return The CREATE2 address.
    function predictMainToken(address childToken, AssetKind kind) external view returns (address);
}
