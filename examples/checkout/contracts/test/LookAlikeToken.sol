// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A token that claims to be the child token of `rootToken` without being deployed by the
/// child bridge: a shop must not take it as payment, since the bridge would not release it.
contract LookAlikeToken is ERC20 {
    address public immutable rootToken;

    constructor(address rootToken_) ERC20("Test USD", "tUSD") {
        rootToken = rootToken_;
        _mint(msg.sender, 1e24);
    }
}
