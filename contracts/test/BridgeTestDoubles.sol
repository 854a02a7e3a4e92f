// SPDX-License-Identifier: MIT
// solhint-disable one-contract-per-file
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IRootBridge} from "../interfaces/IRootBridge.sol";

/// @notice Stands in for the messenger in bridge unit tests: reports a chosen remote sender and
/// forwards calls to a bridge, bubbling their revert data (the real messenger swallows it).
contract BridgeMessengerStub {
    address public remoteSender;
    uint256 public nextNonce;

    event StubMessageSent(address target, bytes data, uint256 gasLimit);

    function setRemoteSender(address sender) external {
        remoteSender = sender;
    }

    function xDomainMessageSender() external view returns (address) {
        return remoteSender;
    }

    function sendMessage(address target, bytes calldata data, uint256 gasLimit) external returns (bytes32 messageId) {
        messageId = keccak256(abi.encode(nextNonce++, msg.sender, target, gasLimit, data));
        emit StubMessageSent(target, data, gasLimit);
    }

    /// @dev Calls `target` as the messenger would during a message from `remoteSender`.
    function forward(address target, bytes calldata data) external {
        (bool ok, bytes memory returned) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(returned, 0x20), mload(returned))
            }
        }
    }
}

/// @notice An ERC20 whose `transferFrom` calls back into the root bridge before moving tokens,
/// like a token with transfer hooks (ERC-777) in the hands of an attacker.
contract BridgeReentrantToken is ERC20 {
    IRootBridge public immutable bridge;
    /// 0: no reentry, 1: re-enter depositERC20, 2: re-enter depositETH.
    uint8 public mode;

    constructor(IRootBridge bridge_) payable ERC20("Reentrant", "REENTER") {
        bridge = bridge_;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setMode(uint8 mode_) external {
        mode = mode_;
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (mode == 1) bridge.depositERC20(address(this), from, value);
        if (mode == 2) bridge.depositETH{value: 1}(from);
        return super.transferFrom(from, to, value);
    }
}

/// @notice Refuses native currency until told to accept it: a withdrawal to it fails, then succeeds on retry.
contract BridgeSwitchableReceiver {
    bool public accepting;

    error BridgeSwitchableReceiverRefused();

    function setAccepting(bool value) external {
        accepting = value;
    }

    receive() external payable {
        if (!accepting) revert BridgeSwitchableReceiverRefused();
    }
}

/// @notice An ERC20 with a name of any length, to probe how much metadata a first deposit carries.
contract BridgeLongNameToken is ERC20 {
    uint256 public immutable nameLength;

    constructor(uint256 nameLength_) ERC20("", "LONG") {
        nameLength = nameLength_;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function name() public view override returns (string memory) {
        bytes memory out = new bytes(nameLength);
        for (uint256 i = 0; i < nameLength; ++i) out[i] = "n";
        return string(out);
    }
}

/// @notice An ERC20 whose `transferFrom` first makes a call chosen by anyone, like a token with
/// transfer hooks: during a deposit of it the root bridge holds its reentrancy lock.
contract BridgeHookToken is ERC20 {
    address public hookTarget;
    bytes public hookData;

    error BridgeHookTokenHookFailed(bytes reason);

    constructor() ERC20("Hook", "HOOK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setHook(address target, bytes calldata data) external {
        hookTarget = target;
        hookData = data;
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        address target = hookTarget;
        if (target != address(0)) {
            hookTarget = address(0);
            (bool ok, bytes memory reason) = target.call(hookData);
            if (!ok) revert BridgeHookTokenHookFailed(reason);
        }
        return super.transferFrom(from, to, value);
    }
}
