// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @notice Emits logs of every shape (0 to 4 topics, empty, short and long data) for receipt proof tests.
contract ReceiptProofLogEmitter {
    error ReceiptProofLogEmitterRefused();

    /// @notice Emits `count` logs; log `i` has `i % 5` topics, topic `t` = keccak256(abi.encode(i, t)),
    /// and the data `abi.encodePacked(i, data)` truncated to `(i * 7) % (32 + data.length + 1)` bytes.
    function emitLogs(uint256 count, bytes calldata data) external {
        for (uint256 i = 0; i < count; ++i) {
            bytes memory full = abi.encodePacked(i, data);
            uint256 length = (i * 7) % (full.length + 1);
            bytes32 t0 = keccak256(abi.encode(i, uint256(0)));
            bytes32 t1 = keccak256(abi.encode(i, uint256(1)));
            bytes32 t2 = keccak256(abi.encode(i, uint256(2)));
            bytes32 t3 = keccak256(abi.encode(i, uint256(3)));
            uint256 kind = i % 5;
            assembly ("memory-safe") {
                let ptr := add(full, 0x20)
                switch kind
                case 0 { log0(ptr, length) }
                case 1 { log1(ptr, length, t0) }
                case 2 { log2(ptr, length, t0, t1) }
                case 3 { log3(ptr, length, t0, t1, t2) }
                default { log4(ptr, length, t0, t1, t2, t3) }
            }
        }
    }

    /// @notice Emits a log, then reverts: the receipt has status 0 and no logs.
    function emitThenRevert() external {
        assembly ("memory-safe") {
            log1(0, 0, 0xdead)
        }
        revert ReceiptProofLogEmitterRefused();
    }
}
