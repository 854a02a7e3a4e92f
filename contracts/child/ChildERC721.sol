// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @title ChildERC721
/// @notice A main-chain ERC721 on the child chain. Its bridge mints a token on deposit, with the
/// root token's `tokenURI`, and burns it on withdrawal; no one else can.
/// @dev Deployed once as an implementation; each root token gets an EIP-1167 clone of it at a
/// CREATE2 address that depends on the root token alone, initialized in the clone's deploying
/// transaction. The implementation itself can never be initialized.
contract ChildERC721 is ERC721 {
    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice The bridge that deployed this token, the only minter and burner.
    address public bridge;

    /// @notice The main-chain token this token represents.
    address public rootToken;

    string private _tokenName;
    string private _tokenSymbol;
    mapping(uint256 tokenId => string) private _tokenURIs;

    error ChildERC721OnlyBridge(address caller);
    error ChildERC721AlreadyInitialized();
    error ChildERC721NotOwner(uint256 tokenId, address account, address owner);

    modifier onlyBridge() {
        if (msg.sender != bridge) revert ChildERC721OnlyBridge(msg.sender);
        _;
    }

    constructor() ERC721("", "") {
        // Locks the implementation: `initialize` needs an unset bridge.
        bridge = msg.sender;
    }

    /// @notice Sets the clone up for `rootToken_`; called by the bridge in the clone's deploying transaction.
    /// @param rootToken_ The root token.
    /// @param name_ Its name.
    /// @param symbol_ Its symbol.
    function initialize(address rootToken_, string calldata name_, string calldata symbol_) external {
        if (bridge != address(0)) revert ChildERC721AlreadyInitialized();
        bridge = msg.sender;
        rootToken = rootToken_;
        _tokenName = name_;
        _tokenSymbol = symbol_;
    }

    /// @notice Mints `tokenId` to `to` with the root token's URI.
    /// @dev No receiver check (as pos-portal's child tokens): a deposit cannot be failed by its receiver.
    /// @param to Receiver.
    /// @param tokenId Token id.
    /// @param uri Its `tokenURI`, or "".
    function mint(address to, uint256 tokenId, string calldata uri) external onlyBridge {
        _mint(to, tokenId);
        if (bytes(uri).length != 0) _tokenURIs[tokenId] = uri;
    }

    /// @notice Burns `tokenId`, which `from` must own.
    /// @param from Owner.
    /// @param tokenId Token id.
    function burn(address from, uint256 tokenId) external onlyBridge {
        address owner = _ownerOf(tokenId);
        if (owner != from) revert ChildERC721NotOwner(tokenId, from, owner);
        _burn(tokenId);
        if (bytes(_tokenURIs[tokenId]).length != 0) delete _tokenURIs[tokenId];
    }

    /// @notice The root token's name.
    /// @return The name.
    function name() public view override returns (string memory) {
        return _tokenName;
    }

    /// @notice The root token's symbol.
    /// @return The symbol.
    function symbol() public view override returns (string memory) {
        return _tokenSymbol;
    }

    /// @notice The root token's URI of `tokenId` when it was deposited ("" if it had none).
    /// @param tokenId An existing token.
    /// @return The URI.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return _tokenURIs[tokenId];
    }
}
