// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AssetKind} from "../interfaces/AssetKind.sol";
import {IChildNativeExits} from "../interfaces/IChildNativeExits.sol";
import {IMainMintableAssets} from "../interfaces/IMainMintableAssets.sol";
import {FlowControl} from "../common/FlowControl.sol";
import {AssetGas} from "../libraries/AssetGas.sol";
import {BridgedTokenClones} from "../libraries/BridgedTokenClones.sol";
import {MainMintableERC20} from "./MainMintableERC20.sol";
import {MainMintableERC721} from "./MainMintableERC721.sol";
import {MainMintableERC1155} from "./MainMintableERC1155.sol";

/// @title MainMintableAssets
/// @notice Main-chain side of the exits of child-chain tokens: the first exit of a token deploys
/// its `MainMintable…` token (an EIP-1167 clone at a CREATE2 address of the child token), every
/// exit mints it, and burning it sends the child token back.
/// @dev Minting calls no receiver hook, so an exit cannot fail at its receiver. An ERC721 id is
/// locked on the child chain while it lives here, so it can only be minted here once at a time.
/// Rate limits count by the child token (`FlowControl`): returns over them are refused, exits over
/// them wait in the queue (their `MainMintable…` token is deployed before).
abstract contract MainMintableAssets is IMainMintableAssets, FlowControl {
    struct MainToken {
        address childToken;
        AssetKind kind;
    }

    /// @notice The code of every `MainMintableERC20`.
    address public immutable mintableERC20Implementation;

    /// @notice The code of every `MainMintableERC721`.
    address public immutable mintableERC721Implementation;

    /// @notice The code of every `MainMintableERC1155`.
    address public immutable mintableERC1155Implementation;

    /// @notice The `MainMintable…` token of each child-chain token.
    mapping(address childToken => address mainToken) public mainTokenOf;

    mapping(address mainToken => MainToken) private _mainTokens;

    constructor() {
        mintableERC20Implementation = address(new MainMintableERC20());
        mintableERC721Implementation = address(new MainMintableERC721());
        mintableERC1155Implementation = address(new MainMintableERC1155());
    }

    /// @inheritdoc IMainMintableAssets
    /// @dev No lock of its own, as the other finalize functions. An exit that overtook the
    /// token's first one carries no metadata: it fails here and is retried once the first arrived.
    function finalizeExit(
        AssetKind kind,
        address childToken,
        address from,
        address to,
        uint256[] calldata ids,
        uint256[] calldata amounts,
        string[] calldata uris,
        bytes calldata metadata
    ) external onlyCounterpart {
        address mainToken = mainTokenOf[childToken];
        if (mainToken == address(0)) {
            if (metadata.length == 0) revert MainMintableAssetsNotDeployed(childToken);
            mainToken = _deploy(kind, childToken, metadata);
        }
        if (_flowLimited() && _queuedInbound(childToken, AssetGas.units(kind, ids, amounts), msg.data)) return;
        _mintExit(kind, childToken, mainToken, from, to, ids, amounts, uris);
    }

    /// @dev A queued exit (`finalizeExit`'s arguments), minted as it would have been: its token was
    /// deployed before it was queued.
    function _executeExit(bytes calldata arguments) internal {
        (
            AssetKind kind,
            address childToken,
            address from,
            address to,
            uint256[] memory ids,
            uint256[] memory amounts,
            string[] memory uris,
        ) = abi.decode(arguments, (AssetKind, address, address, address, uint256[], uint256[], string[], bytes));
        _mintExit(kind, childToken, mainTokenOf[childToken], from, to, ids, amounts, uris);
    }

    function _mintExit(
        AssetKind kind,
        address childToken,
        address mainToken,
        address from,
        address to,
        uint256[] memory ids,
        uint256[] memory amounts,
        string[] memory uris
    ) private {
        if (kind == AssetKind.ERC20) {
            MainMintableERC20(mainToken).mint(to, amounts[0]);
        } else if (kind == AssetKind.ERC721) {
            for (uint256 i = 0; i < ids.length; ++i) MainMintableERC721(mainToken).mint(to, ids[i], uris[i]);
        } else {
            MainMintableERC1155(mainToken).mintBatch(to, ids, amounts, uris);
        }
        emit ChildNativeExitFinalized(childToken, mainToken, from, to, ids, amounts);
    }

    /// @inheritdoc IMainMintableAssets
    function returnToChild(
        address mainToken,
        address to,
        uint256[] calldata ids,
        uint256[] calldata amounts,
        uint32 minGasLimit
    ) external nonReentrant returns (bytes32 messageId) {
        MainToken memory entry = _mainTokens[mainToken];
        if (entry.kind == AssetKind.None) revert MainMintableAssetsUnknownToken(mainToken);
        uint256 size = AssetGas.checkShape(entry.kind, ids, amounts);
        if (to == address(0)) revert MainMintableAssetsZeroAddress();
        if (_flowLimited()) _consumeOutbound(entry.childToken, AssetGas.units(entry.kind, ids, amounts));
        if (entry.kind == AssetKind.ERC20) {
            MainMintableERC20(mainToken).burn(msg.sender, amounts[0]);
        } else if (entry.kind == AssetKind.ERC721) {
            for (uint256 i = 0; i < ids.length; ++i) MainMintableERC721(mainToken).burn(msg.sender, ids[i]);
        } else {
            MainMintableERC1155(mainToken).burnBatch(msg.sender, ids, amounts);
        }
        messageId = _sendToCounterpart(
            abi.encodeCall(IChildNativeExits.finalizeReturn, (entry.kind, entry.childToken, msg.sender, to, ids, amounts)),
            AssetGas.releaseGas(size),
            minGasLimit
        );
        emit ChildNativeReturnInitiated(entry.childToken, mainToken, msg.sender, to, ids, amounts, messageId);
    }

    /// @inheritdoc IMainMintableAssets
    function predictMainToken(address childToken, AssetKind kind) external view returns (address) {
        return BridgedTokenClones.predict(_mintableImplementation(kind), childToken);
    }

    /// @notice The child-chain token and kind of a `MainMintable…` token deployed here.
    /// @param mainToken The main-chain token.
    /// @return childToken Its child token, or zero for any other address.
    /// @return kind Its kind, or `None`.
    function childTokenOfMintable(address mainToken) external view returns (address childToken, AssetKind kind) {
        MainToken storage entry = _mainTokens[mainToken];
        return (entry.childToken, entry.kind);
    }

    /// @dev Whether `token` is a `MainMintable…` token of this bridge: it goes back by `returnToChild`,
    /// never as a main-chain asset, which would wrap it a second time on the child chain.
    function _isMainMintable(address token) internal view returns (bool) {
        return _mainTokens[token].kind != AssetKind.None;
    }

    function _deploy(AssetKind kind, address childToken, bytes calldata metadata) private returns (address mainToken) {
        address implementation = _mintableImplementation(kind);
        string memory name;
        string memory symbol;
        if (kind == AssetKind.ERC20) {
            uint8 decimals;
            (name, symbol, decimals) = abi.decode(metadata, (string, string, uint8));
            mainToken = BridgedTokenClones.deploy(implementation, childToken);
            MainMintableERC20(mainToken).initialize(childToken, name, symbol, decimals);
        } else {
            (name, symbol) = abi.decode(metadata, (string, string));
            mainToken = BridgedTokenClones.deployNFT(implementation, kind, childToken, name, symbol);
        }
        mainTokenOf[childToken] = mainToken;
        _mainTokens[mainToken] = MainToken(childToken, kind);
        emit MainMintableDeployed(childToken, mainToken, kind, name, symbol);
    }

    function _mintableImplementation(AssetKind kind) private view returns (address) {
        if (kind == AssetKind.ERC20) return mintableERC20Implementation;
        return kind == AssetKind.ERC721 ? mintableERC721Implementation : mintableERC1155Implementation;
    }
}
