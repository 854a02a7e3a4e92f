// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ICheckpointManager} from "./ICheckpointManager.sol";

/// @title ILeafAvailabilityGame
/// @notice The data-availability game of one CheckpointManager: a bonded demand for the leaves of
/// a pending checkpoint, or for the header of one committed leaf, that the proposer (or anyone)
/// must answer on chain in time, or the checkpoint is reverted and its proposer slashed.
interface ILeafAvailabilityGame {
    /// @notice One committed block as published: its number is the checkpoint's start block plus its position.
    struct PublishedLeaf {
        bytes32 hash;
        bytes32 receiptsRoot;
    }

    /// @notice Where a demand stands.
    /// @dev `Answered`: the data was shown and the bond settled. `Unavailable`: it was not, and the
    /// checkpoint was reverted. `Void`: the checkpoint was gone (reverted by another challenge) or
    /// final before the demand could be resolved; the bond went back whole.
    enum DemandStatus {
        None,
        Open,
        Answered,
        Unavailable,
        Void
    }

    /// @notice A demand as stored. `blockRootPrefix` and `finalizesAt` name the submission it is
    /// about: ids are reused after a revert, and a demand must not follow its id to a resubmission.
    struct Demand {
        address demander;
        uint40 deadline;
        uint40 finalizesAt;
        DemandStatus status;
        bytes16 blockRootPrefix;
        uint96 bond;
    }

    event LeavesDemanded(uint256 indexed id, address indexed demander, bytes32 blockRoot, uint64 deadline, uint256 bond);
    event LeavesPublished(
        uint256 indexed id,
        address indexed publisher,
        bytes32 blockRoot,
        uint64 startBlock,
        PublishedLeaf[] leaves,
        uint256 cost
    );
    event HeaderDemanded(
        uint256 indexed id,
        uint256 indexed blockNumber,
        address indexed demander,
        bytes32 blockHash,
        bytes32 receiptsRoot,
        uint64 deadline,
        uint256 bond
    );
    event HeaderRevealed(uint256 indexed id, uint256 indexed blockNumber, address indexed publisher, bytes header, uint256 cost);
    /// @param blockNumber The demanded block for a header demand; `type(uint256).max` for a leaf demand.
    event DemandResolved(
        uint256 indexed id,
        uint256 indexed blockNumber,
        address indexed demander,
        DemandStatus status,
        uint256 refund,
        uint256 reward
    );
    event Withdrawn(address indexed account, address indexed to, uint256 amount);
    event WindowsUpdated(uint64 responseWindow, uint64 resolveWindow);
    event DemandBondsUpdated(uint256 leafDemandBond, uint256 headerDemandBond);

    error LeafAvailabilityGameZeroAddress();
    error LeafAvailabilityGameWrongBond(uint256 required, uint256 sent);
    error LeafAvailabilityGameZeroBond();
    error LeafAvailabilityGameZeroWindow();
    error LeafAvailabilityGameWindowsTooLong(uint64 gameLength, uint64 challengePeriod);
    error LeafAvailabilityGameDemandTooLate(uint256 id, uint64 latestDemandAt);
    error LeafAvailabilityGameAlreadyDemanded(uint256 id, uint256 blockNumber, DemandStatus status);
    error LeafAvailabilityGameNoOpenDemand(uint256 id, uint256 blockNumber);
    error LeafAvailabilityGameResponseWindowClosed(uint256 id, uint256 blockNumber, uint64 deadline);
    error LeafAvailabilityGameResponseWindowOpen(uint256 id, uint256 blockNumber, uint64 deadline);
    error LeafAvailabilityGameLeafCountMismatch(uint256 id, uint256 expected, uint256 published);
    error LeafAvailabilityGameRootMismatch(uint256 id, bytes32 blockRoot, bytes32 rebuilt);
    error LeafAvailabilityGameTooManyLeaves(uint256 id, uint256 leaves, uint256 max);
    error LeafAvailabilityGameBlockNotCommitted(uint256 id, uint256 blockNumber);
    error LeafAvailabilityGameLeafMismatch(uint256 id, uint256 blockNumber);
    error LeafAvailabilityGameHeaderHashMismatch(uint256 blockNumber, bytes32 blockHash, bytes32 headerHash);
    error LeafAvailabilityGameHeaderDisagrees(uint256 id, uint256 blockNumber);
    error LeafAvailabilityGameNothingToWithdraw(address account);
    error LeafAvailabilityGameUnexpectedValue(address sender);

    /// @notice Demands the leaves of pending checkpoint `id`, with `leafDemandBond` sent as the value.
    /// @dev Allowed until `latestLeafDemand(id)`, so that the answer, a header demand after it and
    /// the resolutions all fit before the checkpoint is final. One open leaf demand per submission.
    /// @param id The checkpoint.
    function demandLeaves(uint256 id) external payable;

    /// @notice Publishes the leaves of checkpoint `id` against an open demand; they must rebuild its block root.
    /// @dev Anyone may publish. The publisher is paid its costs from the demander's bond
    /// (`publicationCost`), the demander keeps the rest; both are credited, to `withdraw`.
    /// @param id The checkpoint.
    /// @param leaves One entry per block from `startBlock` to `endBlock`, in order.
    function publishLeaves(uint256 id, PublishedLeaf[] calldata leaves) external;

    /// @notice Resolves a leaf demand nobody answered: after its deadline it reverts the checkpoint
    /// (and every later one) and slashes the proposer; a demand whose checkpoint is gone or final is voided.
    /// @param id The checkpoint.
    /// @param attestation What the proposer submitted, as in the `CheckpointSubmitted` event.
    function resolveLeaves(uint256 id, ICheckpointManager.Attestation calldata attestation) external;

    /// @notice Demands the RLP header of one committed leaf of pending checkpoint `id`, with `headerDemandBond`.
    /// @dev Allowed until `latestHeaderDemand(id)`. The leaf may come from published leaves or from anywhere.
    /// @param id The checkpoint.
    /// @param leaf The committed leaf.
    /// @param proof Its Merkle proof in the checkpoint's block root.
    function demandHeader(uint256 id, ICheckpointManager.BlockLeaf calldata leaf, bytes32[] calldata proof)
        external
        payable;

    /// @notice Answers a header demand with the RLP header whose keccak256 is the leaf's hash and
    /// whose number and receipts root are the leaf's.
    /// @param id The checkpoint.
    /// @param leaf The demanded leaf.
    /// @param header The RLP-encoded header.
    function revealHeader(uint256 id, ICheckpointManager.BlockLeaf calldata leaf, bytes calldata header) external;

    /// @notice Resolves a header demand nobody answered, as `resolveLeaves` does.
    /// @param id The checkpoint.
    /// @param blockNumber The demanded block.
    /// @param attestation What the proposer submitted.
    function resolveHeader(uint256 id, uint256 blockNumber, ICheckpointManager.Attestation calldata attestation)
        external;

    /// @notice Sends the caller's credited funds (bonds returned, costs paid, rewards) to `to`.
    /// @param to Receiver.
    function withdraw(address payable to) external;
}
