// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IMessenger} from "../interfaces/IMessenger.sol";

/// @title TokenBridge
/// @notice What both token bridges share: the messenger, the counterpart bridge on the other
/// chain, and the check that a call comes from that counterpart through the messenger.
/// @dev The two sides differ only in what they do with funds, in `RootBridge` (lock, release)
/// and `ChildBridge` (burn, mint).
abstract contract TokenBridge is AccessControl, ReentrancyGuardTransient {
    /// @notice Stands for the main chain's native currency wherever a token address is expected.
    address public constant NATIVE_TOKEN = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;

    /// @notice Gas for a deposit or withdrawal to finalize on the other chain, unless its sender asks
    /// for more. It is a floor: a relay may forward more, and a retry of a failed one may too.
    uint256 public constant FINALIZE_GAS_LIMIT = 200_000;

    /// @notice The messenger on this chain.
    IMessenger public immutable messenger;

    /// @notice The bridge on the other chain, the only sender whose messages move funds here.
    address public counterpart;

    /// @dev How many (token, direction) pairs have a rate limit (`FlowControl`). Declared beside
    /// `counterpart`, which every deposit and release reads anyway, so that they share a slot and
    /// a bridge without limits pays one warm read for them.
    uint32 internal _limitedFlows;

    event CounterpartSet(address counterpart);

    error TokenBridgeZeroAddress();
    error TokenBridgeCounterpartAlreadySet(address counterpart);
    error TokenBridgeNotFromCounterpart(address caller, address remoteSender);

    /// @dev Only the counterpart bridge, through the messenger, may finalize a transfer.
    modifier onlyCounterpart() {
        if (msg.sender != address(messenger)) revert TokenBridgeNotFromCounterpart(msg.sender, address(0));
        address remoteSender = messenger.xDomainMessageSender();
        if (remoteSender != counterpart || remoteSender == address(0)) {
            revert TokenBridgeNotFromCounterpart(msg.sender, remoteSender);
        }
        _;
    }

    /// @param admin Governance: wires the counterpart.
    /// @param messenger_ The messenger on this chain.
    constructor(address admin, IMessenger messenger_) {
        if (admin == address(0) || address(messenger_) == address(0)) revert TokenBridgeZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        messenger = messenger_;
    }

    /// @notice Wires the bridge of the other chain, once.
    /// @dev Governance only; it cannot be changed afterwards.
    /// @param remote The other chain's bridge.
    function setCounterpart(address remote) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (remote == address(0)) revert TokenBridgeZeroAddress();
        if (counterpart != address(0)) revert TokenBridgeCounterpartAlreadySet(counterpart);
        counterpart = remote;
        emit CounterpartSet(remote);
    }

    /// @dev Sends `call` to the counterpart bridge with `gasLimit`, or the sender's `minGasLimit` if higher.
    function _sendToCounterpart(bytes memory call, uint256 gasLimit, uint256 minGasLimit)
        internal
        returns (bytes32 messageId)
    {
        return messenger.sendMessage(counterpart, call, minGasLimit > gasLimit ? minGasLimit : gasLimit);
    }
}
