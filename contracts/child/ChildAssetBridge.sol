// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IChildAssetBridge} from "../interfaces/IChildAssetBridge.sol";
import {AssetKind} from "../interfaces/AssetKind.sol";
import {IMessenger} from "../interfaces/IMessenger.sol";
import {IRootAssetBridge} from "../interfaces/IRootAssetBridge.sol";
import {TokenBridge} from "../common/TokenBridge.sol";
import {IChildNativeExits} from "../interfaces/IChildNativeExits.sol";
import {AssetGas} from "../libraries/AssetGas.sol";
import {BridgedTokenClones} from "../libraries/BridgedTokenClones.sol";
import {ChildERC721} from "./ChildERC721.sol";
import {ChildERC1155} from "./ChildERC1155.sol";
import {ChildNativeExits} from "./ChildNativeExits.sol";

/// @title ChildAssetBridge
/// @notice Child-chain side of the NFT bridge. Deposits from the main chain mint child ERC721 and
/// ERC1155 tokens, each root token's deployed on its first deposit; withdrawals burn them and send
/// their release to the main chain.
/// @dev A bridge of its own next to `ChildBridge`, on the same `TokenBridge` base (messenger,
/// counterpart check), so the fungible bridge stays as it is. Child tokens are EIP-1167 clones
/// at CREATE2 addresses: the implementations' code is in this contract's constructor, not in its
/// runtime code, which keeps it under the 24 KB limit, and a first deposit pays for a clone, not
/// a full token. Tokens created on this chain exit through `ChildNativeExits`.
/// With a rate limit set on a root token (`FlowControl`: an ERC721 counts one per id, an ERC1155
/// the sum of its amounts), withdrawals over it are refused and deposits over it wait in the
/// queue (the child token is deployed before).
contract ChildAssetBridge is IChildAssetBridge, TokenBridge, ChildNativeExits {
    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice Most tokens (ERC721) or ids (ERC1155) in one deposit or withdrawal.
    uint256 public constant MAX_BATCH = AssetGas.MAX_BATCH;

    /// @notice The code of every child ERC721.
    address public immutable erc721Implementation;

    /// @notice The code of every child ERC1155.
    address public immutable erc1155Implementation;

    struct ChildToken {
        address rootToken;
        AssetKind kind;
    }

    /// @notice The child token of each root token.
    mapping(address rootToken => address childToken) public childTokenOf;

    mapping(address childToken => ChildToken) private _childTokens;

    /// @param admin Governance: wires the root asset bridge.
    /// @param messenger_ The messenger on the child chain.
    constructor(address admin, IMessenger messenger_) TokenBridge(admin, messenger_) {
        erc721Implementation = address(new ChildERC721());
        erc1155Implementation = address(new ChildERC1155());
    }

    /// @inheritdoc IChildAssetBridge
    /// @dev No lock of its own, as `ChildBridge.finalizeDeposit`: the messenger's relay holds one.
    /// Minting calls no receiver hook, so nothing runs outside this bridge and the child token.
    function finalizeERC721Deposit(
        address rootToken,
        address from,
        address to,
        uint256[] calldata tokenIds,
        string[] calldata uris,
        bytes calldata metadata
    ) external onlyCounterpart {
        address childToken = _childTokenFor(rootToken, AssetKind.ERC721, metadata);
        if (_flowLimited() && _queuedInbound(rootToken, tokenIds.length, msg.data)) return;
        _mintERC721(rootToken, childToken, from, to, tokenIds, uris);
    }

    function _mintERC721(
        address rootToken,
        address childToken,
        address from,
        address to,
        uint256[] memory tokenIds,
        string[] memory uris
    ) private {
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            ChildERC721(childToken).mint(to, tokenIds[i], uris[i]);
        }
        emit ERC721DepositFinalized(rootToken, childToken, from, to, tokenIds);
    }

    /// @inheritdoc IChildAssetBridge
    function finalizeERC1155Deposit(
        address rootToken,
        address from,
        address to,
        uint256[] calldata ids,
        uint256[] calldata amounts,
        string[] calldata uris,
        bytes calldata metadata
    ) external onlyCounterpart {
        address childToken = _childTokenFor(rootToken, AssetKind.ERC1155, metadata);
        if (_flowLimited() && _queuedInbound(rootToken, AssetGas.units(AssetKind.ERC1155, ids, amounts), msg.data)) {
            return;
        }
        _mintERC1155(rootToken, childToken, from, to, ids, amounts, uris);
    }

    function _mintERC1155(
        address rootToken,
        address childToken,
        address from,
        address to,
        uint256[] memory ids,
        uint256[] memory amounts,
        string[] memory uris
    ) private {
        ChildERC1155(childToken).mintBatch(to, ids, amounts, uris);
        emit ERC1155DepositFinalized(rootToken, childToken, from, to, ids, amounts);
    }

    /// @dev A queued deposit or return, paid out as its finalize function would have (a deposit's
    /// child token exists: it was deployed before the deposit was queued).
    function _executeRelease(bytes calldata payload) internal override {
        bytes4 selector = bytes4(payload[:4]);
        if (selector == IChildNativeExits.finalizeReturn.selector) return _executeReturn(payload[4:]);
        if (selector == IChildAssetBridge.finalizeERC721Deposit.selector) {
            (address rootToken, address from, address to, uint256[] memory tokenIds, string[] memory uris,) =
                abi.decode(payload[4:], (address, address, address, uint256[], string[], bytes));
            _mintERC721(rootToken, childTokenOf[rootToken], from, to, tokenIds, uris);
        } else if (selector == IChildAssetBridge.finalizeERC1155Deposit.selector) {
            (
                address rootToken,
                address from,
                address to,
                uint256[] memory ids,
                uint256[] memory amounts,
                string[] memory uris,
            ) = abi.decode(payload[4:], (address, address, address, uint256[], uint256[], string[], bytes));
            _mintERC1155(rootToken, childTokenOf[rootToken], from, to, ids, amounts, uris);
        } else {
            revert ChildAssetBridgeUnknownRelease(selector);
        }
    }

    /// @inheritdoc IChildAssetBridge
    function withdrawERC721(address childToken, address to, uint256 tokenId)
        external
        nonReentrant
        returns (bytes32 messageId)
    {
        uint256[] memory tokenIds = new uint256[](1);
        tokenIds[0] = tokenId;
        messageId = _withdrawERC721(childToken, to, tokenIds, 0);
    }

    /// @inheritdoc IChildAssetBridge
    function withdrawERC721Batch(address childToken, address to, uint256[] calldata tokenIds, uint32 minGasLimit)
        external
        nonReentrant
        returns (bytes32 messageId)
    {
        messageId = _withdrawERC721(childToken, to, tokenIds, minGasLimit);
    }

    /// @inheritdoc IChildAssetBridge
    function withdrawERC1155(address childToken, address to, uint256 id, uint256 amount)
        external
        nonReentrant
        returns (bytes32 messageId)
    {
        uint256[] memory ids = new uint256[](1);
        uint256[] memory amounts = new uint256[](1);
        (ids[0], amounts[0]) = (id, amount);
        messageId = _withdrawERC1155(childToken, to, ids, amounts, 0);
    }

    /// @inheritdoc IChildAssetBridge
    function withdrawERC1155Batch(
        address childToken,
        address to,
        uint256[] calldata ids,
        uint256[] calldata amounts,
        uint32 minGasLimit
    ) external nonReentrant returns (bytes32 messageId) {
        messageId = _withdrawERC1155(childToken, to, ids, amounts, minGasLimit);
    }

    /// @inheritdoc IChildAssetBridge
    function predictChildToken(address rootToken, AssetKind kind) public view returns (address) {
        return BridgedTokenClones.predict(_implementation(kind), rootToken);
    }

    /// @notice The root token and kind of a child token deployed here.
    /// @param childToken The child token.
    /// @return rootToken Its root token, or zero for any other address.
    /// @return kind Its kind, or `None`.
    function rootTokenOf(address childToken) external view returns (address rootToken, AssetKind kind) {
        ChildToken storage entry = _childTokens[childToken];
        return (entry.rootToken, entry.kind);
    }

    function _isBridgedToken(address token) internal view override returns (bool) {
        return _childTokens[token].kind != AssetKind.None;
    }

    function _withdrawERC721(address childToken, address to, uint256[] memory tokenIds, uint256 minGasLimit)
        private
        returns (bytes32 messageId)
    {
        AssetGas.checkBatch(tokenIds.length);
        if (to == address(0)) revert ChildAssetBridgeZeroAddress();
        address rootToken = _rootTokenOf(childToken, AssetKind.ERC721);
        if (_flowLimited()) _consumeOutbound(rootToken, tokenIds.length);
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            ChildERC721(childToken).burn(msg.sender, tokenIds[i]);
        }
        messageId = _sendToCounterpart(
            abi.encodeCall(IRootAssetBridge.finalizeERC721Withdrawal, (rootToken, msg.sender, to, tokenIds)),
            AssetGas.releaseGas(tokenIds.length),
            minGasLimit
        );
        emit ERC721WithdrawalInitiated(rootToken, childToken, msg.sender, to, tokenIds, messageId);
    }

    function _withdrawERC1155(
        address childToken,
        address to,
        uint256[] memory ids,
        uint256[] memory amounts,
        uint256 minGasLimit
    ) private returns (bytes32 messageId) {
        AssetGas.checkBatch(ids.length);
        if (ids.length != amounts.length) revert ChildAssetBridgeLengthMismatch(ids.length, amounts.length);
        for (uint256 i = 0; i < amounts.length; ++i) {
            if (amounts[i] == 0) revert ChildAssetBridgeZeroAmount();
        }
        if (to == address(0)) revert ChildAssetBridgeZeroAddress();
        address rootToken = _rootTokenOf(childToken, AssetKind.ERC1155);
        if (_flowLimited()) _consumeOutbound(rootToken, AssetGas.units(AssetKind.ERC1155, ids, amounts));
        ChildERC1155(childToken).burnBatch(msg.sender, ids, amounts);
        messageId = _sendToCounterpart(
            abi.encodeCall(IRootAssetBridge.finalizeERC1155Withdrawal, (rootToken, msg.sender, to, ids, amounts)),
            AssetGas.releaseGas(ids.length),
            minGasLimit
        );
        emit ERC1155WithdrawalInitiated(rootToken, childToken, msg.sender, to, ids, amounts, messageId);
    }

    function _rootTokenOf(address childToken, AssetKind expected) private view returns (address rootToken) {
        ChildToken storage entry = _childTokens[childToken];
        if (entry.kind != expected) revert ChildAssetBridgeWrongKind(childToken, entry.kind, expected);
        return entry.rootToken;
    }

    /// @dev The child token of `rootToken`, deployed from `metadata` on its first deposit. A later
    /// deposit that overtook the first one fails here and is retried once the first has arrived.
    function _childTokenFor(address rootToken, AssetKind kind, bytes calldata metadata) private returns (address childToken) {
        childToken = childTokenOf[rootToken];
        if (childToken != address(0)) {
            // The root bridge maps a token to one kind; this holds unless that bridge is broken.
            AssetKind deployed = _childTokens[childToken].kind;
            if (deployed != kind) revert ChildAssetBridgeWrongKind(rootToken, deployed, kind);
            return childToken;
        }
        if (metadata.length == 0) revert ChildAssetBridgeTokenNotDeployed(rootToken);
        (string memory name, string memory symbol) = abi.decode(metadata, (string, string));
        childToken = BridgedTokenClones.deployNFT(_implementation(kind), kind, rootToken, name, symbol);
        childTokenOf[rootToken] = childToken;
        _childTokens[childToken] = ChildToken(rootToken, kind);
        emit ChildAssetDeployed(rootToken, childToken, kind, name, symbol);
    }

    function _implementation(AssetKind kind) private view returns (address) {
        return kind == AssetKind.ERC721 ? erc721Implementation : erc1155Implementation;
    }
}
