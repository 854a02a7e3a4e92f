// SPDX-License-Identifier: MIT
// solhint-disable one-contract-per-file
// Reverting with strings on purpose: these stand for third-party tokens, which mostly do.
// solhint-disable gas-custom-errors
pragma solidity ^0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IRootAssetBridge} from "../interfaces/IRootAssetBridge.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @notice An ERC721 anyone can mint, with a URI per token.
contract TestERC721 is ERC721 {
    mapping(uint256 => string) private _uris;

    constructor(string memory name_, string memory symbol_) ERC721(name_, symbol_) {}

    function mint(address to, uint256 tokenId, string calldata uri) external {
        _mint(to, tokenId);
        _uris[tokenId] = uri;
    }

    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return _uris[tokenId];
    }
}

/// @notice An ERC721 whose `name`, `symbol` and `tokenURI` all revert.
contract RevertingMetadataERC721 is ERC721 {
    constructor() ERC721("", "") {}

    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }

    function name() public pure override returns (string memory) {
        revert("no name");
    }

    function symbol() public pure override returns (string memory) {
        revert("no symbol");
    }

    function tokenURI(uint256) public pure override returns (string memory) {
        revert("no uri");
    }
}

/// @notice An ERC1155 anyone can mint, with a URI per id, a name and a symbol.
contract TestERC1155 is ERC1155 {
    string public name = "Test Items";
    string public symbol = "ITEM";
    mapping(uint256 => string) private _uris;

    constructor() ERC1155("") {}

    function mint(address to, uint256 id, uint256 amount, string calldata uri_) external {
        _mint(to, id, amount, "");
        if (bytes(uri_).length != 0) _uris[id] = uri_;
    }

    function uri(uint256 id) public view override returns (string memory) {
        return _uris[id];
    }
}

/// @notice An ERC1155 whose `uri` reverts and that has no name or symbol.
contract RevertingURIERC1155 is ERC1155 {
    constructor() ERC1155("") {}

    function mint(address to, uint256 id, uint256 amount) external {
        _mint(to, id, amount, "");
    }

    function uri(uint256) public pure override returns (string memory) {
        revert("no uri");
    }
}

/// @notice A receiver on the main chain that, when a withdrawal releases a token to it, either
/// refuses it (mode 1) or re-enters the bridge and deposits it straight back (mode 2).
contract AssetReceiverHazard is IERC721Receiver, IERC1155Receiver {
    IRootAssetBridge public immutable bridge;
    uint8 public mode;

    constructor(IRootAssetBridge bridge_) {
        bridge = bridge_;
    }

    function setMode(uint8 mode_) external {
        mode = mode_;
    }

    function onERC721Received(address, address from, uint256 tokenId, bytes calldata) external returns (bytes4) {
        if (mode == 1) revert("refused");
        if (mode == 2 && from == address(bridge)) {
            IERC721(msg.sender).approve(address(bridge), tokenId);
            bridge.depositERC721(msg.sender, address(this), tokenId);
        }
        return IERC721Receiver.onERC721Received.selector;
    }

    function onERC1155Received(address, address from, uint256 id, uint256 amount, bytes calldata)
        external
        returns (bytes4)
    {
        if (mode == 1) revert("refused");
        if (mode == 2 && from == address(bridge)) {
            IERC1155(msg.sender).setApprovalForAll(address(bridge), true);
            bridge.depositERC1155(msg.sender, address(this), id, amount);
        }
        return IERC1155Receiver.onERC1155Received.selector;
    }

    function onERC1155BatchReceived(address, address from, uint256[] calldata ids, uint256[] calldata amounts, bytes calldata)
        external
        returns (bytes4)
    {
        if (mode == 1) revert("refused");
        if (mode == 2 && from == address(bridge)) {
            IERC1155(msg.sender).setApprovalForAll(address(bridge), true);
            bridge.depositERC1155Batch(msg.sender, address(this), ids, amounts, 0);
        }
        return IERC1155Receiver.onERC1155BatchReceived.selector;
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC721Receiver).interfaceId || interfaceId == type(IERC1155Receiver).interfaceId;
    }
}

/// @notice A dapp's ERC20 created on the child chain: its owner mints.
contract DappERC20 is ERC20, Ownable {
    constructor() ERC20("Game Gold", "GOLD") Ownable(msg.sender) {}

    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}

/// @notice A dapp's ERC721 created on the child chain: its owner mints, with a URI per token.
contract DappERC721 is ERC721, Ownable {
    mapping(uint256 => string) private _uris;

    constructor() ERC721("Game Swords", "SWORD") Ownable(msg.sender) {}

    function mint(address to, uint256 tokenId, string calldata uri) external onlyOwner {
        _mint(to, tokenId);
        _uris[tokenId] = uri;
    }

    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return _uris[tokenId];
    }
}

/// @notice A dapp's ERC1155 created on the child chain: its owner mints.
contract DappERC1155 is ERC1155, Ownable {
    constructor() ERC1155("ipfs://potions/{id}.json") Ownable(msg.sender) {}

    function mint(address to, uint256 id, uint256 amount) external onlyOwner {
        _mint(to, id, amount, "");
    }
}
