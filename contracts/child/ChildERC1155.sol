// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";

/// @title ChildERC1155
/// @notice A main-chain ERC1155 on the child chain. Its bridge mints on deposit, with the root
/// token's `uri` of each id, and burns on withdrawal; no one else can.
/// @dev An EIP-1167 clone per root token, as `ChildERC721`. An id's URI is the one carried by its
/// first deposit: a later change on the main chain is not followed.
contract ChildERC1155 is ERC1155 {
    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice The bridge that deployed this token, the only minter and burner.
    address public bridge;

    /// @notice The main-chain token this token represents.
    address public rootToken;

    /// @notice The root token's name, if it has one (ERC1155 does not require it).
    string public name;

    /// @notice The root token's symbol, if it has one.
    string public symbol;

    mapping(uint256 id => string) private _uris;

    error ChildERC1155OnlyBridge(address caller);
    error ChildERC1155AlreadyInitialized();

    modifier onlyBridge() {
        if (msg.sender != bridge) revert ChildERC1155OnlyBridge(msg.sender);
        _;
    }

    constructor() ERC1155("") {
        // Locks the implementation: `initialize` needs an unset bridge.
        bridge = msg.sender;
    }

    /// @notice Sets the clone up for `rootToken_`; called by the bridge in the clone's deploying transaction.
    /// @param rootToken_ The root token.
    /// @param name_ Its name.
    /// @param symbol_ Its symbol.
    function initialize(address rootToken_, string calldata name_, string calldata symbol_) external {
        if (bridge != address(0)) revert ChildERC1155AlreadyInitialized();
        bridge = msg.sender;
        rootToken = rootToken_;
        name = name_;
        symbol = symbol_;
    }

    /// @notice Mints `amounts` of `ids` to `to`, recording each id's URI the first time.
    /// @dev No receiver check, so a deposit cannot be failed (or re-entered) by its receiver.
    /// @param to Receiver.
    /// @param ids Token ids.
    /// @param amounts Amounts.
    /// @param uris Each id's URI, or "".
    function mintBatch(address to, uint256[] calldata ids, uint256[] calldata amounts, string[] calldata uris)
        external
        onlyBridge
    {
        for (uint256 i = 0; i < ids.length; ++i) {
            if (bytes(uris[i]).length != 0 && bytes(_uris[ids[i]]).length == 0) _uris[ids[i]] = uris[i];
        }
        _update(address(0), to, ids, amounts);
    }

    /// @notice Burns `amounts` of `ids` from `from`.
    /// @param from Holder.
    /// @param ids Token ids.
    /// @param amounts Amounts.
    function burnBatch(address from, uint256[] calldata ids, uint256[] calldata amounts) external onlyBridge {
        _update(from, address(0), ids, amounts);
    }

    /// @notice The root token's URI of `id` when it was first deposited ("" if it had none).
    /// @param id Token id.
    /// @return The URI.
    function uri(uint256 id) public view override returns (string memory) {
        return _uris[id];
    }
}
