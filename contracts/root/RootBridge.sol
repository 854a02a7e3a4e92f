// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IChildBridge} from "../interfaces/IChildBridge.sol";
import {IMessenger} from "../interfaces/IMessenger.sol";
import {IRootBridge} from "../interfaces/IRootBridge.sol";
import {FlowControl} from "../common/FlowControl.sol";
import {TokenBridge} from "../common/TokenBridge.sol";
import {TokenMetadata} from "../libraries/TokenMetadata.sol";
import {Lockbox} from "./Lockbox.sol";

/// @title RootBridge
/// @notice Main-chain side of the token bridge. Deposits lock ERC20s in the `Lockbox`, and native
/// currency in this bridge, and mint on the child chain; withdrawals from the child chain release them.
/// @dev Credits what the lockbox actually received, so fee-on-transfer tokens stay fully backed.
/// Tokens that return no bool (USDT) go through `SafeERC20`. A release that fails (a receiver that
/// refuses ETH, a blocklisted receiver, a token fee above the amount, a lockbox short of a
/// rebasing token) is credited to the receiver instead, who claims it to any address later or
/// sends it back to the child chain: the withdrawal message itself succeeds, and nothing is stuck.
/// Rebasing tokens are not supported: their lockbox balance drifts from the child supply.
/// Native currency stays here, where the deposit's value arrives (DESIGN §5): forwarding it to the
/// lockbox was a value-bearing call to a cold account, about 9,600 gas of every ETH deposit.
/// With a rate limit set (`FlowControl`), deposits over it are refused and releases over it wait
/// in the queue; a queued release, once executed, is released or credited like any other.
contract RootBridge is IRootBridge, FlowControl {
    using SafeERC20 for IERC20;

    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice Gas for a token's first deposit, which deploys its child token.
    uint256 public constant FIRST_DEPOSIT_GAS_LIMIT = 3_000_000;

    /// @notice Gas kept back from a withdrawal's release so that, if the release fails, even by
    /// running out of gas, the bridge can still credit it.
    uint256 public constant CREDIT_GAS_RESERVE = 50_000;

    /// @notice Where deposits are held.
    Lockbox public immutable lockbox;

    /// @notice Whether a root token's metadata was sent with an earlier deposit.
    mapping(address rootToken => bool) public isMapped;

    /// @notice Withdrawals whose release failed, by token and receiver: theirs to claim.
    mapping(address rootToken => mapping(address account => uint256)) public claimable;

    /// @param admin Governance: wires the child bridge.
    /// @param messenger_ The messenger on the main chain.
    constructor(address admin, IMessenger messenger_) TokenBridge(admin, messenger_) {
        lockbox = new Lockbox();
    }

    /// @inheritdoc IRootBridge
    function depositETH(address to) external payable nonReentrant returns (bytes32 messageId) {
        messageId = _depositETH(to, 0);
    }

    /// @inheritdoc IRootBridge
    function depositETHWithGasLimit(address to, uint32 minGasLimit)
        external
        payable
        nonReentrant
        returns (bytes32 messageId)
    {
        messageId = _depositETH(to, minGasLimit);
    }

    /// @inheritdoc IRootBridge
    function depositERC20(address token, address to, uint256 amount) external nonReentrant returns (bytes32 messageId) {
        messageId = _depositERC20(token, to, amount, 0);
    }

    /// @inheritdoc IRootBridge
    function depositERC20WithGasLimit(address token, address to, uint256 amount, uint32 minGasLimit)
        external
        nonReentrant
        returns (bytes32 messageId)
    {
        messageId = _depositERC20(token, to, amount, minGasLimit);
    }

    /// @inheritdoc IRootBridge
    /// @dev No lock of its own: it is reached only inside the messenger's locked relay or retry, and
    /// a lock here would let whoever holds it (a token hook during a deposit) turn a relay into a
    /// failure (L-4). It writes no state before the release; a reentrant claim can only pay a
    /// credit already recorded, and the credit for this release is recorded after it returns.
    function finalizeWithdrawal(address rootToken, address from, address to, uint256 amount)
        external
        onlyCounterpart
    {
        if (_flowLimited()) {
            uint64 releasableAt = _admitInbound(rootToken, amount);
            if (releasableAt != 0) {
                _queueRelease(
                    rootToken,
                    amount,
                    releasableAt,
                    abi.encodeCall(IRootBridge.finalizeWithdrawal, (rootToken, from, to, amount))
                );
                return;
            }
        }
        _releaseOrCredit(rootToken, from, to, amount);
    }

    /// @inheritdoc IRootBridge
    function claimWithdrawal(address rootToken, address to, uint256 amount) external nonReentrant {
        if (to == address(0)) revert RootBridgeZeroAddress();
        _takeCredit(rootToken, msg.sender, amount);
        emit WithdrawalClaimed(rootToken, msg.sender, to, amount);
        _release(rootToken, to, amount);
    }

    /// @inheritdoc IRootBridge
    function releaseCredit(address rootToken, address account, uint256 amount) external nonReentrant {
        // Paid to the account itself, so anyone may push it: a contract that cannot call the
        // bridge, and refused the release earlier, is paid once it accepts.
        _takeCredit(rootToken, account, amount);
        emit WithdrawalClaimed(rootToken, account, account, amount);
        _release(rootToken, account, amount);
    }

    /// @inheritdoc IRootBridge
    function depositCredit(address rootToken, address to, uint256 amount, uint32 minGasLimit)
        external
        nonReentrant
        returns (bytes32 messageId)
    {
        if (to == address(0)) revert RootBridgeZeroAddress();
        _takeCredit(rootToken, msg.sender, amount);
        // The lockbox already holds it: this is a deposit without a transfer.
        messageId = _sendDeposit(rootToken, to, amount, minGasLimit);
    }

    function _depositETH(address to, uint256 minGasLimit) private returns (bytes32 messageId) {
        if (msg.value == 0) revert RootBridgeZeroAmount();
        if (to == address(0)) revert RootBridgeZeroAddress();
        // The value stays in this bridge: it holds the native currency, the lockbox the tokens.
        messageId = _sendDeposit(NATIVE_TOKEN, to, msg.value, minGasLimit);
    }

    function _depositERC20(address token, address to, uint256 amount, uint256 minGasLimit)
        private
        returns (bytes32 messageId)
    {
        if (amount == 0) revert RootBridgeZeroAmount();
        if (to == address(0)) revert RootBridgeZeroAddress();
        if (token.code.length == 0) revert RootBridgeTokenNotContract(token);
        uint256 before = IERC20(token).balanceOf(address(lockbox));
        IERC20(token).safeTransferFrom(msg.sender, address(lockbox), amount);
        uint256 received = IERC20(token).balanceOf(address(lockbox)) - before;
        if (received == 0) revert RootBridgeNothingReceived(token);
        messageId = _sendDeposit(token, to, received, minGasLimit);
    }

    /// @dev A queued withdrawal, as `finalizeWithdrawal` would have released it.
    function _executeRelease(bytes calldata payload) internal override {
        if (bytes4(payload[:4]) != IRootBridge.finalizeWithdrawal.selector) revert RootBridgeUnknownRelease(bytes4(payload[:4]));
        (address rootToken, address from, address to, uint256 amount) =
            abi.decode(payload[4:], (address, address, address, uint256));
        // Whoever executes picks the gas, unlike a relay (the messenger enforces the message's
        // limit): without a floor, too little gas would fail the release on purpose and turn it
        // into a credit. The floor is the default message gas limit.
        uint256 required = FINALIZE_GAS_LIMIT + CREDIT_GAS_RESERVE;
        if (gasleft() < required) revert RootBridgeReleaseGasTooLow(gasleft(), required);
        _releaseOrCredit(rootToken, from, to, amount);
    }

    function _releaseOrCredit(address rootToken, address from, address to, uint256 amount) private {
        // A release that cannot succeed must not leave the withdrawal stuck behind its message:
        // the amount stays locked, owed to the receiver (M-2).
        bool released;
        if (rootToken == NATIVE_TOKEN) {
            released = _sendNative(to, amount, gasleft() - CREDIT_GAS_RESERVE);
        } else {
            try lockbox.release{gas: gasleft() - CREDIT_GAS_RESERVE}(rootToken, to, amount) {
                released = true;
            } catch {
                released = false; // credited below
            }
        }
        if (released) {
            emit WithdrawalFinalized(rootToken, from, to, amount);
        } else {
            claimable[rootToken][to] += amount;
            emit WithdrawalCredited(rootToken, from, to, amount);
        }
    }

    /// @dev Pays out a credit: native currency from this bridge, tokens from the lockbox.
    function _release(address rootToken, address to, uint256 amount) private {
        if (rootToken == NATIVE_TOKEN) Address.sendValue(payable(to), amount);
        else lockbox.release(rootToken, to, amount);
    }

    /// @dev Sends native currency with at most `gasLimit`, copying no return data: a receiver cannot
    /// eat the reserve the credit needs with a huge return (a "return bomb"), as it could through a
    /// Solidity call, which copies it all. The balance is sufficient: it backs the child supply.
    function _sendNative(address to, uint256 amount, uint256 gasLimit) private returns (bool success) {
        assembly ("memory-safe") {
            success := call(gasLimit, to, amount, 0, 0, 0, 0)
        }
    }

    function _takeCredit(address rootToken, address account, uint256 amount) private {
        uint256 credit = claimable[rootToken][account];
        if (amount == 0 || amount > credit) revert RootBridgeInsufficientCredit(rootToken, account, credit, amount);
        claimable[rootToken][account] = credit - amount;
    }

    function _sendDeposit(address rootToken, address to, uint256 amount, uint256 minGasLimit)
        private
        returns (bytes32 messageId)
    {
        if (_flowLimited()) _consumeOutbound(rootToken, amount);
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
            gasLimit,
            minGasLimit
        );
        emit DepositInitiated(rootToken, msg.sender, to, amount, messageId);
    }
}
