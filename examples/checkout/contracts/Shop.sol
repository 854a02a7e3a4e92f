// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {CrossChainApp} from "sidechain-kit/contracts/apps/CrossChainApp.sol";
import {IChildBridge} from "sidechain-kit/contracts/interfaces/IChildBridge.sol";
import {IChildERC20} from "sidechain-kit/contracts/interfaces/IChildERC20.sol";
import {IMessenger} from "sidechain-kit/contracts/interfaces/IMessenger.sol";
import {IOrderNotifier} from "./IOrderNotifier.sol";

/// @title Shop
/// @notice A merchant's shop on the child chain. The merchant lists products priced in tokens
/// bridged from the main chain; customers pay for orders in those tokens, which the shop holds in
/// escrow until the order settles or is cancelled. Settling an order moves its amount to the
/// merchant's revenue and tells the main chain's `OrderNotifier`; the revenue goes back to the
/// main chain through the token bridge.
/// @dev Order life: Placed → Shipped → Settled, or Placed → Cancelled (refund). Only tokens that
/// the child bridge deployed are accepted, so a withdrawal of revenue can always be released on the
/// main chain. Invariant, per token: balance held = escrow + revenue.
contract Shop is CrossChainApp, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice Gas for `OrderNotifier.recordSettlement` on the main chain (it writes one record).
    uint256 public constant NOTIFY_GAS_LIMIT = 150_000;

    enum OrderStatus {
        None,
        Placed,
        Shipped,
        Settled,
        Cancelled
    }

    struct Product {
        address token;
        bool active;
        uint256 price;
    }

    /// @dev Four storage slots: (customer, status), (token, quantity), productId, amount.
    struct Order {
        address customer;
        OrderStatus status;
        address token;
        uint96 quantity;
        uint256 productId;
        uint256 amount;
    }

    /// @notice The child-chain token bridge: pays revenue out to the main chain.
    IChildBridge public immutable childBridge;

    /// @notice Lists products, ships and settles orders, withdraws revenue.
    address public immutable merchant;

    /// @notice The merchant's address on the main chain, where withdrawn revenue is released.
    address public payoutAddress;

    /// @notice The `OrderNotifier` on the main chain; the zero address until wired.
    address public notifier;

    /// @notice Number of products listed; product ids run from 0.
    uint256 public productCount;

    /// @notice Number of orders placed; order ids run from 0.
    uint256 public orderCount;

    mapping(uint256 productId => Product) private _products;
    mapping(uint256 orderId => Order) private _orders;

    /// @notice Paid for orders not settled or cancelled yet, per token.
    mapping(address token => uint256) public escrowed;

    /// @notice Settled and not yet withdrawn, per token.
    mapping(address token => uint256) public revenue;

    event NotifierSet(address notifier);
    event PayoutAddressSet(address payoutAddress);
    event ProductListed(uint256 indexed productId, address indexed token, uint256 price);
    event ProductUpdated(uint256 indexed productId, uint256 price, bool active);
    event OrderPlaced(
        uint256 indexed orderId, uint256 indexed productId, address indexed customer, uint256 quantity, uint256 amount
    );
    event OrderCancelled(uint256 indexed orderId, address indexed by, uint256 refund);
    event OrderShipped(uint256 indexed orderId);
    event OrderSettled(uint256 indexed orderId, uint256 amount, bytes32 messageId);
    event RevenueWithdrawn(address indexed token, address indexed to, uint256 amount, bytes32 messageId);

    error ShopZeroAddress();
    error ShopNotMerchant(address caller);
    error ShopNotifierAlreadySet(address notifier);
    error ShopNotifierNotSet();
    error ShopNotABridgedToken(address token);
    error ShopZeroPrice();
    error ShopZeroQuantity();
    error ShopUnknownProduct(uint256 productId);
    error ShopProductInactive(uint256 productId);
    error ShopTotalAboveMax(uint256 total, uint256 maxTotal);
    error ShopUnknownOrder(uint256 orderId);
    error ShopWrongOrderStatus(uint256 orderId, OrderStatus status, OrderStatus expected);
    error ShopNotCustomerOrMerchant(uint256 orderId, address caller);
    error ShopNotEnoughRevenue(address token, uint256 requested, uint256 available);

    modifier onlyMerchant() {
        if (msg.sender != merchant) revert ShopNotMerchant(msg.sender);
        _;
    }

    /// @param messenger_ The Messenger of the child chain.
    /// @param childBridge_ The child chain's token bridge.
    /// @param merchant_ The shop's merchant.
    /// @param payoutAddress_ The merchant's address on the main chain.
    constructor(IMessenger messenger_, IChildBridge childBridge_, address merchant_, address payoutAddress_)
        CrossChainApp(messenger_)
    {
        if (address(childBridge_) == address(0) || merchant_ == address(0) || payoutAddress_ == address(0)) {
            revert ShopZeroAddress();
        }
        childBridge = childBridge_;
        merchant = merchant_;
        payoutAddress = payoutAddress_;
    }

    // ---------------------------------------------------------------- merchant

    /// @notice Wires the main chain's `OrderNotifier`, once.
    /// @dev The notifier is deployed after the shop, since it names the shop as its only sender.
    /// @param notifier_ The notifier on the main chain.
    function setNotifier(address notifier_) external onlyMerchant {
        if (notifier_ == address(0)) revert ShopZeroAddress();
        if (notifier != address(0)) revert ShopNotifierAlreadySet(notifier);
        notifier = notifier_;
        emit NotifierSet(notifier_);
    }

    /// @notice Changes where withdrawn revenue goes on the main chain.
    /// @param payoutAddress_ The merchant's new main-chain address.
    function setPayoutAddress(address payoutAddress_) external onlyMerchant {
        if (payoutAddress_ == address(0)) revert ShopZeroAddress();
        payoutAddress = payoutAddress_;
        emit PayoutAddressSet(payoutAddress_);
    }

    /// @notice Lists a product priced in `token`, a token bridged from the main chain.
    /// @param token A child token deployed by the child bridge.
    /// @param price Price of one unit, in the token's smallest unit.
    /// @return productId The new product's id.
    function listProduct(address token, uint256 price) external onlyMerchant returns (uint256 productId) {
        if (price == 0) revert ShopZeroPrice();
        if (!isBridgedToken(token)) revert ShopNotABridgedToken(token);
        productId = productCount++;
        _products[productId] = Product(token, true, price);
        emit ProductListed(productId, token, price);
    }

    /// @notice Changes a product's price or takes it off (or back on) sale; placed orders keep their price.
    /// @param productId The product.
    /// @param price New price of one unit.
    /// @param active Whether it can be ordered.
    function updateProduct(uint256 productId, uint256 price, bool active) external onlyMerchant {
        if (price == 0) revert ShopZeroPrice();
        Product storage product = _productOf(productId);
        product.price = price;
        product.active = active;
        emit ProductUpdated(productId, price, active);
    }

    /// @notice Marks a placed order shipped: from now on it can no longer be cancelled.
    /// @param orderId The order.
    function markShipped(uint256 orderId) external onlyMerchant {
        Order storage order = _orderIn(orderId, OrderStatus.Placed);
        order.status = OrderStatus.Shipped;
        emit OrderShipped(orderId);
    }

    /// @notice Settles shipped orders: their amounts become revenue, and the main chain's
    /// `OrderNotifier` gets one message per order.
    /// @dev Each message is checkpointed and relayed like any other child → main message; until it
    /// is, the main chain does not know of the settlement.
    /// @param orderIds The orders, each Shipped.
    /// @return messageIds The settlement message of each order.
    function settle(uint256[] calldata orderIds) external onlyMerchant returns (bytes32[] memory messageIds) {
        address notifier_ = notifier;
        if (notifier_ == address(0)) revert ShopNotifierNotSet();
        messageIds = new bytes32[](orderIds.length);
        for (uint256 i = 0; i < orderIds.length; ++i) {
            uint256 orderId = orderIds[i];
            Order storage order = _orderIn(orderId, OrderStatus.Shipped);
            order.status = OrderStatus.Settled;
            escrowed[order.token] -= order.amount;
            revenue[order.token] += order.amount;
            bytes memory call = abi.encodeCall(
                IOrderNotifier.recordSettlement,
                (orderId, order.customer, IChildERC20(order.token).rootToken(), order.amount)
            );
            messageIds[i] = _sendCrossChain(notifier_, call, NOTIFY_GAS_LIMIT);
            emit OrderSettled(orderId, order.amount, messageIds[i]);
        }
    }

    /// @notice Withdraws settled revenue to the merchant's main-chain address through the bridge.
    /// @dev The child bridge burns the tokens here and sends their release to the main chain.
    /// @param token The child token.
    /// @param amount How much of the revenue in `token`.
    /// @return messageId The bridge's withdrawal message.
    function withdrawRevenue(address token, uint256 amount) external onlyMerchant nonReentrant returns (bytes32 messageId) {
        uint256 available = revenue[token];
        if (amount > available) revert ShopNotEnoughRevenue(token, amount, available);
        revenue[token] = available - amount;
        address to = payoutAddress;
        messageId = childBridge.withdraw(token, to, amount);
        emit RevenueWithdrawn(token, to, amount, messageId);
    }

    // ---------------------------------------------------------------- customers

    /// @notice Orders `quantity` units of a product and pays for them now; the customer must have
    /// approved the shop for the product's token.
    /// @param productId The product.
    /// @param quantity Units.
    /// @param maxTotal Most the customer will pay, in case the price changed since they looked.
    /// @return orderId The new order's id.
    function placeOrder(uint256 productId, uint96 quantity, uint256 maxTotal)
        external
        nonReentrant
        returns (uint256 orderId)
    {
        if (quantity == 0) revert ShopZeroQuantity();
        Product storage product = _productOf(productId);
        if (!product.active) revert ShopProductInactive(productId);
        uint256 total = product.price * quantity;
        if (total > maxTotal) revert ShopTotalAboveMax(total, maxTotal);
        address token = product.token;
        orderId = orderCount++;
        _orders[orderId] = Order(msg.sender, OrderStatus.Placed, token, quantity, productId, total);
        escrowed[token] += total;
        emit OrderPlaced(orderId, productId, msg.sender, quantity, total);
        IERC20(token).safeTransferFrom(msg.sender, address(this), total);
    }

    /// @notice Cancels an order that has not shipped and refunds its customer in full.
    /// @dev The customer or the merchant (for example when out of stock) may cancel.
    /// @param orderId The order, Placed.
    function cancelOrder(uint256 orderId) external nonReentrant {
        Order storage order = _orderIn(orderId, OrderStatus.Placed);
        if (msg.sender != order.customer && msg.sender != merchant) {
            revert ShopNotCustomerOrMerchant(orderId, msg.sender);
        }
        order.status = OrderStatus.Cancelled;
        escrowed[order.token] -= order.amount;
        emit OrderCancelled(orderId, msg.sender, order.amount);
        IERC20(order.token).safeTransfer(order.customer, order.amount);
    }

    // ---------------------------------------------------------------- views

    /// @notice A listed product.
    /// @param productId The product.
    /// @return The product.
    function products(uint256 productId) external view returns (Product memory) {
        return _productOf(productId);
    }

    /// @notice An order.
    /// @param orderId The order.
    /// @return The order.
    function orders(uint256 orderId) external view returns (Order memory) {
        if (orderId >= orderCount) revert ShopUnknownOrder(orderId);
        return _orders[orderId];
    }

    /// @notice Whether `token` is a child token deployed by the child bridge.
    /// @dev Its address must be where the bridge deploys the child token of the root token it names
    /// (CREATE2): a look-alike token elsewhere cannot pass, whatever it claims.
    /// @param token The candidate.
    /// @return True for a bridged token.
    function isBridgedToken(address token) public view returns (bool) {
        if (token.code.length == 0) return false;
        try IChildERC20(token).rootToken() returns (address rootToken) {
            return rootToken != address(0) && childBridge.predictChildToken(rootToken) == token;
        } catch {
            return false;
        }
    }

    function _productOf(uint256 productId) private view returns (Product storage) {
        if (productId >= productCount) revert ShopUnknownProduct(productId);
        return _products[productId];
    }

    function _orderIn(uint256 orderId, OrderStatus expected) private view returns (Order storage order) {
        if (orderId >= orderCount) revert ShopUnknownOrder(orderId);
        order = _orders[orderId];
        if (order.status != expected) revert ShopWrongOrderStatus(orderId, order.status, expected);
    }
}
