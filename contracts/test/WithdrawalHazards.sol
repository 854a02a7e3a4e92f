// SPDX-License-Identifier: MIT
// solhint-disable one-contract-per-file
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IRootBridge} from "../interfaces/IRootBridge.sol";

/// @notice Receivers and tokens a withdrawal's release can fail on (issue 9, M-2): each one left a
/// withdrawal stuck for good before releases that fail were credited and retries could add gas.

/// @notice A wallet whose `receive()` needs about `GAS` gas (it writes fresh storage slots), more than
/// a withdrawal's default gas limit leaves it. It can claim a credited withdrawal for itself.
contract GasHungryReceiver {
    uint256 public constant SLOTS = 11;
    uint256 public received;
    mapping(uint256 => uint256) private _scratch;
    uint256 private _next;

    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        for (uint256 i = 0; i < SLOTS; ++i) _scratch[_next++] = 1;
        received += msg.value;
    }

    function claim(IRootBridge bridge, address token, address to, uint256 amount) external {
        bridge.claimWithdrawal(token, to, amount);
    }
}

/// @notice An ERC20 whose every transfer costs about 250,000 gas (fresh storage slots).
contract GasHeavyToken is ERC20 {
    uint256 public constant SLOTS = 11;
    mapping(uint256 => uint256) private _scratch;
    uint256 private _next;

    constructor() ERC20("Gas Heavy", "HEAVY") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0)) {
            for (uint256 i = 0; i < SLOTS; ++i) _scratch[_next++] = 1;
        }
        super._update(from, to, value);
    }
}

/// @notice An ERC20 that takes a fixed fee from every transfer, and refuses a transfer below it.
contract FixedFeeToken is ERC20 {
    uint256 public immutable fee;
    address public immutable feeCollector;

    error FixedFeeTokenBelowFee(uint256 amount, uint256 fee);

    constructor(uint256 fee_) ERC20("Fixed Fee", "FIXED") {
        fee = fee_;
        feeCollector = msg.sender;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        if (value < fee) revert FixedFeeTokenBelowFee(value, fee);
        super._update(from, feeCollector, fee);
        super._update(from, to, value - fee);
    }
}

/// @notice An ERC20 with a blocklist (as USDC and USDT have): a blocklisted address can neither send nor receive.
contract BlocklistToken is ERC20 {
    mapping(address => bool) public blocked;

    error BlocklistTokenBlocked(address account);

    constructor() ERC20("Blocklist", "BLOCK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocked(address account, bool value) external {
        blocked[account] = value;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[from]) revert BlocklistTokenBlocked(from);
        if (blocked[to]) revert BlocklistTokenBlocked(to);
        super._update(from, to, value);
    }
}

/// @notice A rebasing ERC20: balances are shares times an index that the owner moves up or down,
/// as stETH's or AMPL's do. A negative rebase leaves the lockbox holding less than it owes.
contract RebasingToken is ERC20 {
    uint256 public constant ONE = 1e18;
    uint256 public index = ONE;

    constructor() ERC20("Rebasing", "REBASE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, (amount * ONE) / index);
    }

    /// @param newIndex Balance per share, 1e18 being 1.
    function rebase(uint256 newIndex) external {
        index = newIndex;
    }

    function balanceOf(address account) public view override returns (uint256) {
        return (super.balanceOf(account) * index) / ONE;
    }

    function totalSupply() public view override returns (uint256) {
        return (super.totalSupply() * index) / ONE;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, (value * ONE) / index);
    }
}

/// @notice A contract that refuses ETH but can claim what the bridge credited it, to any address.
contract CreditOwner {
    IRootBridge public immutable bridge;

    error CreditOwnerRefused();

    constructor(IRootBridge bridge_) {
        bridge = bridge_;
    }

    receive() external payable {
        revert CreditOwnerRefused();
    }

    function claim(address token, address to, uint256 amount) external {
        bridge.claimWithdrawal(token, to, amount);
    }
}
