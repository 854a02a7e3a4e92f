// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IRootBridge
/// @notice Main-chain side of the token bridge: locks tokens and native currency, releases them on withdrawal.
interface IRootBridge {
    event DepositInitiated(
        address indexed rootToken,
        address indexed from,
        address indexed to,
        uint256 amount,
        bytes32 messageId
    );
    event TokenMapped(address indexed rootToken, string name, string symbol, uint8 decimals);
    event WithdrawalFinalized(address indexed rootToken, address indexed from, address indexed to, uint256 amount);

    error RootBridgeZeroAmount();
    error RootBridgeZeroAddress();
    error RootBridgeTokenNotContract(address token);
    error RootBridgeNothingReceived(address token);

    /// @notice Locks the sent native currency and mints as much on the child chain to `to`.
    /// @param to Receiver on the child chain.
    /// @return messageId The deposit message's id.
    function depositETH(address to) external payable returns (bytes32 messageId);

    /// @notice Locks `amount` of `token` and mints what the lockbox actually received on the child chain.
    /// @dev The first deposit of a token also carries its name, symbol and decimals.
    /// @param token Root token; the caller must have approved this bridge.
    /// @param to Receiver on the child chain.
    /// @param amount Amount pulled from the caller.
    /// @return messageId The deposit message's id.
    function depositERC20(address token, address to, uint256 amount) external returns (bytes32 messageId);

    /// @notice Releases a withdrawal from the child chain.
    /// @dev Only through the messenger, from the child bridge.
    /// @param rootToken Root token, or the native sentinel.
    /// @param from Who burnt the tokens on the child chain.
    /// @param to Receiver on the main chain.
    /// @param amount Amount burnt.
    function finalizeWithdrawal(address rootToken, address from, address to, uint256 amount) external;
}
