// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IChildBridge} from "../interfaces/IChildBridge.sol";
import {IMessenger} from "../interfaces/IMessenger.sol";
import {IRootBridge} from "../interfaces/IRootBridge.sol";
import {TokenBridge} from "../common/TokenBridge.sol";
import {TokenMetadata} from "../libraries/TokenMetadata.sol";
import {Lockbox} from "./Lockbox.sol";

/// @title RootBridge
/// @notice Main-chain side of the token bridge. Deposits lock ERC20s and native currency in the
/// `Lockbox` and mint on the child chain; withdrawals from the child chain release them.
/// @dev Credits what the lockbox actually received, so fee-on-transfer tokens stay fully backed.
/// Tokens that return no bool (USDT) go through `SafeERC20`. Rebasing tokens are not supported:
/// their lockbox balance drifts from the child supply.
contract RootBridge is IRootBridge, TokenBridge {
    using SafeERC20 for IERC20;

    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice Gas for a token's first deposit, which deploys its child token.
    uint256 public constant FIRST_DEPOSIT_GAS_LIMIT = 3_000_000;

    /// @notice Where deposits are held.
    Lockbox public immutable lockbox;

    /// @notice Whether a root token's metadata was sent with an earlier deposit.
    mapping(address rootToken => bool) public isMapped;

    /// @param admin Governance: wires the child bridge.
    /// @param messenger_ The messenger on the main chain.
    constructor(address admin, IMessenger messenger_) TokenBridge(admin, messenger_) {
        lockbox = new Lockbox();
    }

    /// @inheritdoc IRootBridge
    function depositETH(address to) external payable nonReentrant returns (bytes32 messageId) {
        if (msg.value == 0) revert RootBridgeZeroAmount();
        if (to == address(0)) revert RootBridgeZeroAddress();
        Address.sendValue(payable(address(lockbox)), msg.value);
        messageId = _sendDeposit(NATIVE_TOKEN, to, msg.value);
    }

    /// @inheritdoc IRootBridge
    function depositERC20(address token, address to, uint256 amount) external nonReentrant returns (bytes32 messageId) {
        if (amount == 0) revert RootBridgeZeroAmount();
        if (to == address(0)) revert RootBridgeZeroAddress();
        if (token.code.length == 0) revert RootBridgeTokenNotContract(token);
        uint256 before = IERC20(token).balanceOf(address(lockbox));
        IERC20(token).safeTransferFrom(msg.sender, address(lockbox), amount);
        uint256 received = IERC20(token).balanceOf(address(lockbox)) - before;
        if (received == 0) revert RootBridgeNothingReceived(token);
        messageId = _sendDeposit(token, to, received);
    }

    /// @inheritdoc IRootBridge
    function finalizeWithdrawal(address rootToken, address from, address to, uint256 amount)
        external
        onlyCounterpart
        nonReentrant
    {
        emit WithdrawalFinalized(rootToken, from, to, amount);
        lockbox.release(rootToken, to, amount);
    }

    function _sendDeposit(address rootToken, address to, uint256 amount) private returns (bytes32 messageId) {
        bytes memory metadata;
        uint256 gasLimit = FINALIZE_GAS_LIMIT;
        // The first deposit carries the metadata the child token is deployed with. Later deposits
        // that overtake it fail on the child chain and are retried once it has arrived.
        if (!isMapped[rootToken]) {
            isMapped[rootToken] = true;
            (string memory name, string memory symbol, uint8 decimals) = rootToken == NATIVE_TOKEN
                ? ("Ether", "ETH", 18)
                : TokenMetadata.read(rootToken);
            metadata = abi.encode(name, symbol, decimals);
            gasLimit = FIRST_DEPOSIT_GAS_LIMIT;
            emit TokenMapped(rootToken, name, symbol, decimals);
        }
        messageId = _sendToCounterpart(
            abi.encodeCall(IChildBridge.finalizeDeposit, (rootToken, msg.sender, to, amount, metadata)),
            gasLimit
        );
        emit DepositInitiated(rootToken, msg.sender, to, amount, messageId);
    }
}
