// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";
import {IChildBridge} from "../interfaces/IChildBridge.sol";
import {IMessenger} from "../interfaces/IMessenger.sol";
import {IRootBridge} from "../interfaces/IRootBridge.sol";
import {FlowControl} from "../common/FlowControl.sol";
import {TokenBridge} from "../common/TokenBridge.sol";
import {ChildERC20} from "./ChildERC20.sol";

/// @title ChildBridge
/// @notice Child-chain side of the token bridge. Deposits from the main chain mint child tokens,
/// deployed with CREATE2 on a root token's first deposit; withdrawals burn them and send their
/// release to the main chain. With a rate limit set (`FlowControl`), withdrawals over it are
/// refused and mints over it wait in the queue.
contract ChildBridge is IChildBridge, FlowControl {
    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    struct TokenParameters {
        string name;
        string symbol;
        uint8 decimals;
        address rootToken;
    }

    /// @notice The child token of each root token.
    mapping(address rootToken => address childToken) public childTokenOf;

    /// @notice The root token of each child token deployed here.
    mapping(address childToken => address rootToken) public rootTokenOf;

    /// @dev Set only while a child token is being deployed; its constructor reads it.
    TokenParameters private _deploying;

    /// @param admin Governance: wires the root bridge.
    /// @param messenger_ The messenger on the child chain.
    constructor(address admin, IMessenger messenger_) TokenBridge(admin, messenger_) {}

    /// @inheritdoc IChildBridge
    /// @dev No lock of its own, like `RootBridge.finalizeWithdrawal`: the messenger's relay holds one,
    /// and a lock shared with `withdraw` would let a relay be failed from inside a withdrawal.
    function finalizeDeposit(address rootToken, address from, address to, uint256 amount, bytes calldata metadata)
        external
        onlyCounterpart
    {
        address childToken = childTokenOf[rootToken];
        if (childToken == address(0)) {
            // Only the first deposit carries metadata; one that overtook it fails here and is retried.
            if (metadata.length == 0) revert ChildBridgeTokenNotDeployed(rootToken);
            childToken = _deployChildToken(rootToken, metadata);
        }
        if (_flowLimited()) {
            uint64 releasableAt = _admitInbound(rootToken, amount);
            if (releasableAt != 0) {
                _queueRelease(
                    rootToken,
                    amount,
                    releasableAt,
                    abi.encodeCall(IChildBridge.finalizeDeposit, (rootToken, from, to, amount, ""))
                );
                return;
            }
        }
        emit DepositFinalized(rootToken, childToken, from, to, amount);
        ChildERC20(childToken).mint(to, amount);
    }

    /// @dev A queued deposit, minted as `finalizeDeposit` would have (its child token exists: it
    /// was deployed before the deposit was queued).
    function _executeRelease(bytes calldata payload) internal override {
        if (bytes4(payload[:4]) != IChildBridge.finalizeDeposit.selector) revert ChildBridgeUnknownRelease(bytes4(payload[:4]));
        (address rootToken, address from, address to, uint256 amount,) =
            abi.decode(payload[4:], (address, address, address, uint256, bytes));
        address childToken = childTokenOf[rootToken];
        emit DepositFinalized(rootToken, childToken, from, to, amount);
        ChildERC20(childToken).mint(to, amount);
    }

    /// @inheritdoc IChildBridge
    function withdraw(address childToken, address to, uint256 amount) external nonReentrant returns (bytes32 messageId) {
        messageId = _withdraw(childToken, to, amount, 0);
    }

    /// @inheritdoc IChildBridge
    function withdrawWithGasLimit(address childToken, address to, uint256 amount, uint32 minGasLimit)
        external
        nonReentrant
        returns (bytes32 messageId)
    {
        messageId = _withdraw(childToken, to, amount, minGasLimit);
    }

    function _withdraw(address childToken, address to, uint256 amount, uint256 minGasLimit)
        private
        returns (bytes32 messageId)
    {
        if (amount == 0) revert ChildBridgeZeroAmount();
        if (to == address(0)) revert ChildBridgeZeroAddress();
        address rootToken = rootTokenOf[childToken];
        if (rootToken == address(0)) revert ChildBridgeUnknownToken(childToken);
        if (_flowLimited()) _consumeOutbound(rootToken, amount);
        ChildERC20(childToken).burn(msg.sender, amount);
        messageId = _sendToCounterpart(
            abi.encodeCall(IRootBridge.finalizeWithdrawal, (rootToken, msg.sender, to, amount)),
            FINALIZE_GAS_LIMIT,
            minGasLimit
        );
        emit WithdrawalInitiated(rootToken, childToken, msg.sender, to, amount, messageId);
    }

    /// @inheritdoc IChildBridge
    function predictChildToken(address rootToken) public view returns (address) {
        return Create2.computeAddress(_salt(rootToken), keccak256(type(ChildERC20).creationCode));
    }

    /// @inheritdoc IChildBridge
    function childTokenParameters()
        external
        view
        returns (string memory name, string memory symbol, uint8 decimals, address rootToken)
    {
        TokenParameters storage parameters = _deploying;
        if (parameters.rootToken == address(0)) revert ChildBridgeNotDeploying();
        return (parameters.name, parameters.symbol, parameters.decimals, parameters.rootToken);
    }

    function _deployChildToken(address rootToken, bytes calldata metadata) private returns (address childToken) {
        (string memory name, string memory symbol, uint8 decimals) = abi.decode(metadata, (string, string, uint8));
        _deploying = TokenParameters(name, symbol, decimals, rootToken);
        childToken = address(new ChildERC20{salt: _salt(rootToken)}());
        delete _deploying;
        childTokenOf[rootToken] = childToken;
        rootTokenOf[childToken] = rootToken;
        emit ChildTokenDeployed(rootToken, childToken, name, symbol, decimals);
    }

    function _salt(address rootToken) private pure returns (bytes32) {
        return bytes32(uint256(uint160(rootToken)));
    }
}
