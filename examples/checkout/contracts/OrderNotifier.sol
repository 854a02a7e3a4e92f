// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {CrossChainApp} from "sidechain-kit/contracts/apps/CrossChainApp.sol";
import {IMessenger} from "sidechain-kit/contracts/interfaces/IMessenger.sol";
import {IOrderNotifier} from "./IOrderNotifier.sol";

/// @title OrderNotifier
/// @notice The main chain's view of a child-chain `Shop`: one record per settled order, for the
/// merchant's books, invoicing or fulfilment systems that live on the main chain.
/// @dev Trusts only the shop, through the main chain's Messenger (`onlyCrossChain`). A record
/// arrives after the child block that settled the order is in a final checkpoint here.
contract OrderNotifier is IOrderNotifier, CrossChainApp {
    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice The shop on the child chain, the only sender whose messages are recorded.
    address public immutable shop;

    /// @notice Number of settlements recorded.
    uint256 public settledCount;

    /// @notice Settled volume per main-chain token.
    mapping(address rootToken => uint256) public settledVolume;

    mapping(uint256 orderId => Settlement) private _settlements;

    /// @param messenger_ The Messenger of the main chain.
    /// @param shop_ The shop on the child chain.
    constructor(IMessenger messenger_, address shop_) CrossChainApp(messenger_) {
        if (shop_ == address(0)) revert OrderNotifierZeroShop();
        shop = shop_;
    }

    /// @inheritdoc IOrderNotifier
    function recordSettlement(uint256 orderId, address customer, address rootToken, uint256 amount)
        external
        onlyCrossChain(shop)
    {
        // Replay guard at the app level: the Messenger runs each message once, but a second message
        // about one order (a shop bug) must not count its volume twice.
        if (_settlements[orderId].recordedAt != 0) revert OrderNotifierDuplicateOrder(orderId);
        _settlements[orderId] = Settlement(customer, uint64(block.timestamp), rootToken, amount);
        settledCount += 1;
        settledVolume[rootToken] += amount;
        emit SettlementRecorded(orderId, customer, rootToken, amount);
    }

    /// @notice The record of a settled order; `recordedAt` is zero for an order not recorded.
    /// @param orderId The shop's order id.
    /// @return The settlement.
    function settlements(uint256 orderId) external view returns (Settlement memory) {
        return _settlements[orderId];
    }
}
