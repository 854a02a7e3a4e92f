// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @title BridgedERC721
/// @notice An ERC721 that a bridge mints when a token of its home chain arrives, with the home
/// token's `tokenURI`, and burns when it leaves; no one else can. `ChildERC721` (a main-chain
/// token on the child chain) and `MainMintableERC721` (a child-chain token on the main chain).
/// @dev Deployed once as an implementation; each home token gets an EIP-1167 clone of it at a
/// CREATE2 address that depends on the home token alone, initialized in the clone's deploying
/// transaction. The implementation itself can never be initialized.
abstract contract BridgedERC721 is ERC721 {
    /// @notice The bridge that deployed this token, the only minter and burner.
    address public bridge;

    /// @notice The token this token represents, on its home chain.
    address public homeToken;

    string private _tokenName;
    string private _tokenSymbol;
    mapping(uint256 tokenId => string) private _tokenURIs;

    error BridgedERC721OnlyBridge(address caller);
    error BridgedERC721AlreadyInitialized();
    error BridgedERC721NotOwner(uint256 tokenId, address account, address owner);

    modifier onlyBridge() {
        if (msg.sender != bridge) revert BridgedERC721OnlyBridge(msg.sender);
        _;
    }

    constructor() ERC721("", "") {
        // Locks the implementation: `initialize` needs an unset bridge.
        bridge = msg.sender;
    }

    /// @notice Sets the clone up for `homeToken_`; called by the bridge in the clone's deploying transaction.
    /// @param homeToken_ The token on its home chain.
    /// @param name_ Its name.
    /// @param symbol_ Its symbol.
    function initialize(address homeToken_, string calldata name_, string calldata symbol_) external {
        if (bridge != address(0)) revert BridgedERC721AlreadyInitialized();
        bridge = msg.sender;
        homeToken = homeToken_;
        _tokenName = name_;
        _tokenSymbol = symbol_;
    }

    /// @notice Mints `tokenId` to `to` with the home token's URI.
    /// @dev No receiver check (as pos-portal's child tokens): a transfer cannot be failed by its receiver.
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
        if (owner != from) revert BridgedERC721NotOwner(tokenId, from, owner);
        _burn(tokenId);
        if (bytes(_tokenURIs[tokenId]).length != 0) delete _tokenURIs[tokenId];
    }

    /// @notice The home token's name.
    /// @return The name.
    function name() public view override returns (string memory) {
        return _tokenName;
    }

    /// @notice The home token's symbol.
    /// @return The symbol.
    function symbol() public view override returns (string memory) {
        return _tokenSymbol;
    }

    /// @notice The home token's URI of `tokenId` when it was deposited ("" if it had none).
    /// @param tokenId An existing token.
    /// @return The URI.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return _tokenURIs[tokenId];
    }
}
