// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AssetKind} from "./AssetKind.sol";

/// @title IRootAssetBridge
/// @notice Main-chain side of the NFT bridge: escrows ERC721 and ERC1155 tokens for the child
/// chain and releases them on withdrawal.
interface IRootAssetBridge {
    event AssetMapped(address indexed rootToken, AssetKind kind, string name, string symbol);
    event ERC721DepositInitiated(
        address indexed rootToken,
        address indexed from,
        address indexed to,
        uint256[] tokenIds,
        bytes32 messageId
    );
    event ERC1155DepositInitiated(
        address indexed rootToken,
        address indexed from,
        address indexed to,
        uint256[] ids,
        uint256[] amounts,
        bytes32 messageId
    );
    /// @notice A withdrawal relayed; the ids in `ERC721WithdrawalCredited` events of the same
    /// transaction were credited instead of released.
    event ERC721WithdrawalFinalized(address indexed rootToken, address indexed from, address indexed to, uint256[] tokenIds);
    event ERC721WithdrawalCredited(address indexed rootToken, address indexed to, uint256 tokenId);
    event ERC721CreditClaimed(address indexed rootToken, address indexed account, address indexed to, uint256 tokenId);
    event ERC1155WithdrawalFinalized(
        address indexed rootToken,
        address indexed from,
        address indexed to,
        uint256[] ids,
        uint256[] amounts
    );
    event ERC1155WithdrawalCredited(address indexed rootToken, address indexed to, uint256[] ids, uint256[] amounts);
    event ERC1155CreditClaimed(
        address indexed rootToken,
        address indexed account,
        address indexed to,
        uint256 id,
        uint256 amount
    );

    error RootAssetBridgeZeroAddress();
    error RootAssetBridgeZeroAmount();
    error RootAssetBridgeTokenNotContract(address token);
    error RootAssetBridgeLengthMismatch(uint256 ids, uint256 amounts);
    error RootAssetBridgeWrongKind(address rootToken, AssetKind kind, AssetKind expected);
    error RootAssetBridgeAlreadyEscrowed(address rootToken, uint256 tokenId);
    error RootAssetBridgeNotEscrowed(address rootToken, uint256 tokenId);
    error RootAssetBridgeInsufficientEscrow(address rootToken, uint256 id, uint256 escrowed, uint256 requested);
    error RootAssetBridgeNotCreditHolder(address rootToken, uint256 tokenId, address caller, address holder);
    error RootAssetBridgeInsufficientCredit(address rootToken, uint256 id, address account, uint256 credit, uint256 requested);
    error RootAssetBridgeBadDepositData(uint256 length);
    /// @notice A queued release's payload is no call this bridge queues (it never queues one).
    error RootAssetBridgeUnknownRelease(bytes4 selector);
    /// @notice `executeQueuedRelease` with less gas than the release's message would have had.
    error RootAssetBridgeReleaseGasTooLow(uint256 gasLeft, uint256 required);
    /// @notice A `MainMintable…` token of a child-chain token goes back with `returnToChild`.
    error RootAssetBridgeMainMintable(address token);

    /// @notice Escrows the caller's ERC721 `tokenId` and mints it on the child chain to `to`.
    /// @dev The caller must have approved this bridge. The first deposit of a token also carries
    /// its name and symbol; every deposit carries each token's `tokenURI`.
    /// @param rootToken The ERC721.
    /// @param to Receiver on the child chain.
    /// @param tokenId The token.
    /// @return messageId The deposit message's id.
    function depositERC721(address rootToken, address to, uint256 tokenId) external returns (bytes32 messageId);

    /// @notice `depositERC721` for up to `MAX_BATCH` tokens in one message.
    /// @param rootToken The ERC721.
    /// @param to Receiver on the child chain.
    /// @param tokenIds The tokens, 1 to `MAX_BATCH` of them.
    /// @param minGasLimit Gas floor of the message; the computed default applies when it is lower.
    /// @return messageId The deposit message's id.
    function depositERC721Batch(address rootToken, address to, uint256[] calldata tokenIds, uint32 minGasLimit)
        external
        returns (bytes32 messageId);

    /// @notice Escrows `amount` of the caller's ERC1155 `id` and mints it on the child chain to `to`.
    /// @param rootToken The ERC1155; the caller must have approved this bridge (`setApprovalForAll`).
    /// @param to Receiver on the child chain.
    /// @param id Token id.
    /// @param amount Amount.
    /// @return messageId The deposit message's id.
    function depositERC1155(address rootToken, address to, uint256 id, uint256 amount) external returns (bytes32 messageId);

    /// @notice `depositERC1155` for up to `MAX_BATCH` ids in one message.
    /// @param rootToken The ERC1155.
    /// @param to Receiver on the child chain.
    /// @param ids Token ids, 1 to `MAX_BATCH` of them.
    /// @param amounts Amount of each id, none zero.
    /// @param minGasLimit Gas floor of the message; the computed default applies when it is lower.
    /// @return messageId The deposit message's id.
    function depositERC1155Batch(
        address rootToken,
        address to,
        uint256[] calldata ids,
        uint256[] calldata amounts,
        uint32 minGasLimit
    ) external returns (bytes32 messageId);

    /// @notice Releases an ERC721 withdrawal from the child chain, crediting to `to` each token
    /// whose transfer fails.
    /// @dev Only through the messenger, from the child asset bridge.
    /// @param rootToken The ERC721.
    /// @param from Who burnt the tokens on the child chain.
    /// @param to Receiver on the main chain.
    /// @param tokenIds The tokens.
    function finalizeERC721Withdrawal(address rootToken, address from, address to, uint256[] calldata tokenIds)
        external;

    /// @notice Releases an ERC1155 withdrawal from the child chain, or credits all of it to `to`
    /// when the transfer fails.
    /// @dev Only through the messenger, from the child asset bridge.
    /// @param rootToken The ERC1155.
    /// @param from Who burnt the tokens on the child chain.
    /// @param to Receiver on the main chain.
    /// @param ids Token ids.
    /// @param amounts Amounts.
    function finalizeERC1155Withdrawal(
        address rootToken,
        address from,
        address to,
        uint256[] calldata ids,
        uint256[] calldata amounts
    ) external;

    /// @notice Transfers a credited ERC721 (a withdrawal whose release failed) to `to`.
    /// @param rootToken The ERC721.
    /// @param tokenId The token; the caller must hold its credit.
    /// @param to Receiver.
    function claimERC721(address rootToken, uint256 tokenId, address to) external;

    /// @notice Transfers part or all of the caller's credited ERC1155 `id` to `to`.
    /// @param rootToken The ERC1155.
    /// @param id Token id.
    /// @param to Receiver.
    /// @param amount Amount, at most the caller's credit.
    function claimERC1155(address rootToken, uint256 id, address to, uint256 amount) external;
}
