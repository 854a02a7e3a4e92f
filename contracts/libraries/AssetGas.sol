// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AssetKind} from "../interfaces/AssetKind.sol";

/// @title AssetGas
/// @notice The batch bound and the default gas limits of the NFT bridge's messages, shared by both sides.
/// @dev A message's limit grows with its batch (and, for deposits, with the URI bytes the child
/// token stores), so a full batch is not starved and a single token does not reserve a batch's gas.
/// A sender may raise it (`minGasLimit`); the messenger caps every message at 15,000,000.
library AssetGas {
    /// @notice Most tokens or ids in one message; a full batch of the longest URIs fits the messenger's cap.
    uint256 internal constant MAX_BATCH = 20;

    /// @dev Base of every message: the messenger's call, the counterpart check, the event.
    uint256 internal constant BASE_GAS = 100_000;

    /// @dev A release on the main chain: a transfer to a receiver that may run a hook, or a credit.
    uint256 internal constant RELEASE_GAS_PER_TOKEN = 80_000;

    /// @dev A mint on the child chain: owner or balance slot, and the clone's delegatecall.
    uint256 internal constant MINT_GAS_PER_TOKEN = 60_000;

    /// @dev Storing a URI: a fresh slot (22,100 gas) per 32 bytes, and calldata.
    uint256 internal constant GAS_PER_URI_BYTE = 750;

    /// @dev Deploying and initializing a child token's clone on its first deposit.
    uint256 internal constant FIRST_DEPOSIT_GAS = 400_000;

    error AssetGasBatchSize(uint256 size, uint256 maxSize);
    error AssetGasBadShape(AssetKind kind, uint256 ids, uint256 amounts);
    error AssetGasZeroAmount();

    /// @notice Reverts unless a batch has 1 to `MAX_BATCH` entries.
    /// @param size Entries in the batch.
    function checkBatch(uint256 size) internal pure {
        if (size == 0 || size > MAX_BATCH) revert AssetGasBatchSize(size, MAX_BATCH);
    }

    /// @notice Reverts unless ids and amounts have the shape of a transfer of `kind`: an ERC20
    /// none and one, an ERC721 1 to `MAX_BATCH` and none, an ERC1155 1 to `MAX_BATCH` of each;
    /// and unless every amount is positive.
    /// @param kind The token's kind.
    /// @param ids Token ids.
    /// @param amounts Amounts.
    /// @return size Entries in the batch (1 for an ERC20).
    function checkShape(AssetKind kind, uint256[] calldata ids, uint256[] calldata amounts)
        internal
        pure
        returns (uint256 size)
    {
        bool ok;
        if (kind == AssetKind.ERC20) ok = ids.length == 0 && amounts.length == 1;
        else if (kind == AssetKind.ERC721) ok = amounts.length == 0;
        else if (kind == AssetKind.ERC1155) ok = amounts.length == ids.length;
        if (!ok) revert AssetGasBadShape(kind, ids.length, amounts.length);
        if (kind != AssetKind.ERC20) checkBatch(ids.length);
        for (uint256 i = 0; i < amounts.length; ++i) {
            if (amounts[i] == 0) revert AssetGasZeroAmount();
        }
        return kind == AssetKind.ERC20 ? 1 : ids.length;
    }

    /// @notice How much of its token a transfer moves, as the rate limits count it (`FlowControl`):
    /// an ERC20 its amount, an ERC721 one per id, an ERC1155 the sum of its amounts.
    /// @param kind The token's kind.
    /// @param ids Token ids.
    /// @param amounts Amounts (none for an ERC721).
    /// @return total The units.
    function units(AssetKind kind, uint256[] memory ids, uint256[] memory amounts) internal pure returns (uint256 total) {
        if (kind == AssetKind.ERC721) return ids.length;
        for (uint256 i = 0; i < amounts.length; ++i) total += amounts[i];
    }

    /// @notice Default gas limit of a withdrawal releasing `size` tokens or ids on the main chain.
    /// @param size Entries in the batch.
    /// @return The gas limit.
    function releaseGas(uint256 size) internal pure returns (uint256) {
        return BASE_GAS + size * RELEASE_GAS_PER_TOKEN;
    }

    /// @notice Default gas limit of a deposit minting `size` tokens or ids on the child chain.
    /// @param size Entries in the batch.
    /// @param uriBytes Total bytes of the URIs it carries.
    /// @param first Whether it deploys the child token.
    /// @return The gas limit.
    function mintGas(uint256 size, uint256 uriBytes, bool first) internal pure returns (uint256) {
        return BASE_GAS + size * MINT_GAS_PER_TOKEN + uriBytes * GAS_PER_URI_BYTE + (first ? FIRST_DEPOSIT_GAS : 0);
    }
}
