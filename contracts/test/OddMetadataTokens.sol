// SPDX-License-Identifier: MIT
// solhint-disable one-contract-per-file
pragma solidity ^0.8.30;


import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice An ERC20 whose name, symbol and decimals all revert.
contract RevertingMetadataToken is ERC20 {
    error RevertingMetadataTokenNoMetadata();

    constructor() ERC20("", "") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function name() public pure override returns (string memory) {
        revert RevertingMetadataTokenNoMetadata();
    }

    function symbol() public pure override returns (string memory) {
        revert RevertingMetadataTokenNoMetadata();
    }

    function decimals() public pure override returns (uint8) {
        revert RevertingMetadataTokenNoMetadata();
    }
}

/// @notice An ERC20 whose name and symbol are bytes32, like MKR's.
contract Bytes32MetadataToken {
    bytes32 public constant name = "Maker";
    bytes32 public constant symbol = "MKR";
    uint8 public constant decimals = 18;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        allowance[from][msg.sender] -= amount;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        return true;
    }
}

/// @notice An ERC20 whose metadata calls burn all the gas they get.
contract GasBurningMetadataToken is ERC20 {
    constructor() ERC20("", "") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function name() public pure override returns (string memory) {
        // solhint-disable-next-line no-empty-blocks
        while (true) {}
        return "";
    }
}
