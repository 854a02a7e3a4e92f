// SPDX-License-Identifier: MIT
// solhint-disable one-contract-per-file
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IStakeManager} from "../interfaces/IStakeManager.sol";

/// @notice An ERC20 that, once armed, calls a chosen contract in the middle of its next transfer
/// (before balances move), and records how that call ended: a hostile stake token.
contract ReentrantStakeToken is ERC20 {
    address public hookTarget;
    bytes public hookData;
    bool public hookCalled;
    bool public hookSucceeded;
    bytes public hookResult;

    constructor() ERC20("Reentrant Stake", "RSTK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @dev Arms the hook for the next transfer between two non-zero accounts.
    function arm(address target, bytes calldata data) external {
        hookTarget = target;
        hookData = data;
        hookCalled = false;
    }

    function _update(address from, address to, uint256 value) internal override {
        address target = hookTarget;
        if (target != address(0) && from != address(0) && to != address(0)) {
            hookTarget = address(0);
            hookCalled = true;
            (hookSucceeded, hookResult) = target.call(hookData);
        }
        super._update(from, to, value);
    }
}

/// @notice A validator owner that is a contract and, when paid, tries once to withdraw again.
contract ReentrantStaker {
    IStakeManager public immutable stakeManager;
    bool public reenter;
    uint256 public received;
    uint256 public payments;
    bool public reentrySucceeded;
    bytes public reentryResult;

    constructor(IStakeManager stakeManager_) {
        stakeManager = stakeManager_;
    }

    function join(address signer, bytes calldata signerProof) external payable {
        stakeManager.join{value: msg.value}(signer, msg.value, signerProof);
    }

    function unstake(uint256 amount) external {
        stakeManager.unstake(amount);
    }

    function withdraw(bool reenter_) external {
        reenter = reenter_;
        stakeManager.withdraw(payable(address(this)));
    }

    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        received += msg.value;
        ++payments;
        if (reenter) {
            reenter = false;
            (reentrySucceeded, reentryResult) =
                address(stakeManager).call(abi.encodeCall(IStakeManager.withdraw, (payable(address(this)))));
        }
    }
}
