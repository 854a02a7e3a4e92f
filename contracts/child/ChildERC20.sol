// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IChildBridge} from "../interfaces/IChildBridge.sol";
import {IChildERC20} from "../interfaces/IChildERC20.sol";

/// @title ChildERC20
/// @notice A main-chain token on the child chain, with EIP-2612 permit. Its bridge mints it on
/// deposit and burns it on withdrawal; no one else can.
/// @dev The constructor takes no arguments and reads them from the deploying bridge, so the
/// CREATE2 address depends on the root token alone (the salt), not on its metadata.
contract ChildERC20 is IChildERC20, ERC20Permit {
    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @inheritdoc IChildERC20
    address public immutable bridge;

    /// @inheritdoc IChildERC20
    address public immutable rootToken;

    uint8 private immutable _decimals;

    modifier onlyBridge() {
        if (msg.sender != bridge) revert ChildERC20OnlyBridge(msg.sender);
        _;
    }

    /// @dev OpenZeppelin's EIP712 keeps its name in a ShortString (at most 31 bytes). Longer token
    /// names are cut for the permit domain only; wallets read it from `eip712Domain()` (ERC-5267).
    uint256 private constant MAX_DOMAIN_NAME_BYTES = 31;

    constructor() ERC20(_parameterName(), _parameterSymbol()) ERC20Permit(_domainName()) {
        (, , uint8 decimals_, address rootToken_) = IChildBridge(msg.sender).childTokenParameters();
        bridge = msg.sender;
        rootToken = rootToken_;
        _decimals = decimals_;
    }

    /// @inheritdoc IChildERC20
    function mint(address to, uint256 amount) external onlyBridge {
        _mint(to, amount);
    }

    /// @inheritdoc IChildERC20
    function burn(address from, uint256 amount) external onlyBridge {
        _burn(from, amount);
    }

    /// @notice Decimals of the root token.
    /// @return The decimals.
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    function _parameterName() private view returns (string memory name_) {
        (name_, , , ) = IChildBridge(msg.sender).childTokenParameters();
    }

    function _domainName() private view returns (string memory) {
        bytes memory name_ = bytes(_parameterName());
        if (name_.length <= MAX_DOMAIN_NAME_BYTES) return string(name_);
        bytes memory cut = new bytes(MAX_DOMAIN_NAME_BYTES);
        for (uint256 i = 0; i < MAX_DOMAIN_NAME_BYTES; ++i) cut[i] = name_[i];
        return string(cut);
    }

    function _parameterSymbol() private view returns (string memory symbol_) {
        (, symbol_, , ) = IChildBridge(msg.sender).childTokenParameters();
    }
}
