// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {CrossChainApp} from "../apps/CrossChainApp.sol";
import {IMessenger} from "../interfaces/IMessenger.sol";

/// @notice The smallest CrossChainApp, for tests: deployed on both chains, each side pings the
/// other and accepts pings only from the peer it was wired to.
contract CrossChainPinger is CrossChainApp {
    address public immutable deployer;

    /// @notice The peer on the other chain; the zero address until wired.
    address public peer;

    uint256 public total;
    uint256 public received;
    address public lastRemoteSender;

    event PeerSet(address peer);
    event PingSent(bytes32 indexed messageId, address indexed target, uint256 amount);
    event PingReceived(address indexed remoteSender, uint256 amount);

    error CrossChainPingerNotDeployer(address caller);

    constructor(IMessenger messenger_) CrossChainApp(messenger_) {
        deployer = msg.sender;
    }

    /// @notice Wires the peer (test-only: may be rewired by the deployer).
    function setPeer(address peer_) external {
        if (msg.sender != deployer) revert CrossChainPingerNotDeployer(msg.sender);
        peer = peer_;
        emit PeerSet(peer_);
    }

    /// @notice Sends `ping(amount)` to `target` on the other chain.
    function sendPing(address target, uint256 amount, uint256 gasLimit) external returns (bytes32 messageId) {
        messageId = _sendCrossChain(target, abi.encodeCall(this.ping, (amount)), gasLimit);
        emit PingSent(messageId, target, amount);
    }

    /// @notice Sends any calldata, built in memory by the caller's transaction.
    function sendRaw(address target, bytes calldata data, uint256 gasLimit) external returns (bytes32 messageId) {
        bytes memory copy = data;
        messageId = _sendCrossChain(target, copy, gasLimit);
    }

    /// @notice Takes a ping from the peer on the other chain.
    function ping(uint256 amount) external onlyCrossChain(peer) {
        total += amount;
        received += 1;
        lastRemoteSender = _crossChainSender();
        emit PingReceived(lastRemoteSender, amount);
    }
}
