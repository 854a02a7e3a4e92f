// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IChildAssetBridge} from "../interfaces/IChildAssetBridge.sol";
import {AssetKind} from "../interfaces/AssetKind.sol";
import {IMainMintableAssets} from "../interfaces/IMainMintableAssets.sol";
import {IMessenger} from "../interfaces/IMessenger.sol";
import {IRootAssetBridge} from "../interfaces/IRootAssetBridge.sol";
import {TokenBridge} from "../common/TokenBridge.sol";
import {AssetGas} from "../libraries/AssetGas.sol";
import {TokenMetadata} from "../libraries/TokenMetadata.sol";
import {MainMintableAssets} from "./MainMintableAssets.sol";

/// @title RootAssetBridge
/// @notice Main-chain side of the NFT bridge. Deposits escrow ERC721 and ERC1155 tokens here and
/// mint them on the child chain; withdrawals from the child chain release them.
/// @dev A bridge of its own next to `RootBridge` (which keeps ETH and ERC20s in the `Lockbox`), on
/// the same `TokenBridge` base. Escrow is accounted per token and id, and a withdrawal can only
/// release what deposits of that same token escrowed: an ERC721 id must be marked escrowed, an
/// ERC1155 amount must not exceed the id's escrowed balance. Tokens sent here outside a deposit
/// are not escrowed and never released. A release that fails (a receiver contract that refuses
/// the token, a token that blocks the receiver) is credited to the receiver, who claims it to
/// any address: the withdrawal message succeeds and nothing is stuck behind it. Tokens created
/// on the child chain come here through `MainMintableAssets`.
/// With a rate limit set on a token (`FlowControl`: an ERC721 counts one per id, an ERC1155 the
/// sum of its amounts), deposits over it are refused and withdrawals over it wait in the queue; a
/// queued withdrawal, once executed, is released or credited like any other.
contract RootAssetBridge is IRootAssetBridge, IERC721Receiver, IERC1155Receiver, MainMintableAssets {
    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice Most tokens (ERC721) or ids (ERC1155) in one deposit or withdrawal.
    uint256 public constant MAX_BATCH = AssetGas.MAX_BATCH;

    /// @notice Gas kept back from each release so that, if it fails, even by running out of gas,
    /// the bridge can still credit it.
    uint256 public constant CREDIT_GAS_RESERVE = 50_000;

    bytes4 private constant TOKEN_URI = 0xc87b56dd; // tokenURI(uint256)
    bytes4 private constant URI = 0x0e89341c; // uri(uint256)

    /// @notice The kind each root token was first deposited as.
    mapping(address rootToken => AssetKind) public kindOf;

    /// @notice Whether an ERC721 token is held here for the child chain.
    mapping(address rootToken => mapping(uint256 tokenId => bool)) public isEscrowed;

    /// @notice How much of an ERC1155 id is held here for the child chain.
    mapping(address rootToken => mapping(uint256 id => uint256)) public escrowedAmount;

    /// @notice Who may claim an ERC721 whose release failed, or zero.
    mapping(address rootToken => mapping(uint256 tokenId => address)) public erc721CreditOf;

    /// @notice How much of an ERC1155 id whose release failed each account may claim.
    mapping(address rootToken => mapping(uint256 id => mapping(address account => uint256))) public erc1155Credit;

    /// @param admin Governance: wires the child asset bridge.
    /// @param messenger_ The messenger on the main chain.
    constructor(address admin, IMessenger messenger_) TokenBridge(admin, messenger_) {}

    // ---------------------------------------------------------------- ERC721 deposits

    /// @inheritdoc IRootAssetBridge
    function depositERC721(address rootToken, address to, uint256 tokenId)
        external
        nonReentrant
        returns (bytes32 messageId)
    {
        uint256[] memory tokenIds = new uint256[](1);
        tokenIds[0] = tokenId;
        messageId = _depositERC721(rootToken, msg.sender, to, tokenIds, 0, true);
    }

    /// @inheritdoc IRootAssetBridge
    function depositERC721Batch(address rootToken, address to, uint256[] calldata tokenIds, uint32 minGasLimit)
        external
        nonReentrant
        returns (bytes32 messageId)
    {
        messageId = _depositERC721(rootToken, msg.sender, to, tokenIds, minGasLimit, true);
    }

    /// @notice A deposit by `safeTransferFrom` to this bridge: the token is minted on the child
    /// chain to the receiver `data` names, or to its previous owner when `data` is empty.
    /// @dev `data` is empty, abi.encode(address to) or abi.encode(address to, uint32 minGasLimit).
    /// The calling contract is the root token.
    /// @param from The token's previous owner, the depositor.
    /// @param tokenId The token.
    /// @param data The receiver on the child chain and a gas floor, or empty.
    /// @return The `onERC721Received` selector.
    function onERC721Received(address, address from, uint256 tokenId, bytes calldata data)
        external
        nonReentrant
        returns (bytes4)
    {
        (address to, uint32 minGasLimit) = _depositData(from, data);
        uint256[] memory tokenIds = new uint256[](1);
        tokenIds[0] = tokenId;
        _depositERC721(msg.sender, from, to, tokenIds, minGasLimit, false);
        return IERC721Receiver.onERC721Received.selector;
    }

    // ---------------------------------------------------------------- ERC1155 deposits

    /// @inheritdoc IRootAssetBridge
    function depositERC1155(address rootToken, address to, uint256 id, uint256 amount)
        external
        nonReentrant
        returns (bytes32 messageId)
    {
        (uint256[] memory ids, uint256[] memory amounts) = _single(id, amount);
        messageId = _depositERC1155(rootToken, msg.sender, to, ids, amounts, 0, true);
    }

    /// @inheritdoc IRootAssetBridge
    function depositERC1155Batch(
        address rootToken,
        address to,
        uint256[] calldata ids,
        uint256[] calldata amounts,
        uint32 minGasLimit
    ) external nonReentrant returns (bytes32 messageId) {
        messageId = _depositERC1155(rootToken, msg.sender, to, ids, amounts, minGasLimit, true);
    }

    /// @notice A deposit by `safeTransferFrom` to this bridge, as `onERC721Received`.
    /// @dev Transfers this bridge makes itself (the pull of `depositERC1155`) are let through:
    /// their deposit is already being recorded.
    /// @param operator Who moved the tokens.
    /// @param from Their previous owner, the depositor.
    /// @param id Token id.
    /// @param amount Amount.
    /// @param data The receiver on the child chain and a gas floor, or empty.
    /// @return The `onERC1155Received` selector.
    function onERC1155Received(address operator, address from, uint256 id, uint256 amount, bytes calldata data)
        external
        returns (bytes4)
    {
        if (operator != address(this)) {
            (address to, uint32 minGasLimit) = _depositData(from, data);
            (uint256[] memory ids, uint256[] memory amounts) = _single(id, amount);
            _hookDepositERC1155(from, to, ids, amounts, minGasLimit);
        }
        return IERC1155Receiver.onERC1155Received.selector;
    }

    /// @notice A batch deposit by `safeBatchTransferFrom` to this bridge, as `onERC1155Received`.
    /// @param operator Who moved the tokens.
    /// @param from Their previous owner, the depositor.
    /// @param ids Token ids.
    /// @param amounts Amounts.
    /// @param data The receiver on the child chain and a gas floor, or empty.
    /// @return The `onERC1155BatchReceived` selector.
    function onERC1155BatchReceived(
        address operator,
        address from,
        uint256[] calldata ids,
        uint256[] calldata amounts,
        bytes calldata data
    ) external returns (bytes4) {
        if (operator != address(this)) {
            (address to, uint32 minGasLimit) = _depositData(from, data);
            _hookDepositERC1155(from, to, ids, amounts, minGasLimit);
        }
        return IERC1155Receiver.onERC1155BatchReceived.selector;
    }

    /// @notice The receiver interfaces this bridge implements (ERC-165).
    /// @param interfaceId The interface.
    /// @return Whether it is implemented.
    function supportsInterface(bytes4 interfaceId) public view override(IERC165, AccessControl) returns (bool) {
        return interfaceId == type(IERC721Receiver).interfaceId || interfaceId == type(IERC1155Receiver).interfaceId
            || super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- withdrawals

    /// @inheritdoc IRootAssetBridge
    /// @dev No lock of its own, as `RootBridge.finalizeWithdrawal`. Each token's escrow mark is
    /// cleared before its transfer, so a receiver that re-enters (deposits it again, say) sees
    /// consistent state; its credit is recorded after a failed transfer returns.
    function finalizeERC721Withdrawal(address rootToken, address from, address to, uint256[] calldata tokenIds)
        external
        onlyCounterpart
    {
        if (_flowLimited() && _queuedInbound(rootToken, tokenIds.length, msg.data)) return;
        _releaseERC721(rootToken, from, to, tokenIds);
    }

    /// @inheritdoc IRootAssetBridge
    /// @dev One batch transfer: if it fails, the whole withdrawal is credited to `to`.
    function finalizeERC1155Withdrawal(
        address rootToken,
        address from,
        address to,
        uint256[] calldata ids,
        uint256[] calldata amounts
    ) external onlyCounterpart {
        if (_flowLimited() && _queuedInbound(rootToken, AssetGas.units(AssetKind.ERC1155, ids, amounts), msg.data)) {
            return;
        }
        _releaseERC1155(rootToken, from, to, ids, amounts);
    }

    function _releaseERC721(address rootToken, address from, address to, uint256[] memory tokenIds) private {
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            uint256 tokenId = tokenIds[i];
            // Only what a deposit of this very token escrowed can leave (per-pair accounting).
            if (!isEscrowed[rootToken][tokenId]) revert RootAssetBridgeNotEscrowed(rootToken, tokenId);
            isEscrowed[rootToken][tokenId] = false;
            try IERC721(rootToken).safeTransferFrom{gas: gasleft() - CREDIT_GAS_RESERVE}(address(this), to, tokenId) {}
            catch {
                erc721CreditOf[rootToken][tokenId] = to;
                emit ERC721WithdrawalCredited(rootToken, to, tokenId);
            }
        }
        emit ERC721WithdrawalFinalized(rootToken, from, to, tokenIds);
    }

    function _releaseERC1155(
        address rootToken,
        address from,
        address to,
        uint256[] memory ids,
        uint256[] memory amounts
    ) private {
        for (uint256 i = 0; i < ids.length; ++i) {
            uint256 escrowed = escrowedAmount[rootToken][ids[i]];
            if (amounts[i] > escrowed) revert RootAssetBridgeInsufficientEscrow(rootToken, ids[i], escrowed, amounts[i]);
            escrowedAmount[rootToken][ids[i]] = escrowed - amounts[i];
        }
        try IERC1155(rootToken).safeBatchTransferFrom{gas: gasleft() - CREDIT_GAS_RESERVE}(
            address(this), to, ids, amounts, ""
        ) {} catch {
            for (uint256 i = 0; i < ids.length; ++i) {
                erc1155Credit[rootToken][ids[i]][to] += amounts[i];
            }
            emit ERC1155WithdrawalCredited(rootToken, to, ids, amounts);
        }
        emit ERC1155WithdrawalFinalized(rootToken, from, to, ids, amounts);
    }

    /// @inheritdoc IRootAssetBridge
    function claimERC721(address rootToken, uint256 tokenId, address to) external nonReentrant {
        if (to == address(0)) revert RootAssetBridgeZeroAddress();
        address holder = erc721CreditOf[rootToken][tokenId];
        if (holder != msg.sender || holder == address(0)) {
            revert RootAssetBridgeNotCreditHolder(rootToken, tokenId, msg.sender, holder);
        }
        delete erc721CreditOf[rootToken][tokenId];
        emit ERC721CreditClaimed(rootToken, msg.sender, to, tokenId);
        IERC721(rootToken).safeTransferFrom(address(this), to, tokenId);
    }

    /// @inheritdoc IRootAssetBridge
    function claimERC1155(address rootToken, uint256 id, address to, uint256 amount) external nonReentrant {
        if (to == address(0)) revert RootAssetBridgeZeroAddress();
        uint256 credit = erc1155Credit[rootToken][id][msg.sender];
        if (amount == 0 || amount > credit) {
            revert RootAssetBridgeInsufficientCredit(rootToken, id, msg.sender, credit, amount);
        }
        erc1155Credit[rootToken][id][msg.sender] = credit - amount;
        emit ERC1155CreditClaimed(rootToken, msg.sender, to, id, amount);
        IERC1155(rootToken).safeTransferFrom(address(this), to, id, amount, "");
    }

    // ---------------------------------------------------------------- internals

    /// @dev A queued withdrawal or exit, as its finalize function would have paid it out.
    function _executeRelease(bytes calldata payload) internal override {
        bytes4 selector = bytes4(payload[:4]);
        if (selector == IMainMintableAssets.finalizeExit.selector) return _executeExit(payload[4:]);
        // Whoever executes picks the gas, unlike a relay: without a floor, too little gas would
        // fail a release on purpose and turn it into a credit. The floor is the message's default.
        if (selector == IRootAssetBridge.finalizeERC721Withdrawal.selector) {
            (address rootToken, address from, address to, uint256[] memory tokenIds) =
                abi.decode(payload[4:], (address, address, address, uint256[]));
            _checkReleaseGas(tokenIds.length);
            _releaseERC721(rootToken, from, to, tokenIds);
        } else if (selector == IRootAssetBridge.finalizeERC1155Withdrawal.selector) {
            (address rootToken, address from, address to, uint256[] memory ids, uint256[] memory amounts) =
                abi.decode(payload[4:], (address, address, address, uint256[], uint256[]));
            _checkReleaseGas(ids.length);
            _releaseERC1155(rootToken, from, to, ids, amounts);
        } else {
            revert RootAssetBridgeUnknownRelease(selector);
        }
    }

    function _checkReleaseGas(uint256 size) private view {
        uint256 required = AssetGas.releaseGas(size) + CREDIT_GAS_RESERVE;
        if (gasleft() < required) revert RootAssetBridgeReleaseGasTooLow(gasleft(), required);
    }

    /// @dev `pull`: take the tokens from `from` (a deposit call); otherwise they arrived by a
    /// `safeTransferFrom` whose hook is running, and `rootToken` is the calling token.
    function _depositERC721(
        address rootToken,
        address from,
        address to,
        uint256[] memory tokenIds,
        uint256 minGasLimit,
        bool pull
    ) private returns (bytes32 messageId) {
        AssetGas.checkBatch(tokenIds.length);
        if (to == address(0)) revert RootAssetBridgeZeroAddress();
        if (rootToken.code.length == 0) revert RootAssetBridgeTokenNotContract(rootToken);
        if (_flowLimited()) _consumeOutbound(rootToken, tokenIds.length);
        (bytes memory metadata, bool first) = _map(rootToken, AssetKind.ERC721);
        string[] memory uris = new string[](tokenIds.length);
        uint256 uriBytes;
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            uint256 tokenId = tokenIds[i];
            // A token escrowed twice would be minted twice: only a broken or hostile token can try.
            if (isEscrowed[rootToken][tokenId]) revert RootAssetBridgeAlreadyEscrowed(rootToken, tokenId);
            isEscrowed[rootToken][tokenId] = true;
            // A plain transferFrom: this bridge needs no receiver hook of its own to run.
            if (pull) IERC721(rootToken).transferFrom(from, address(this), tokenId);
            uris[i] = TokenMetadata.readURI(rootToken, TOKEN_URI, tokenId);
            uriBytes += bytes(uris[i]).length;
        }
        messageId = _sendToCounterpart(
            abi.encodeCall(IChildAssetBridge.finalizeERC721Deposit, (rootToken, from, to, tokenIds, uris, metadata)),
            AssetGas.mintGas(tokenIds.length, uriBytes, first),
            minGasLimit
        );
        emit ERC721DepositInitiated(rootToken, from, to, tokenIds, messageId);
    }

    function _hookDepositERC1155(
        address from,
        address to,
        uint256[] memory ids,
        uint256[] memory amounts,
        uint256 minGasLimit
    ) private nonReentrant {
        _depositERC1155(msg.sender, from, to, ids, amounts, minGasLimit, false);
    }

    function _depositERC1155(
        address rootToken,
        address from,
        address to,
        uint256[] memory ids,
        uint256[] memory amounts,
        uint256 minGasLimit,
        bool pull
    ) private returns (bytes32 messageId) {
        AssetGas.checkBatch(ids.length);
        if (ids.length != amounts.length) revert RootAssetBridgeLengthMismatch(ids.length, amounts.length);
        if (to == address(0)) revert RootAssetBridgeZeroAddress();
        if (rootToken.code.length == 0) revert RootAssetBridgeTokenNotContract(rootToken);
        if (_flowLimited()) _consumeOutbound(rootToken, AssetGas.units(AssetKind.ERC1155, ids, amounts));
        (bytes memory metadata, bool first) = _map(rootToken, AssetKind.ERC1155);
        string[] memory uris = new string[](ids.length);
        uint256 uriBytes;
        for (uint256 i = 0; i < ids.length; ++i) {
            if (amounts[i] == 0) revert RootAssetBridgeZeroAmount();
            escrowedAmount[rootToken][ids[i]] += amounts[i];
            uris[i] = TokenMetadata.readURI(rootToken, URI, ids[i]);
            uriBytes += bytes(uris[i]).length;
        }
        // The pull calls back `onERC1155BatchReceived` with this bridge as operator, which lets it through.
        if (pull) IERC1155(rootToken).safeBatchTransferFrom(from, address(this), ids, amounts, "");
        messageId = _sendToCounterpart(
            abi.encodeCall(IChildAssetBridge.finalizeERC1155Deposit, (rootToken, from, to, ids, amounts, uris, metadata)),
            AssetGas.mintGas(ids.length, uriBytes, first),
            minGasLimit
        );
        emit ERC1155DepositInitiated(rootToken, from, to, ids, amounts, messageId);
    }

    /// @dev The metadata of a token's first deposit, which the child token is deployed with; empty
    /// afterwards. Deposits that overtake the first one fail on the child chain and are retried.
    function _map(address rootToken, AssetKind kind) private returns (bytes memory metadata, bool first) {
        AssetKind mapped = kindOf[rootToken];
        if (mapped == kind) return ("", false);
        if (mapped != AssetKind.None) revert RootAssetBridgeWrongKind(rootToken, kind, mapped);
        if (_isMainMintable(rootToken)) revert RootAssetBridgeMainMintable(rootToken);
        kindOf[rootToken] = kind;
        (string memory name, string memory symbol) = TokenMetadata.readNameAndSymbol(rootToken);
        emit AssetMapped(rootToken, kind, name, symbol);
        return (abi.encode(name, symbol), true);
    }

    function _depositData(address from, bytes calldata data) private pure returns (address to, uint32 minGasLimit) {
        if (data.length == 0) return (from, 0);
        if (data.length == 32) return (abi.decode(data, (address)), 0);
        if (data.length == 64) return abi.decode(data, (address, uint32));
        revert RootAssetBridgeBadDepositData(data.length);
    }

    function _single(uint256 id, uint256 amount) private pure returns (uint256[] memory ids, uint256[] memory amounts) {
        ids = new uint256[](1);
        amounts = new uint256[](1);
        (ids[0], amounts[0]) = (id, amount);
    }
}
