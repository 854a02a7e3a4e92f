// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";

/// @title BridgedERC1155
/// @notice An ERC1155 that a bridge mints when tokens of its home chain arrive, with the home
/// token's `uri` of each id, and burns when they leave; no one else can. `ChildERC1155` and
/// `MainMintableERC1155`.
/// @dev An EIP-1167 clone per home token, as `BridgedERC721`. An id's URI is the one carried by its
/// first arrival: a later change on the home chain is not followed.
abstract contract BridgedERC1155 is ERC1155 {
    /// @notice The bridge that deployed this token, the only minter and burner.
    address public bridge;

    /// @notice The token this token represents, on its home chain.
    address public homeToken;

    /// @notice The home token's name, if it has one (ERC1155 does not require it).
    string public name;

    /// @notice The home token's symbol, if it has one.
    string public symbol;

    mapping(uint256 id => string) private _uris;

    error BridgedERC1155OnlyBridge(address caller);
    error BridgedERC1155AlreadyInitialized();

    modifier onlyBridge() {
        if (msg.sender != bridge) revert BridgedERC1155OnlyBridge(msg.sender);
        _;
    }

    constructor() ERC1155("") {
        // Locks the implementation: `initialize` needs an unset bridge.
        bridge = msg.sender;
    }

    /// @notice Sets the clone up for `homeToken_`; called by the bridge in the clone's deploying transaction.
    /// @param homeToken_ The token on its home chain.
    /// @param name_ Its name.
    /// @param symbol_ Its symbol.
    function initialize(address homeToken_, string calldata name_, string calldata symbol_) external {
        if (bridge != address(0)) revert BridgedERC1155AlreadyInitialized();
        bridge = msg.sender;
        homeToken = homeToken_;
        name = name_;
        symbol = symbol_;
    }

    /// @notice Mints `amounts` of `ids` to `to`, recording each id's URI the first time.
    /// @dev No receiver check, so a transfer cannot be failed (or re-entered) by its receiver.
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

    /// @notice The home token's URI of `id` when it was first deposited ("" if it had none).
    /// @param id Token id.
    /// @return The URI.
    function uri(uint256 id) public view override returns (string memory) {
        return _uris[id];
    }
}
