// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IOrderNotifier
/// @notice Main-chain record of the orders a child-chain `Shop` settled.
interface IOrderNotifier {
    /// @notice A settled order, as the shop reported it.
    struct Settlement {
        address customer;
        uint64 recordedAt;
        address rootToken;
        uint256 amount;
    }

    event SettlementRecorded(uint256 indexed orderId, address indexed customer, address indexed rootToken, uint256 amount);

    error OrderNotifierZeroShop();
    error OrderNotifierDuplicateOrder(uint256 orderId);

    /// @notice Records that the shop settled `orderId`.
    /// @dev Only through the Messenger, from the shop on the child chain. An order is recorded
    /// once: a second message for it reverts, so the Messenger marks it failed.
    /// @param orderId The shop's order id.
    /// @param customer Who paid, on the child chain.
    /// @param rootToken The main-chain token the order was paid in (bridged).
    /// @param amount The amount paid.
    function recordSettlement(uint256 orderId, address customer, address rootToken, uint256 amount) external;
}
