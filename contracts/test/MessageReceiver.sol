// SPDX-License-Identifier: MIT
// solhint-disable one-contract-per-file
pragma solidity ^0.8.30;


import {IMessenger} from "../interfaces/IMessenger.sol";

/// @notice A message target for tests: records what it received, or reverts, or burns gas on demand.
contract MessageReceiver {
    IMessenger public immutable messenger;
    bool public shouldRevert;
    uint256 public calls;
    address public lastRemoteSender;
    bytes public lastPayload;

    event Received(address remoteSender, bytes payload, uint256 gasLeft);

    error MessageReceiverRefused();

    constructor(IMessenger messenger_) {
        messenger = messenger_;
    }

    function setShouldRevert(bool value) external {
        shouldRevert = value;
    }

    function receiveMessage(bytes calldata payload) external {
        if (shouldRevert) revert MessageReceiverRefused();
        calls += 1;
        lastRemoteSender = messenger.xDomainMessageSender();
        lastPayload = payload;
        emit Received(lastRemoteSender, payload, gasleft());
    }

    /// @dev Needs about `iterations` * 5,000 gas: a message whose gas limit is lower fails.
    function burn(uint256 iterations) external {
        for (uint256 i = 0; i < iterations; ++i) {
            assembly {
                sstore(add(0x1000, i), add(i, 1))
            }
        }
        calls += 1;
    }

    function returnBomb() external pure {
        assembly {
            return(0, 1000000)
        }
    }

    /// @dev Reverts with `reason` as raw revert data: any error encoding, of any length.
    function revertWith(bytes calldata reason) external pure {
        assembly {
            calldatacopy(0, reason.offset, reason.length)
            revert(0, reason.length)
        }
    }

    /// @dev Reverts with 1 MB of zero bytes (memory past Solidity's scratch space), paid for by the call's own gas.
    function revertBomb() external pure {
        assembly {
            revert(0x100, 1000000)
        }
    }
}

/// @notice A target that tries to relay or retry again while being executed.
contract ReentrantReceiver {
    IMessenger public immutable messenger;
    bytes public reentryCall;
    bool public reentrySucceeded;
    bytes public reentryError;

    constructor(IMessenger messenger_) {
        messenger = messenger_;
    }

    function setReentryCall(bytes calldata data) external {
        reentryCall = data;
    }

    function receiveMessage(bytes calldata) external {
        (bool ok, bytes memory err) = address(messenger).call(reentryCall);
        reentrySucceeded = ok;
        reentryError = err;
    }
}

/// @notice Refuses native currency.
contract EtherRejecter {
    error EtherRejecterRefused();

    receive() external payable {
        revert EtherRejecterRefused();
    }
}
