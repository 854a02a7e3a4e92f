// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AssetKind} from "./AssetKind.sol";

/// @title IChildAssetBridge
/// @notice Child-chain side of the NFT bridge: mints child ERC721 and ERC1155 tokens on deposit,
/// burns them on withdrawal.
interface IChildAssetBridge {
    event ChildAssetDeployed(address indexed rootToken, address indexed childToken, AssetKind kind, string name, string symbol);
    event ERC721DepositFinalized(
        address indexed rootToken,
        address indexed childToken,
        address from,
        address indexed to,
        uint256[] tokenIds
    );
    event ERC1155DepositFinalized(
        address indexed rootToken,
        address indexed childToken,
        address from,
        address indexed to,
        uint256[] ids,
        uint256[] amounts
    );
    event ERC721WithdrawalInitiated(
        address indexed rootToken,
        address indexed childToken,
        address indexed from,
        address to,
        uint256[] tokenIds,
        bytes32 messageId
    );
    event ERC1155WithdrawalInitiated(
        address indexed rootToken,
        address indexed childToken,
        address indexed from,
        address to,
        uint256[] ids,
        uint256[] amounts,
        bytes32 messageId
    );

    error ChildAssetBridgeZeroAddress();
    error ChildAssetBridgeZeroAmount();
    error ChildAssetBridgeLengthMismatch(uint256 ids, uint256 amounts);
    error ChildAssetBridgeTokenNotDeployed(address rootToken);
    error ChildAssetBridgeWrongKind(address token, AssetKind kind, AssetKind expected);
    /// @notice A queued release's payload is no call this bridge queues (it never queues one).
    error ChildAssetBridgeUnknownRelease(bytes4 selector);

    /// @notice Mints an ERC721 deposit from the main chain, deploying the child token on the first one.
    /// @dev Only through the messenger, from the root asset bridge.
    /// @param rootToken The root ERC721.
    /// @param from Depositor on the main chain.
    /// @param to Receiver on this chain.
    /// @param tokenIds The tokens escrowed on the main chain.
    /// @param uris Each token's `tokenURI` on the main chain, empty where it could not be read.
    /// @param metadata abi.encode(name, symbol) on the token's first deposit, else empty.
    function finalizeERC721Deposit(
        address rootToken,
        address from,
        address to,
        uint256[] calldata tokenIds,
        string[] calldata uris,
        bytes calldata metadata
    ) external;

    /// @notice Mints an ERC1155 deposit from the main chain, deploying the child token on the first one.
    /// @dev Only through the messenger, from the root asset bridge.
    /// @param rootToken The root ERC1155.
    /// @param from Depositor on the main chain.
    /// @param to Receiver on this chain.
    /// @param ids Token ids.
    /// @param amounts Amounts escrowed on the main chain.
    /// @param uris Each id's `uri` on the main chain, empty where it could not be read.
    /// @param metadata abi.encode(name, symbol) on the token's first deposit, else empty.
    function finalizeERC1155Deposit(
        address rootToken,
        address from,
        address to,
        uint256[] calldata ids,
        uint256[] calldata amounts,
        string[] calldata uris,
        bytes calldata metadata
    ) external;

    /// @notice Burns the caller's `tokenId` of `childToken` and sends its release to `to` on the main chain.
    /// @param childToken A child ERC721 deployed by this bridge.
    /// @param to Receiver on the main chain.
    /// @param tokenId The token, owned by the caller.
    /// @return messageId The withdrawal message's id.
    function withdrawERC721(address childToken, address to, uint256 tokenId) external returns (bytes32 messageId);

    /// @notice `withdrawERC721` for up to `MAX_BATCH` tokens in one message.
    /// @param childToken A child ERC721 deployed by this bridge.
    /// @param to Receiver on the main chain.
    /// @param tokenIds The tokens, owned by the caller.
    /// @param minGasLimit Gas floor of the message; the computed default applies when it is lower.
    /// @return messageId The withdrawal message's id.
    function withdrawERC721Batch(address childToken, address to, uint256[] calldata tokenIds, uint32 minGasLimit)
        external
        returns (bytes32 messageId);

    /// @notice Burns `amount` of the caller's `id` of `childToken` and sends its release to `to`.
    /// @param childToken A child ERC1155 deployed by this bridge.
    /// @param to Receiver on the main chain.
    /// @param id Token id.
    /// @param amount Amount.
    /// @return messageId The withdrawal message's id.
    function withdrawERC1155(address childToken, address to, uint256 id, uint256 amount)
        external
        returns (bytes32 messageId);

    /// @notice `withdrawERC1155` for up to `MAX_BATCH` ids in one message.
    /// @param childToken A child ERC1155 deployed by this bridge.
    /// @param to Receiver on the main chain.
    /// @param ids Token ids.
    /// @param amounts Amounts, none zero.
    /// @param minGasLimit Gas floor of the message; the computed default applies when it is lower.
    /// @return messageId The withdrawal message's id.
    function withdrawERC1155Batch(
        address childToken,
        address to,
        uint256[] calldata ids,
        uint256[] calldata amounts,
        uint32 minGasLimit
    ) external returns (bytes32 messageId);

    /// @notice Where the child token of `rootToken` of `kind` is, or will be, deployed.
    /// @param rootToken The root token.
    /// @param kind ERC721 or ERC1155.
    /// @return The CREATE2 address.
    function predictChildToken(address rootToken, AssetKind kind) external view returns (address);
}
