// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IRootBridge
/// @notice Main-chain side of the token bridge: locks tokens (in its lockbox) and native currency (in
/// itself), releases them on withdrawal.
interface IRootBridge {
    event DepositInitiated(
        address indexed rootToken,
        address indexed from,
        address indexed to,
        uint256 amount,
        bytes32 messageId
    );
    event TokenMapped(address indexed rootToken, string name, string symbol, uint8 decimals);
    /// @notice A withdrawal released to its receiver.
    event WithdrawalFinalized(address indexed rootToken, address indexed from, address indexed to, uint256 amount);
    /// @notice A withdrawal whose release failed, credited to its receiver (`claimable`).
    event WithdrawalCredited(address indexed rootToken, address indexed from, address indexed to, uint256 amount);
    /// @notice A credited withdrawal claimed by its receiver `account`, paid to `to`.
    event WithdrawalClaimed(address indexed rootToken, address indexed account, address indexed to, uint256 amount);

    error RootBridgeZeroAmount();
    error RootBridgeZeroAddress();
    error RootBridgeTokenNotContract(address token);
    error RootBridgeNothingReceived(address token);
    error RootBridgeInsufficientCredit(address rootToken, address account, uint256 credit, uint256 requested);
    /// @notice A queued release whose payload is no call this bridge queues.
    error RootBridgeUnknownRelease(bytes4 selector);
    /// @notice A queued release executed with less gas than a withdrawal's default limit leaves its payout.
    error RootBridgeReleaseGasTooLow(uint256 gasLeft, uint256 required);

    /// @notice Locks the sent native currency and mints as much on the child chain to `to`.
    /// @dev Its message gets the default gas limit (200,000, or 3,000,000 for the first deposit of ETH).
    /// @param to Receiver on the child chain.
    /// @return messageId The deposit message's id.
    function depositETH(address to) external payable returns (bytes32 messageId);

    /// @notice `depositETH` whose message gets at least `minGasLimit` gas on the child chain.
    /// @param to Receiver on the child chain.
    /// @param minGasLimit Gas floor of the message; the default applies when it is lower.
    /// @return messageId The deposit message's id.
    function depositETHWithGasLimit(address to, uint32 minGasLimit) external payable returns (bytes32 messageId);

    /// @notice Locks `amount` of `token` and mints what the lockbox actually received on the child chain.
    /// @dev The first deposit of a token also carries its name, symbol and decimals.
    /// @param token Root token; the caller must have approved this bridge.
    /// @param to Receiver on the child chain.
    /// @param amount Amount pulled from the caller.
    /// @return messageId The deposit message's id.
    function depositERC20(address token, address to, uint256 amount) external returns (bytes32 messageId);

    /// @notice `depositERC20` whose message gets at least `minGasLimit` gas on the child chain.
    /// @param token Root token; the caller must have approved this bridge.
    /// @param to Receiver on the child chain.
    /// @param amount Amount pulled from the caller.
    /// @param minGasLimit Gas floor of the message; the default applies when it is lower.
    /// @return messageId The deposit message's id.
    function depositERC20WithGasLimit(address token, address to, uint256 amount, uint32 minGasLimit)
        external
        returns (bytes32 messageId);

    /// @notice Releases a withdrawal from the child chain, or credits it to `to` when the release fails;
    /// over the inbound rate limit, queues it (`FlowControl.executeQueuedRelease`).
    /// @dev Only through the messenger, from the child bridge.
    /// @param rootToken Root token, or the native sentinel.
    /// @param from Who burnt the tokens on the child chain.
    /// @param to Receiver on the main chain.
    /// @param amount Amount burnt.
    function finalizeWithdrawal(address rootToken, address from, address to, uint256 amount) external;

    /// @notice Pays out part or all of the caller's credited withdrawals of `rootToken` to `to`.
    /// @dev For a receiver whose release failed: one that refuses ETH, or is blocklisted by the
    /// token, claims to another address.
    /// @param rootToken Root token, or the native sentinel.
    /// @param to Receiver of the funds.
    /// @param amount Amount, at most `claimable(rootToken, caller)`.
    function claimWithdrawal(address rootToken, address to, uint256 amount) external;

    /// @notice Pays part or all of `account`'s credited withdrawals of `rootToken` to `account` itself.
    /// @dev Anyone may call it: for a contract that refused the release and cannot call the bridge,
    /// once it accepts the funds.
    /// @param rootToken Root token, or the native sentinel.
    /// @param account The receiver the withdrawals named, and paid now.
    /// @param amount Amount, at most `claimable(rootToken, account)`.
    function releaseCredit(address rootToken, address account, uint256 amount) external;

    /// @notice Sends part or all of the caller's credited withdrawals back to the child chain,
    /// minted there to `to`, for a credit no transfer can pay out (below a token's fixed fee).
    /// @param rootToken Root token, or the native sentinel.
    /// @param to Receiver on the child chain.
    /// @param amount Amount, at most `claimable(rootToken, caller)`.
    /// @param minGasLimit Gas floor of the deposit message; the default applies when it is lower.
    /// @return messageId The deposit message's id.
    function depositCredit(address rootToken, address to, uint256 amount, uint32 minGasLimit)
        external
        returns (bytes32 messageId);

    /// @notice Credited withdrawals of `rootToken` that `account` may claim.
    /// @param rootToken Root token, or the native sentinel.
    /// @param account The receiver the withdrawals named.
    /// @return The amount.
    function claimable(address rootToken, address account) external view returns (uint256);
}
