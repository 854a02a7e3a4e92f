// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MainMintableERC20
/// @notice A child-chain ERC20 on the main chain. `RootAssetBridge` mints it when the child token
/// exits (it is locked in the child chain's lockbox) and burns it when it goes back; no one else can.
/// @dev An EIP-1167 clone per child token, at a CREATE2 address that depends on the child token
/// alone, initialized in its deploying transaction; the implementation can never be initialized.
/// No permit: EIP-712's cached domain lives in immutables, which a clone does not have.
contract MainMintableERC20 is ERC20 {
    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice The bridge that deployed this token, the only minter and burner.
    address public bridge;

    /// @notice The child-chain token this token represents.
    address public childToken;

    string private _tokenName;
    string private _tokenSymbol;
    uint8 private _tokenDecimals;

    error MainMintableERC20OnlyBridge(address caller);
    error MainMintableERC20AlreadyInitialized();

    modifier onlyBridge() {
        if (msg.sender != bridge) revert MainMintableERC20OnlyBridge(msg.sender);
        _;
    }

    constructor() ERC20("", "") {
        // Locks the implementation: `initialize` needs an unset bridge.
        bridge = msg.sender;
    }

    /// @notice Sets the clone up for `childToken_`; called by the bridge in the clone's deploying transaction.
    /// @param childToken_ The child token.
    /// @param name_ Its name.
    /// @param symbol_ Its symbol.
    /// @param decimals_ Its decimals.
    function initialize(address childToken_, string calldata name_, string calldata symbol_, uint8 decimals_) external {
        if (bridge != address(0)) revert MainMintableERC20AlreadyInitialized();
        bridge = msg.sender;
        childToken = childToken_;
        _tokenName = name_;
        _tokenSymbol = symbol_;
        _tokenDecimals = decimals_;
    }

    /// @notice Mints `amount` to `to`.
    /// @param to Receiver.
    /// @param amount Amount.
    function mint(address to, uint256 amount) external onlyBridge {
        _mint(to, amount);
    }

    /// @notice Burns `amount` from `from`.
    /// @param from Holder.
    /// @param amount Amount.
    function burn(address from, uint256 amount) external onlyBridge {
        _burn(from, amount);
    }

    /// @notice The child token's name.
    /// @return The name.
    function name() public view override returns (string memory) {
        return _tokenName;
    }

    /// @notice The child token's symbol.
    /// @return The symbol.
    function symbol() public view override returns (string memory) {
        return _tokenSymbol;
    }

    /// @notice The child token's decimals.
    /// @return The decimals.
    function decimals() public view override returns (uint8) {
        return _tokenDecimals;
    }
}
