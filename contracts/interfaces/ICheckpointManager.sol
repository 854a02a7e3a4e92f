// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title ICheckpointManager
/// @notice Optimistic checkpoints of another chain's blocks, final after a challenge period.
interface ICheckpointManager {
    /// @notice A checkpoint as proposed: a contiguous block range and the Merkle root of its blocks.
    struct CheckpointInput {
        uint64 startBlock;
        uint64 endBlock;
        bytes32 blockRoot;
    }

    /// @notice What a proposer submitted beside the checkpoint; committed to, verified only when challenged.
    /// @param proposer The account that submitted and bonded the checkpoint.
    /// @param validators The validator set at submission, as packed entries (`address << 96 | power`).
    /// @param signers One byte per signature: the signer's index in `validators`, strictly ascending.
    /// @param signatures 65-byte signatures (r, s, v), concatenated, in the order of `signers`.
    struct Attestation {
        address proposer;
        bytes32[] validators;
        bytes signers;
        bytes signatures;
    }

    /// @notice One committed block: the leaf of a checkpoint's block tree.
    struct BlockLeaf {
        uint256 number;
        bytes32 hash;
        bytes32 receiptsRoot;
    }

    /// @notice A committed block revealed: its leaf, the leaf's Merkle proof and the RLP header.
    /// @param leaf The committed leaf.
    /// @param proof Merkle proof of `leaf` in the block root of the checkpoint that commits it.
    /// @param header RLP-encoded block header whose keccak256 is `leaf.hash`.
    struct RevealedBlock {
        BlockLeaf leaf;
        bytes32[] proof;
        bytes header;
    }

    /// @notice Where a checkpoint id stands.
    enum CheckpointStatus {
        None,
        Pending,
        Final
    }

    /// @notice Which rule a successful challenge proved broken.
    enum Fraud {
        BadSignature,
        HeaderMismatch,
        BrokenHeaderChain,
        /// The leaves were demanded in the data-availability game and nobody published them in time.
        LeavesUnavailable,
        /// One committed leaf's header was demanded and nobody revealed a matching one in time.
        HeaderUnavailable
    }

    event CheckpointSubmitted(
        uint256 indexed id,
        address indexed proposer,
        uint64 startBlock,
        uint64 endBlock,
        bytes32 blockRoot,
        uint64 finalizesAt,
        bytes signers,
        bytes signatures
    );
    event CheckpointsReverted(uint256 indexed fromId, uint256 toId, address indexed challenger, Fraud fraud);
    event BondDeposited(address indexed proposer, uint256 amount, uint256 balance);
    event BondWithdrawn(address indexed proposer, address indexed to, uint256 amount);
    event BondSlashed(address indexed proposer, address indexed challenger, uint256 amount, uint256 reward);
    event ChallengePeriodUpdated(uint64 challengePeriod);
    event ChallengePeriodChangeScheduled(uint64 challengePeriod, uint64 activatesAt);
    event ChallengePeriodChangeCancelled(uint64 challengePeriod);
    event MinBondUpdated(uint256 minBond);
    event ChallengerRewardUpdated(uint16 rewardBps);

