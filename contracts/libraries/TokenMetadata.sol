// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title TokenMetadata
/// @notice Reads a token's name, symbol, decimals and token URIs without trusting the token to
/// implement them.
/// @dev Metadata is optional in ERC-20: a call that reverts, returns nothing usable or burns its gas
/// yields a default, so every token can be bridged. A `bytes32` name or symbol (as some early
/// tokens return) is read up to its first zero byte.
library TokenMetadata {
    string internal constant DEFAULT_NAME = "Bridged Token";
    string internal constant DEFAULT_SYMBOL = "BRIDGED";
    uint8 internal constant DEFAULT_DECIMALS = 18;

    /// @dev Caps each call so that a hostile token cannot take all of a deposit's gas.
    uint256 private constant CALL_GAS = 50_000;

    /// @dev Longer names and symbols are cut, so that storing them on the child chain fits in the
    /// first deposit's gas limit whatever the token returns. A cut may split a UTF-8 character.
    uint256 internal constant MAX_NAME_BYTES = 64;
    uint256 internal constant MAX_SYMBOL_BYTES = 32;

    /// @dev The longest token URI carried to the other chain (see `readURI`).
    uint256 internal constant MAX_URI_BYTES = 512;

    /// @notice The token's metadata, with defaults where it cannot be read.
    /// @param token The ERC20.
    /// @return name Name, or the default.
    /// @return symbol Symbol, or the default.
    /// @return decimals Decimals, or 18.
    function read(address token) internal view returns (string memory name, string memory symbol, uint8 decimals) {
        // Not through readNameAndSymbol: RootBridge's code, and so its gas, stays as it was.
        name = _cut(_readString(token, 0x06fdde03, DEFAULT_NAME), MAX_NAME_BYTES); // name()
        symbol = _cut(_readString(token, 0x95d89b41, DEFAULT_SYMBOL), MAX_SYMBOL_BYTES); // symbol()
        decimals = _readDecimals(token);
    }

    /// @notice The name and symbol of a token (ERC20, ERC721 or ERC1155), with defaults where they
    /// cannot be read.
    /// @param token The token.
    /// @return name Name, or the default.
    /// @return symbol Symbol, or the default.
    function readNameAndSymbol(address token) internal view returns (string memory name, string memory symbol) {
        name = _cut(_readString(token, 0x06fdde03, DEFAULT_NAME), MAX_NAME_BYTES); // name()
        symbol = _cut(_readString(token, 0x95d89b41, DEFAULT_SYMBOL), MAX_SYMBOL_BYTES); // symbol()
    }

    /// @notice A token's metadata URI for `id`: `tokenURI(id)` of an ERC721 or `uri(id)` of an ERC1155.
    /// @dev Empty when the call reverts, returns something that is not a string, or returns more
    /// than `MAX_URI_BYTES`: a cut URI would point somewhere else, so a long one (an on-chain data
    /// URI) is not carried, and the child token's URI is left empty. At most `MAX_URI_BYTES` and a
    /// little of the return data is copied, so a token cannot make the read expensive.
    /// @param token The token.
    /// @param selector `tokenURI(uint256)` or `uri(uint256)`.
    /// @param id Token id.
    /// @return The URI, or "".
    function readURI(address token, bytes4 selector, uint256 id) internal view returns (string memory) {
        bytes memory request = abi.encodeWithSelector(selector, id);
        uint256 maxCopy = MAX_URI_BYTES + 64;
        bool ok;
        bytes memory data;
        uint256 size;
        assembly ("memory-safe") {
            ok := staticcall(CALL_GAS, token, add(request, 0x20), mload(request), 0, 0)
            size := returndatasize()
            let copied := size
            if gt(copied, maxCopy) { copied := maxCopy }
            data := mload(0x40)
            mstore(data, copied)
            returndatacopy(add(data, 0x20), 0, copied)
            mstore(0x40, add(add(data, 0x20), and(add(copied, 0x1f), not(0x1f))))
        }
        if (!ok || size > maxCopy || data.length < 64) return "";
        uint256 offset = uint256(bytes32(data));
        if (offset > data.length - 32) return "";
        uint256 length;
        assembly ("memory-safe") {
            length := mload(add(add(data, 0x20), offset))
        }
        if (length > MAX_URI_BYTES || length > data.length - 32 - offset) return "";
        return abi.decode(data, (string));
    }

    function _readString(address token, bytes4 selector, string memory fallbackValue)
        private
        view
        returns (string memory)
    {
        (bool ok, bytes memory data) = token.staticcall{gas: CALL_GAS}(abi.encodeWithSelector(selector));
        if (!ok) return fallbackValue;
        if (data.length == 32) return _bytes32ToString(bytes32(data), fallbackValue);
        if (data.length < 64) return fallbackValue;
        uint256 offset = uint256(bytes32(data));
        if (offset > data.length - 32) return fallbackValue;
        uint256 length;
        // Bounds-check the ABI string before decoding it: a malformed one must fall back, not revert.
        assembly ("memory-safe") {
            length := mload(add(add(data, 0x20), offset))
        }
        if (length == 0 || length > data.length - 32 - offset) return fallbackValue;
        return abi.decode(data, (string));
    }

    function _readDecimals(address token) private view returns (uint8) {
        (bool ok, bytes memory data) = token.staticcall{gas: CALL_GAS}(abi.encodeWithSelector(0x313ce567)); // decimals()
        if (!ok || data.length != 32) return DEFAULT_DECIMALS;
        uint256 value = uint256(bytes32(data));
        return value > type(uint8).max ? DEFAULT_DECIMALS : uint8(value);
    }

    function _cut(string memory value, uint256 maxBytes) private pure returns (string memory) {
        bytes memory raw = bytes(value);
        if (raw.length <= maxBytes) return value;
        bytes memory cut = new bytes(maxBytes);
        for (uint256 i = 0; i < maxBytes; ++i) cut[i] = raw[i];
        return string(cut);
    }

    function _bytes32ToString(bytes32 value, string memory fallbackValue) private pure returns (string memory) {
        uint256 length;
        while (length < 32 && value[length] != 0) ++length;
        if (length == 0) return fallbackValue;
        bytes memory out = new bytes(length);
        for (uint256 i = 0; i < length; ++i) out[i] = value[i];
        return string(out);
    }
}
