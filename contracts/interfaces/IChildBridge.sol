// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IChildBridge
/// @notice Child-chain side of the token bridge: mints child tokens on deposit, burns them on withdrawal.
interface IChildBridge {
    event DepositFinalized(
        address indexed rootToken,
        address indexed childToken,
        address from,
        address indexed to,
        uint256 amount
    );
    event ChildTokenDeployed(address indexed rootToken, address indexed childToken, string name, string symbol, uint8 decimals);
    event WithdrawalInitiated(
        address indexed rootToken,
        address indexed childToken,
        address indexed from,
        address to,
        uint256 amount,
        bytes32 messageId
    );

    error ChildBridgeZeroAmount();
    error ChildBridgeZeroAddress();
    error ChildBridgeUnknownToken(address childToken);
    error ChildBridgeTokenNotDeployed(address rootToken);
    error ChildBridgeNotDeploying();
    /// @notice A queued release whose payload is no call this bridge queues.
    error ChildBridgeUnknownRelease(bytes4 selector);

    /// @notice Mints a deposit from the main chain, deploying the child token on the first one.
    /// @dev Only through the messenger, from the root bridge.
    /// @param rootToken Root token, or the native sentinel.
    /// @param from Depositor on the main chain.
    /// @param to Receiver on this chain.
    /// @param amount Amount locked on the main chain.
    /// @param metadata abi.encode(name, symbol, decimals) on a token's first deposit, else empty.
    function finalizeDeposit(address rootToken, address from, address to, uint256 amount, bytes calldata metadata)
        external;

    /// @notice Burns `amount` of the caller's `childToken` and sends its release to `to` on the main chain.
    /// @param childToken A child token deployed by this bridge.
    /// @param to Receiver on the main chain.
    /// @param amount Amount to burn.
    /// @return messageId The withdrawal message's id.
    function withdraw(address childToken, address to, uint256 amount) external returns (bytes32 messageId);

    /// @notice `withdraw` whose release message gets at least `minGasLimit` gas on the main chain,
    /// for a receiver or token that needs more than the default 200,000.
    /// @param childToken A child token deployed by this bridge.
    /// @param to Receiver on the main chain.
    /// @param amount Amount to burn.
    /// @param minGasLimit Gas floor of the message; the default applies when it is lower.
    /// @return messageId The withdrawal message's id.
    function withdrawWithGasLimit(address childToken, address to, uint256 amount, uint32 minGasLimit)
        external
        returns (bytes32 messageId);

    /// @notice Where the child token of `rootToken` is, or will be, deployed.
    /// @param rootToken Root token, or the native sentinel.
    /// @return The CREATE2 address.
    function predictChildToken(address rootToken) external view returns (address);

    /// @notice Constructor arguments of the child token being deployed; read by its constructor.
    /// @return name Token name.
    /// @return symbol Token symbol.
    /// @return decimals Token decimals.
    /// @return rootToken The root token it represents.
    function childTokenParameters()
        external
        view
        returns (string memory name, string memory symbol, uint8 decimals, address rootToken);
}