    error CheckpointManagerBondTooLow(address proposer, uint256 bond, uint256 required);
    error CheckpointManagerTooManyPending(address proposer, uint256 max, uint64 availableAt);
    error CheckpointManagerBondLocked(address proposer, uint64 lockedUntil);
    error CheckpointManagerBondInsufficient(address proposer, uint256 bond, uint256 requested);
    error CheckpointManagerNotContiguous(uint64 expectedStart, uint64 startBlock);
    error CheckpointManagerUnexpectedPredecessor(bytes32 lastBlockRoot, bytes32 namedBlockRoot);
    error CheckpointManagerEmptyRange(uint64 startBlock, uint64 endBlock);
    error CheckpointManagerZeroBlockRoot();
    error CheckpointManagerBlockNumberTooLarge(uint64 endBlock);
    error CheckpointManagerValidatorSetMismatch(bytes32 expected, bytes32 actual);
    error CheckpointManagerSignatureCountMismatch(uint256 signers, uint256 signatureBytes);
    error CheckpointManagerSignerOutOfRange(uint256 position, uint256 index, uint256 validatorCount);
    error CheckpointManagerDuplicateSigner(uint256 position, uint256 index);
    error CheckpointManagerSignersUnsorted(uint256 position, uint256 index);
    error CheckpointManagerQuorumNotReached(uint256 power, uint256 threshold);
    error CheckpointManagerUnknownCheckpoint(uint256 id, uint256 count);
    error CheckpointManagerNotFinal(uint256 id, uint64 finalizesAt);
    error CheckpointManagerChallengeWindowClosed(uint256 id, uint64 finalizesAt);
    error CheckpointManagerBlockNotInCheckpoint(uint256 id, uint256 blockNumber);
    error CheckpointManagerAttestationMismatch(uint256 id);
    error CheckpointManagerSignaturePositionOutOfRange(uint256 position, uint256 signerCount);
    error CheckpointManagerSignatureValid(uint256 id, uint256 position);
    error CheckpointManagerHeaderHashMismatch(uint256 blockNumber, bytes32 committedHash, bytes32 headerHash);
    error CheckpointManagerNoFraud(uint256 id);
    error CheckpointManagerNotConsecutive(uint256 parentNumber, uint256 childNumber);
    error CheckpointManagerNoPreviousCheckpoint(uint256 id);
    error CheckpointManagerInvalidRewardBps(uint16 rewardBps);
    error CheckpointManagerZeroChallengePeriod();
    error CheckpointManagerChallengePeriodTooLong(uint64 challengePeriod, uint64 max);
    error CheckpointManagerChallengePeriodNotBelowChangeDelay(uint64 challengePeriod, uint64 changeDelay);
    error CheckpointManagerNoPendingChallengePeriod();
    error CheckpointManagerChallengePeriodNotDue(uint64 activatesAt);
    error CheckpointManagerZeroMinBond();
    error CheckpointManagerZeroAddress();
    error CheckpointManagerNotAvailabilityFraud(Fraud fraud);

    /// @notice Adds the sent value to the caller's proposer bond.
    function depositBond() external payable;

    /// @notice What the next submission of `proposer` needs: each of its pending checkpoints locks
    /// `minBond`, and at most `MAX_PENDING_PER_PROPOSER` may be pending at once.
    /// @param proposer The proposer.
    /// @return required Bond it must hold: `minBond` times its pending checkpoints plus one.
    /// @return availableAt Zero when it may submit now; else when its oldest pending checkpoint is final.
    function submissionBond(address proposer) external view returns (uint256 required, uint64 availableAt);

    /// @notice Withdraws from the caller's bond once none of its checkpoints can still be challenged.
    /// @param to Receiver of the funds.
    /// @param amount Amount to withdraw.
    function withdrawBond(address payable to, uint256 amount) external;

    /// @notice Submits the next checkpoint with the validators' signatures, which are committed to, not verified.
    /// @dev The caller must hold `minBond` for this checkpoint and each of its pending ones
    /// (`submissionBond`), and have fewer than `MAX_PENDING_PER_PROPOSER` pending. Signatures are EIP-712 over
    /// `Checkpoint(uint256 sourceChainId,uint64 startBlock,uint64 endBlock,bytes32 blockRoot)` in this
    /// contract's domain; a forged one can be challenged until the checkpoint is final. The proposer
    /// answers for the link between its first block and the last block of `previousBlockRoot`'s
    /// checkpoint, so it should check that checkpoint (its blocks, and its signatures while pending)
    /// first; naming it makes the submission fail rather than land on another.
    /// @param checkpoint The block range, starting right after the previous checkpoint, and its block root.
    /// @param previousBlockRoot Block root of the checkpoint this one continues (`head().lastBlockRoot`),
    /// zero for the first; compared on its first 128 bits (`CheckpointManagerUnexpectedPredecessor`).
    /// @param validators The current validator set as packed entries.
    /// @param signers Signer indices into `validators`, one byte each, strictly ascending.
    /// @param signatures 65-byte signatures in the order of `signers`.
    /// @return id The checkpoint's id.
    function submitCheckpoint(
        CheckpointInput calldata checkpoint,
        bytes32 previousBlockRoot,
        bytes32[] calldata validators,
        bytes calldata signers,
        bytes calldata signatures
    ) external returns (uint256 id);

    /// @notice Proves that one of a checkpoint's signatures does not recover to its named validator.
    /// @dev Reverts the checkpoint and every later one and slashes the proposer's share for it
    /// (`minBond`, or an equal part of its bond among its pending checkpoints if it holds less).
    /// @param id The checkpoint challenged.
    /// @param attestation What the proposer submitted, as in the `CheckpointSubmitted` event.
    /// @param position Position of the bad signature in `attestation.signers`.
    function challengeSignature(uint256 id, Attestation calldata attestation, uint256 position) external;

