// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {AssetKind} from "../interfaces/AssetKind.sol";
import {IChildNativeExits} from "../interfaces/IChildNativeExits.sol";
import {IMainMintableAssets} from "../interfaces/IMainMintableAssets.sol";
import {FlowControl} from "../common/FlowControl.sol";
import {AssetGas} from "../libraries/AssetGas.sol";
import {TokenMetadata} from "../libraries/TokenMetadata.sol";
import {ChildLockbox} from "./ChildLockbox.sol";

/// @title ChildNativeExits
/// @notice Exits of tokens created on the child chain (pos-portal's Mintable predicates, with a
/// lockbox instead of a burn): the token's owner registers it, an exit locks it in the
/// `ChildLockbox` and mints its `MainMintable…` token on the main chain, and burning that token
/// there releases it here.
/// @dev Accounted per token (and id): a return can only release what exits of that same token
/// locked. An ERC721 id that exited stays in the lockbox, so it exists here and its dapp cannot
/// mint it a second time while it lives on the main chain (what pos-portal's `withdrawnTokens`
/// flag does for tokens it burns instead). A release that fails is credited to its receiver as a
/// whole (`claimReturn`), so the return message succeeds. Rate limits count by the token
/// (`FlowControl`): exits over them are refused, returns over them wait in the queue.
abstract contract ChildNativeExits is IChildNativeExits, FlowControl {
    using SafeERC20 for IERC20;

    /// @notice Gas kept back from a return's release so that, if it fails, the bridge can credit it.
    uint256 public constant RETURN_CREDIT_GAS_RESERVE = 50_000;

    bytes4 private constant TOKEN_URI = 0xc87b56dd; // tokenURI(uint256)
    bytes4 private constant URI = 0x0e89341c; // uri(uint256)

    /// @notice Where exited tokens are held.
    ChildLockbox public immutable childLockbox;

    /// @notice The kind each child-chain token is registered as.
    mapping(address token => AssetKind) public exitKindOf;

    /// @notice Whether a token's metadata went with an earlier exit.
    mapping(address token => bool) public exitMapped;

    /// @notice How much of a token is locked for the main chain: ERC20s under id 0, ERC721s 1 per
    /// locked id, ERC1155s per id.
    mapping(address token => mapping(uint256 id => uint256)) public lockedAmount;

    /// @notice Credited returns, counted by `keccak256(abi.encode(token, account, ids, amounts))`.
    mapping(bytes32 creditKey => uint256) public returnCredits;

    constructor() {
        childLockbox = new ChildLockbox();
    }

    /// @inheritdoc IChildNativeExits
    function registerChildNative(address token, AssetKind kind) external {
        if (kind == AssetKind.None) revert ChildNativeExitsBadKind(kind);
        if (token.code.length == 0) revert ChildNativeExitsNotContract(token);
        AssetKind registered = exitKindOf[token];
        if (registered != AssetKind.None || _isBridgedToken(token)) revert ChildNativeExitsAlreadyRegistered(token, registered);
        address owner;
        try Ownable(token).owner() returns (address tokenOwner) {
            owner = tokenOwner;
        } catch {}
        if (owner != msg.sender || owner == address(0)) revert ChildNativeExitsNotTokenOwner(token, msg.sender);
        exitKindOf[token] = kind;
        emit ChildNativeRegistered(token, kind, msg.sender);
    }

    /// @inheritdoc IChildNativeExits
    function exitChildNative(
        address token,
        address to,
        uint256[] calldata ids,
        uint256[] calldata amounts,
        uint32 minGasLimit
    ) external nonReentrant returns (bytes32 messageId) {
        AssetKind kind = exitKindOf[token];
        if (kind == AssetKind.None) revert ChildNativeExitsNotRegistered(token);
        uint256 size = AssetGas.checkShape(kind, ids, amounts);
        if (to == address(0)) revert ChildNativeExitsZeroAddress();
        address lockbox = address(childLockbox);
        uint256[] memory locked = amounts;
        string[] memory uris = new string[](ids.length);
        uint256 uriBytes;
        if (kind == AssetKind.ERC20) {
            // What the lockbox received is what exits: a fee-on-transfer token stays fully backed.
            uint256 before = IERC20(token).balanceOf(lockbox);
            IERC20(token).safeTransferFrom(msg.sender, lockbox, amounts[0]);
            locked[0] = IERC20(token).balanceOf(lockbox) - before;
            if (locked[0] == 0) revert ChildNativeExitsNothingReceived(token);
            lockedAmount[token][0] += locked[0];
        } else {
            bytes4 uriSelector = kind == AssetKind.ERC721 ? TOKEN_URI : URI;
            for (uint256 i = 0; i < ids.length; ++i) {
                if (kind == AssetKind.ERC721) {
                    if (lockedAmount[token][ids[i]] != 0) revert ChildNativeExitsAlreadyLocked(token, ids[i]);
                    lockedAmount[token][ids[i]] = 1;
                    IERC721(token).transferFrom(msg.sender, lockbox, ids[i]);
                } else {
                    lockedAmount[token][ids[i]] += amounts[i];
                }
                uris[i] = TokenMetadata.readURI(token, uriSelector, ids[i]);
                uriBytes += bytes(uris[i]).length;
            }
            if (kind == AssetKind.ERC1155) IERC1155(token).safeBatchTransferFrom(msg.sender, lockbox, ids, amounts, "");
        }
        if (_flowLimited()) _consumeOutbound(token, AssetGas.units(kind, ids, locked));
        bool first = !exitMapped[token];
        bytes memory metadata;
        if (first) {
            exitMapped[token] = true;
            if (kind == AssetKind.ERC20) {
                (string memory name, string memory symbol, uint8 decimals) = TokenMetadata.read(token);
                metadata = abi.encode(name, symbol, decimals);
            } else {
                (string memory name, string memory symbol) = TokenMetadata.readNameAndSymbol(token);
                metadata = abi.encode(name, symbol);
            }
        }
        messageId = _sendToCounterpart(
            abi.encodeCall(IMainMintableAssets.finalizeExit, (kind, token, msg.sender, to, ids, locked, uris, metadata)),
            AssetGas.mintGas(size, uriBytes, first),
            minGasLimit
        );
        emit ChildNativeExitInitiated(token, msg.sender, to, kind, ids, locked, messageId);
    }

    /// @inheritdoc IChildNativeExits
    /// @dev No lock of its own, as the other finalize functions. The lock records are reduced before
    /// the release, so a receiver that re-enters sees them settled.
    function finalizeReturn(
        AssetKind kind,
        address token,
        address from,
        address to,
        uint256[] calldata ids,
        uint256[] calldata amounts
    ) external onlyCounterpart {
        AssetKind registered = exitKindOf[token];
        if (registered != kind) revert ChildNativeExitsNotRegistered(token);
        if (_flowLimited() && _queuedInbound(token, AssetGas.units(kind, ids, amounts), msg.data)) return;
        _release(kind, token, from, to, ids, amounts);
    }

    /// @dev A queued return (`finalizeReturn`'s arguments), released as it would have been. Whoever
    /// executes picks the gas, unlike a relay: without a floor, too little gas would fail the
    /// release on purpose and turn it into a credit. The floor is the message's default.
    function _executeReturn(bytes calldata arguments) internal {
        (AssetKind kind, address token, address from, address to, uint256[] memory ids, uint256[] memory amounts) =
            abi.decode(arguments, (AssetKind, address, address, address, uint256[], uint256[]));
        uint256 required = AssetGas.releaseGas(kind == AssetKind.ERC20 ? 1 : ids.length) + RETURN_CREDIT_GAS_RESERVE;
        if (gasleft() < required) revert ChildNativeExitsReleaseGasTooLow(gasleft(), required);
        _release(kind, token, from, to, ids, amounts);
    }

    function _release(
        AssetKind kind,
        address token,
        address from,
        address to,
        uint256[] memory ids,
        uint256[] memory amounts
    ) private {
        _unlock(kind, token, ids, amounts);
        try childLockbox.release{gas: gasleft() - RETURN_CREDIT_GAS_RESERVE}(kind, token, to, ids, amounts) {
            emit ChildNativeReturnFinalized(token, from, to, ids, amounts);
        } catch {
            returnCredits[_creditKey(token, to, ids, amounts)] += 1;
            emit ChildNativeReturnCredited(token, to, ids, amounts);
        }
    }

    /// @inheritdoc IChildNativeExits
    function claimReturn(address token, uint256[] calldata ids, uint256[] calldata amounts, address receiver)
        external
        nonReentrant
    {
        if (receiver == address(0)) revert ChildNativeExitsZeroAddress();
        bytes32 key = _creditKey(token, msg.sender, ids, amounts);
        if (returnCredits[key] == 0) revert ChildNativeExitsNoCredit(token, msg.sender);
        returnCredits[key] -= 1;
        emit ChildNativeReturnClaimed(token, msg.sender, receiver);
        childLockbox.release(exitKindOf[token], token, receiver, ids, amounts);
    }

    /// @dev Whether `token` is one this bridge deployed (a child token of a main-chain token).
    function _isBridgedToken(address token) internal view virtual returns (bool);

    function _unlock(AssetKind kind, address token, uint256[] memory ids, uint256[] memory amounts) private {
        if (kind == AssetKind.ERC20) {
            _take(token, 0, amounts[0]);
        } else {
            for (uint256 i = 0; i < ids.length; ++i) {
                _take(token, ids[i], kind == AssetKind.ERC721 ? 1 : amounts[i]);
            }
        }
    }

    function _take(address token, uint256 id, uint256 amount) private {
        uint256 locked = lockedAmount[token][id];
        if (amount > locked) revert ChildNativeExitsNotLocked(token, id, locked, amount);
        lockedAmount[token][id] = locked - amount;
    }

    function _creditKey(address token, address account, uint256[] memory ids, uint256[] memory amounts)
        private
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(token, account, ids, amounts));
    }
}