    /// @notice Proves that a committed block's header disagrees with its leaf (number or receipts root).
    /// @param id The checkpoint that commits the block; it is the one reverted.
    /// @param attestation What the proposer submitted, as in the `CheckpointSubmitted` event.
    /// @param revealed The block's leaf, proof and header.
    function challengeHeader(uint256 id, Attestation calldata attestation, RevealedBlock calldata revealed) external;

    /// @notice Proves that two consecutive committed blocks do not link: the child's parent hash is
    /// not the parent's hash, or a header disagrees with its leaf in checkpoint `id`. The parent may
    /// sit in the previous checkpoint; its own leaf is then that checkpoint's business.
    /// @dev Across the boundary with a pending predecessor, one side lies and the attestations say
    /// which: if a signature of `previous` does not recover to its validator, checkpoint `id - 1`
    /// is reverted and its proposer slashed (fraud `BadSignature`); otherwise checkpoint `id` is.
    /// @param id The checkpoint that commits the child block; it is reverted unless its pending predecessor is forged.
    /// @param attestation What the proposer of `id` submitted.
    /// @param previous What the proposer of `id - 1` submitted; read only when the parent is that
    /// checkpoint's last block and it is pending (pass an empty attestation otherwise).
    /// @param parent The parent block, committed by `id`, or by `id - 1` across the boundary.
    /// @param child The child block, numbered `parent.number + 1`, committed by `id`.
    function challengeHeaderChain(
        uint256 id,
        Attestation calldata attestation,
        Attestation calldata previous,
        RevealedBlock calldata parent,
        RevealedBlock calldata child
    ) external;

    /// @notice Reverts a pending checkpoint whose leaves or header its proposer failed to show in the
    /// data-availability game, with every later one, and slashes the proposer's share as a challenge does.
    /// @dev Only for `AVAILABILITY_ROLE` (the `LeafAvailabilityGame`), which decides that the data
    /// was demanded and not shown in time; this contract checks only the attestation and that the
    /// checkpoint is still pending. The challenger's reward goes to the caller, which owes it to the demander.
    /// @param id The checkpoint whose data was withheld.
    /// @param attestation What the proposer submitted, as in the `CheckpointSubmitted` event.
    /// @param fraud `LeavesUnavailable` or `HeaderUnavailable`.
    function revertUnavailable(uint256 id, Attestation calldata attestation, Fraud fraud) external;

    /// @notice Reverts unless `leaf` is committed by checkpoint `id` and that checkpoint is final.
    /// @param id The checkpoint.
    /// @param leaf The block.
    /// @param leafProof Merkle proof of `leaf` in the checkpoint's block root.
    function checkFinalBlock(uint256 id, BlockLeaf calldata leaf, bytes32[] calldata leafProof) external view;

    /// @notice Whether `leaf` is committed by checkpoint `id`, final or not.
    /// @param id The checkpoint.
    /// @param leaf The block.
    /// @param leafProof Merkle proof of `leaf` in the checkpoint's block root.
    /// @return True when the checkpoint exists and commits the leaf.
    function isBlockCommitted(uint256 id, BlockLeaf calldata leaf, bytes32[] calldata leafProof)
        external
        view
        returns (bool);

    /// @notice Where checkpoint `id` stands and when it becomes (or became) final.
    /// @param id The checkpoint.
    /// @return status None, Pending or Final.
    /// @return finalizesAt Unix time from which it is final; 0 for None.
    function checkpointStatus(uint256 id) external view returns (CheckpointStatus status, uint64 finalizesAt);

    /// @notice Where the chain of checkpoints ends: what the next submission continues.
    /// @return count The number of live checkpoints (the next id).
    /// @return nextStartBlock The block the next checkpoint must start at.
    /// @return lastBlockRoot The block root of checkpoint `count - 1`, zero when there is none: the
    /// `previousBlockRoot` the next submission must name.
    function head() external view returns (uint256 count, uint64 nextStartBlock, bytes32 lastBlockRoot);

    /// @notice The chain whose blocks these checkpoints commit.
    /// @return The source chain id.
    function sourceChainId() external view returns (uint256);
}
