// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {BlockHeader} from "@openzeppelin/contracts/utils/BlockHeader.sol";
import {Memory} from "@openzeppelin/contracts/utils/Memory.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ICheckpointManager} from "../interfaces/ICheckpointManager.sol";
import {IValidatorSet} from "../interfaces/IValidatorSet.sol";
import {CheckpointTree} from "../libraries/CheckpointTree.sol";

/// @title CheckpointManager
/// @notice Keeps optimistic checkpoints of another chain's blocks. A bonded proposer submits each
/// checkpoint with its validators' signatures; the signatures are committed to, not verified, and
/// anyone may prove fraud until the challenge period ends. After that the checkpoint is final
/// without any further transaction.
/// @dev Trust: a final checkpoint is correct if a quorum of the source chain's validators signs only
/// real, final blocks, or if one honest watcher challenges every fraud it can prove in time.
/// A successful challenge reverts the fraudulent checkpoint and every later one (they build on it),
/// slashes the fraudulent checkpoint's share of its proposer's bond (each pending checkpoint locks one),
/// pays part of it to the challenger and keeps the rest.
/// Ids are positions in the chain of checkpoints: after a revert they are reused by the resubmissions.
// EIP712 before Pausable: its two string slots come first, so that Pausable's flag is followed
// by this contract's first variables (the parameters) and shares their slot.
contract CheckpointManager is ICheckpointManager, AccessControl, EIP712, Pausable, ReentrancyGuardTransient {
    using Memory for Memory.Slice;

    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice May pause submissions in an emergency; pausing never moves funds.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice May revert a pending checkpoint whose data was withheld: the data-availability game.
    bytes32 public constant AVAILABILITY_ROLE = keccak256("AVAILABILITY_ROLE");

    /// @notice EIP-712 type of what validators sign.
    bytes32 public constant CHECKPOINT_TYPEHASH =
        keccak256("Checkpoint(uint256 sourceChainId,uint64 startBlock,uint64 endBlock,bytes32 blockRoot)");

    /// @notice Longest challenge period governance may set. Finality times are kept in 40 bits; a
    /// bound far below that keeps `now + period` in range, and a month is longer than any watcher
    /// needs to get a challenge mined.
    uint64 public constant MAX_CHALLENGE_PERIOD = 30 days;

    /// @notice How many checkpoints of one proposer may be pending at once, each locking its own
    /// share (`minBond`) of the proposer's bond. A proposer that needs more uses longer ranges.
    uint256 public constant MAX_PENDING_PER_PROPOSER = 4;

    uint256 private constant LOCK_BITS = 40;
    uint256 private constant LOCK_MASK = (1 << LOCK_BITS) - 1;
    uint256 private constant NEWEST_LOCK_SHIFT = (MAX_PENDING_PER_PROPOSER - 1) * LOCK_BITS;

    uint256 private constant SIGNATURE_LENGTH = 65;
    uint16 private constant MAX_BPS = 10_000;

    /// @dev Two slots per checkpoint, as submissions are the most frequent write. The attestation
    /// hash is keccak256(abi.encode(proposer, validatorSetHash, keccak256(signers), keccak256(signatures)))
    /// cut to 120 bits. It only has to resist second preimages: the attestation it commits to is
    /// public, so forging another that matches (to slash an honest proposer, or to hide a forged
    /// signature behind a valid one) takes about 2^120 hashes.
    struct StoredCheckpoint {
        uint48 startBlock;
        uint48 endBlock;
        uint40 finalizesAt;
        bytes15 attestationHash;
        bytes32 blockRoot;
    }

    /// @dev One slot, written once per submission. `lastRootPrefix` is the first 128 bits of the last
    /// checkpoint's block root (zero before the first): a submission must name that checkpoint as the
    /// one it was built on, and keeping the prefix here saves reading the last checkpoint's slot.
    /// Another root with the same prefix takes about 2^128 hashes to make.
    struct Head {
        uint40 count;
        uint48 nextStartBlock;
        uint40 lastFinalizesAt;
        bytes16 lastRootPrefix;
    }

    /// @dev One slot per proposer: its bond, and `locks`, a queue of the finality times (40 bits
    /// each, oldest in the low bits) of the last `MAX_PENDING_PER_PROPOSER` checkpoints it submitted.
    /// A time still ahead is a pending checkpoint holding a share of the bond. Finality times never
    /// decrease along the chain, so the queue is sorted and the pending ones are its newest entries;
    /// a submission pushes its time in at the top and drops the oldest, which must be past.
    struct Bond {
        uint96 amount;
        uint160 locks;
    }

    /// @dev A shorter challenge period waiting to take effect; `activatesAt` is zero when none waits.
    struct PendingPeriod {
        uint64 challengePeriod;
        uint64 activatesAt;
    }

    // The three parameters share one slot with Pausable's flag (the first variables after it), read
    // together by every submission: one cold read for the four (2,100 gas less than two).

    /// @notice Bond a proposer must hold to submit.
    uint128 public minBond;

    /// @notice Seconds during which a new checkpoint can be challenged.
    uint64 public challengePeriod;

    /// @notice Share of a slashed bond paid to the challenger, in basis points.
    uint16 public challengerRewardBps;

    /// @notice The chain whose blocks are checkpointed here.
    uint256 public immutable sourceChainId;

    /// @notice The source chain's validators.
    IValidatorSet public immutable validatorSet;

    mapping(uint256 id => StoredCheckpoint) private _checkpoints;
    Head private _head;
    mapping(address proposer => Bond) private _bonds;

    /// @notice Slashed funds kept by this contract.
    uint256 public slashedFunds;

    PendingPeriod private _pendingPeriod;

    /// @param admin Governance: sets the parameters, grants roles, unpauses.
    /// @param guardian May pause submissions.
    /// @param sourceChainId_ Chain id of the checkpointed chain.
    /// @param validatorSet_ The source chain's validator set.
    /// @param firstBlock First block the first checkpoint must start at.
    /// @param challengePeriod_ Seconds a checkpoint stays challengeable, from 1 to `MAX_CHALLENGE_PERIOD`,
    /// and below the validator set's `changeDelay`.
    /// @param minBond_ Bond needed to submit, non-zero.
    /// @param challengerRewardBps_ Share of a slashed bond for the challenger.
    constructor(
        address admin,
        address guardian,
        uint256 sourceChainId_,
        IValidatorSet validatorSet_,
        uint64 firstBlock,
        uint64 challengePeriod_,
        uint128 minBond_,
        uint16 challengerRewardBps_
    ) EIP712("sidechain-kit CheckpointManager", "1") {
        if (admin == address(0) || address(validatorSet_) == address(0)) revert CheckpointManagerZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (guardian != address(0)) _grantRole(GUARDIAN_ROLE, guardian);
        sourceChainId = sourceChainId_;
        validatorSet = validatorSet_;
        _head.nextStartBlock = SafeCast.toUint48(firstBlock);
        _checkChallengePeriod(challengePeriod_);
        _applyChallengePeriod(challengePeriod_);
        _setMinBond(minBond_);
        _setChallengerReward(challengerRewardBps_);
    }

    // ---------------------------------------------------------------- bonds

    /// @inheritdoc ICheckpointManager
    function depositBond() external payable {
        Bond storage bond = _bonds[msg.sender];
        uint256 balance = bond.amount + msg.value;
        bond.amount = SafeCast.toUint96(balance);
        emit BondDeposited(msg.sender, msg.value, balance);
    }

    /// @inheritdoc ICheckpointManager
    function withdrawBond(address payable to, uint256 amount) external nonReentrant {
        if (to == address(0)) revert CheckpointManagerZeroAddress();
        Bond storage bond = _bonds[msg.sender];
        // A bond backs every checkpoint of its proposer until the last one is final.
        uint64 lockedUntil = _latestLock(bond.locks);
        if (block.timestamp < lockedUntil) revert CheckpointManagerBondLocked(msg.sender, lockedUntil);
        if (amount > bond.amount) revert CheckpointManagerBondInsufficient(msg.sender, bond.amount, amount);
        bond.amount -= SafeCast.toUint96(amount);
        emit BondWithdrawn(msg.sender, to, amount);
        Address.sendValue(to, amount);
    }

    /// @notice A proposer's bond and the time until which it is locked.
    /// @param proposer The proposer.
    /// @return amount Bond held.
    /// @return lockedUntil Unix time from which it can be withdrawn: when the last of its checkpoints
    /// is final (checkpoints reverted meanwhile keep their place until their own finality time).
    function bondOf(address proposer) external view returns (uint256 amount, uint64 lockedUntil) {
        Bond memory bond = _bonds[proposer];
        return (bond.amount, _latestLock(bond.locks));
    }

    /// @inheritdoc ICheckpointManager
    function submissionBond(address proposer) external view returns (uint256 required, uint64 availableAt) {
        uint256 locks = _bonds[proposer].locks;
        uint256 pending = _pendingCount(locks);
        required = uint256(minBond) * (pending + 1);
        availableAt = pending < MAX_PENDING_PER_PROPOSER ? 0 : uint64(locks & LOCK_MASK);
    }

    // ---------------------------------------------------------------- submission

    /// @inheritdoc ICheckpointManager
    function submitCheckpoint(
        CheckpointInput calldata checkpoint,
        bytes32 previousBlockRoot,
        bytes32[] calldata validators,
        bytes calldata signers,
        bytes calldata signatures
    ) external whenNotPaused returns (uint256 id) {
        bytes32 setHash = _checkQuorum(validators, signers, signatures);
        uint64 finalizesAt;
        (id, finalizesAt) =
            _append(checkpoint, previousBlockRoot, _attestationHash(msg.sender, setHash, signers, signatures));
        emit CheckpointSubmitted(
            id,
            msg.sender,
            checkpoint.startBlock,
            checkpoint.endBlock,
            checkpoint.blockRoot,
            finalizesAt,
            signers,
            signatures
        );
    }

    /// @dev Checks the predecessor, the range and the caller's bond, stores the checkpoint and locks a bond share.
    function _append(CheckpointInput calldata checkpoint, bytes32 previousBlockRoot, bytes15 attestationHash)
        private
        returns (uint256 id, uint64 finalizesAt)
    {
        Head memory current = _head;
        // A proposer vouches for the boundary with the checkpoint it checked: if that one was reverted
        // and replaced meanwhile, this submission must not land on the replacement (H-1, variant B).
        if (bytes16(previousBlockRoot) != current.lastRootPrefix) {
            revert CheckpointManagerUnexpectedPredecessor(_lastBlockRoot(current.count), previousBlockRoot);
        }
        if (checkpoint.startBlock != current.nextStartBlock) {
            revert CheckpointManagerNotContiguous(current.nextStartBlock, checkpoint.startBlock);
        }
        if (checkpoint.endBlock < checkpoint.startBlock) {
            revert CheckpointManagerEmptyRange(checkpoint.startBlock, checkpoint.endBlock);
        }
        if (checkpoint.blockRoot == bytes32(0)) revert CheckpointManagerZeroBlockRoot();
        if (checkpoint.endBlock > type(uint48).max) revert CheckpointManagerBlockNumberTooLarge(checkpoint.endBlock);

        // Each pending checkpoint locks its own share, so every successful challenge can be paid (L-2).
        Bond memory bond = _bonds[msg.sender];
        uint256 pending = _pendingCount(bond.locks);
        if (pending == MAX_PENDING_PER_PROPOSER) {
            revert CheckpointManagerTooManyPending(msg.sender, MAX_PENDING_PER_PROPOSER, uint64(bond.locks & LOCK_MASK));
        }
        uint256 required = uint256(minBond) * (pending + 1);
        if (bond.amount < required) revert CheckpointManagerBondTooLow(msg.sender, bond.amount, required);

        // Finality never goes backwards along the chain, even if the period is shortened.
        finalizesAt = SafeCast.toUint64(block.timestamp) + challengePeriod;
        if (finalizesAt < current.lastFinalizesAt) finalizesAt = current.lastFinalizesAt;

        id = current.count;
        _checkpoints[id] = StoredCheckpoint(
            SafeCast.toUint48(checkpoint.startBlock),
            SafeCast.toUint48(checkpoint.endBlock),
            SafeCast.toUint40(finalizesAt),
            attestationHash,
            checkpoint.blockRoot
        );
        _head = Head(
            SafeCast.toUint40(id + 1),
            SafeCast.toUint48(uint256(checkpoint.endBlock) + 1),
            SafeCast.toUint40(finalizesAt),
            bytes16(checkpoint.blockRoot)
        );
        bond.locks = uint160((uint256(bond.locks) >> LOCK_BITS) | (uint256(finalizesAt) << NEWEST_LOCK_SHIFT));
        _bonds[msg.sender] = bond;
    }

    /// @dev Signers must be distinct members of the current set whose power reaches the threshold.
    function _checkQuorum(bytes32[] calldata validators, bytes calldata signers, bytes calldata signatures)
        private
        view
        returns (bytes32 setHash)
    {
        uint256 threshold;
        (setHash, threshold) = validatorSet.quorum();
        bytes32 actualHash = keccak256(abi.encodePacked(validators));
        if (actualHash != setHash) revert CheckpointManagerValidatorSetMismatch(setHash, actualHash);
        if (signatures.length != signers.length * SIGNATURE_LENGTH) {
            revert CheckpointManagerSignatureCountMismatch(signers.length, signatures.length);
        }
        uint256 power;
        uint256 previous;
        for (uint256 position = 0; position < signers.length; ++position) {
            uint256 index = uint8(signers[position]);
            if (index >= validators.length) {
                revert CheckpointManagerSignerOutOfRange(position, index, validators.length);
            }
            if (position > 0 && index <= previous) {
                if (index == previous) revert CheckpointManagerDuplicateSigner(position, index);
                revert CheckpointManagerSignersUnsorted(position, index);
            }
            // Unpacking, not narrowing: the power is the entry's low 96 bits.
            power += uint96(uint256(validators[index]));
            previous = index;
        }
        if (power < threshold) revert CheckpointManagerQuorumNotReached(power, threshold);
    }

    // ---------------------------------------------------------------- challenges

    /// @inheritdoc ICheckpointManager
    function challengeSignature(uint256 id, Attestation calldata attestation, uint256 position)
        external
        nonReentrant
    {
        StoredCheckpoint storage stored = _pendingCheckpoint(id);
        _checkAttestation(id, stored, attestation);
        uint256 signerCount = attestation.signers.length;
        if (position >= signerCount) revert CheckpointManagerSignaturePositionOutOfRange(position, signerCount);
        if (_isSignatureValid(stored, attestation, position)) revert CheckpointManagerSignatureValid(id, position);
        _revertFrom(id, attestation.proposer, Fraud.BadSignature);
    }

    /// @inheritdoc ICheckpointManager
    function challengeHeader(uint256 id, Attestation calldata attestation, RevealedBlock calldata revealed)
        external
        nonReentrant
    {
        StoredCheckpoint storage stored = _pendingCheckpoint(id);
        _checkAttestation(id, stored, attestation);
        _checkCommitted(id, stored, revealed.leaf, revealed.proof);
        (, bool matches) = _parseRevealed(revealed);
        if (matches) revert CheckpointManagerNoFraud(id);
        _revertFrom(id, attestation.proposer, Fraud.HeaderMismatch);
    }

    /// @inheritdoc ICheckpointManager
    function challengeHeaderChain(
        uint256 id,
        Attestation calldata attestation,
        Attestation calldata previous,
        RevealedBlock calldata parent,
        RevealedBlock calldata child
    ) external nonReentrant {
        StoredCheckpoint storage stored = _pendingCheckpoint(id);
        _checkAttestation(id, stored, attestation);
        uint256 parentNumber = parent.leaf.number;
        if (child.leaf.number != parentNumber + 1) {
            revert CheckpointManagerNotConsecutive(parentNumber, child.leaf.number);
        }
        _checkCommitted(id, stored, child.leaf, child.proof);
        bool parentInThisCheckpoint = parentNumber >= stored.startBlock;
        if (parentInThisCheckpoint) {
            _checkCommitted(id, stored, parent.leaf, parent.proof);
        } else {
            // Across the boundary the parent is the previous checkpoint's last block, final or not.
            if (id == 0) revert CheckpointManagerNoPreviousCheckpoint(id);
            _checkCommitted(id - 1, _checkpoints[id - 1], parent.leaf, parent.proof);
        }

        (, bool parentMatches) = _parseRevealed(parent);
        (Memory.Slice[] memory childFields, bool childMatches) = _parseRevealed(child);
        bool linked = BlockHeader.getParentHash(childFields) == parent.leaf.hash;
        // A parent leaf that disagrees with its header is the fault of the checkpoint holding it:
        // across the boundary that is `id - 1`, to be challenged on its own with `challengeHeader`.
        if (!parentInThisCheckpoint) parentMatches = true;
        if (parentMatches && childMatches && linked) revert CheckpointManagerNoFraud(id);
        if (childMatches && !linked && !parentInThisCheckpoint && _isPredecessorForged(id - 1, previous)) {
            // Which side of the boundary lies is decided by the attestations: a pending predecessor
            // that is not what its validators signed is the one at fault, so an honest proposer that
            // built on it is never slashed for the break (H-1, variant A).
            _revertFrom(id - 1, previous.proposer, Fraud.BadSignature);
        } else {
            _revertFrom(id, attestation.proposer, Fraud.BrokenHeaderChain);
        }
    }

    /// @inheritdoc ICheckpointManager
    function revertUnavailable(uint256 id, Attestation calldata attestation, Fraud fraud)
        external
        nonReentrant
        onlyRole(AVAILABILITY_ROLE)
    {
        if (fraud != Fraud.LeavesUnavailable && fraud != Fraud.HeaderUnavailable) {
            revert CheckpointManagerNotAvailabilityFraud(fraud);
        }
        StoredCheckpoint storage stored = _pendingCheckpoint(id);
        _checkAttestation(id, stored, attestation);
        _revertFrom(id, attestation.proposer, fraud);
    }

    /// @dev Whether checkpoint `id` is pending and `previous`, its attestation, has a signature that
    /// does not recover to its validator. A final predecessor is taken as it stands.
    function _isPredecessorForged(uint256 id, Attestation calldata previous) private view returns (bool) {
        StoredCheckpoint storage stored = _checkpoints[id];
        if (block.timestamp >= stored.finalizesAt) return false;
        _checkAttestation(id, stored, previous);
        uint256 signerCount = previous.signers.length;
        for (uint256 position = 0; position < signerCount; ++position) {
            if (!_isSignatureValid(stored, previous, position)) return true;
        }
        return false;
    }

    /// @dev Whether the signature at `position` recovers, under the checkpoint's digest, to the
    /// validator its signer index names. Malformed and high-s signatures are not valid.
    function _isSignatureValid(StoredCheckpoint storage stored, Attestation calldata attestation, uint256 position)
        private
        view
        returns (bool)
    {
        address validator = address(uint160(uint256(attestation.validators[uint8(attestation.signers[position])]) >> 96));
        bytes calldata signature =
            attestation.signatures[position * SIGNATURE_LENGTH:(position + 1) * SIGNATURE_LENGTH];
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(
            checkpointDigest(stored.startBlock, stored.endBlock, stored.blockRoot),
            signature
        );
        return err == ECDSA.RecoverError.NoError && recovered == validator;
    }

    /// @dev The header must be the committed block (its keccak is the leaf's hash); it matches when
    /// its number and receipts root are the leaf's too.
    function _parseRevealed(RevealedBlock calldata revealed)
        private
        pure
        returns (Memory.Slice[] memory fields, bool matches)
    {
        bytes32 headerHash = keccak256(revealed.header);
        if (headerHash != revealed.leaf.hash) {
            revert CheckpointManagerHeaderHashMismatch(revealed.leaf.number, revealed.leaf.hash, headerHash);
        }
        fields = BlockHeader.parseHeader(revealed.header);
        matches =
            BlockHeader.getNumber(fields) == revealed.leaf.number &&
            BlockHeader.getReceiptsRoot(fields) == revealed.leaf.receiptsRoot;
    }

    function _checkAttestation(uint256 id, StoredCheckpoint storage stored, Attestation calldata attestation)
        private
        view
    {
        bytes32 setHash = keccak256(abi.encodePacked(attestation.validators));
        bytes15 expected = _attestationHash(attestation.proposer, setHash, attestation.signers, attestation.signatures);
        if (expected != stored.attestationHash) revert CheckpointManagerAttestationMismatch(id);
    }

    function _checkCommitted(
        uint256 id,
        StoredCheckpoint storage stored,
        BlockLeaf calldata leaf,
        bytes32[] calldata leafProof
    ) private view {
        if (!_isCommitted(stored, leaf, leafProof)) revert CheckpointManagerBlockNotInCheckpoint(id, leaf.number);
    }

    function _isCommitted(StoredCheckpoint storage stored, BlockLeaf calldata leaf, bytes32[] calldata leafProof)
        private
        view
        returns (bool)
    {
        return
            leaf.number >= stored.startBlock &&
            leaf.number <= stored.endBlock &&
            CheckpointTree.contains(leafProof, stored.blockRoot, leaf.number, leaf.hash, leaf.receiptsRoot);
    }

    function _pendingCheckpoint(uint256 id) private view returns (StoredCheckpoint storage stored) {
        stored = _existingCheckpoint(id);
        uint64 finalizesAt = stored.finalizesAt;
        if (block.timestamp >= finalizesAt) revert CheckpointManagerChallengeWindowClosed(id, finalizesAt);
    }

    function _existingCheckpoint(uint256 id) private view returns (StoredCheckpoint storage) {
        uint256 count = _head.count;
        if (id >= count) revert CheckpointManagerUnknownCheckpoint(id, count);
        return _checkpoints[id];
    }

    /// @dev Drops checkpoint `id` and all later ones, slashes the proposer's share for `id`, pays the challenger.
    function _revertFrom(uint256 id, address proposer, Fraud fraud) private {
        Head memory current = _head;
        uint64 lockedUntil = _checkpoints[id].finalizesAt;
        uint64 previousFinalizesAt = id == 0 ? 0 : _checkpoints[id - 1].finalizesAt;
        _head = Head(
            SafeCast.toUint40(id),
            _checkpoints[id].startBlock,
            SafeCast.toUint40(previousFinalizesAt),
            bytes16(_lastBlockRoot(id))
        );
        // Storage of the reverted ids is left in place: ids >= count are unknown, and resubmissions overwrite it.

        // The share of `id`: minBond, or an equal part of the bond among the proposer's pending
        // checkpoints (`id` is one) if it holds less, so the others' challengers are paid too.
        Bond memory bond = _bonds[proposer];
        // `id` is pending, so its time is in the queue and `pending` is at least one.
        uint256 slashed = bond.amount / _pendingCount(bond.locks);
        if (slashed > minBond) slashed = minBond;
        uint256 reward = (slashed * challengerRewardBps) / MAX_BPS;
        bond.amount -= SafeCast.toUint96(slashed);
        bond.locks = _releaseLock(bond.locks, lockedUntil);
        _bonds[proposer] = bond;
        slashedFunds += slashed - reward;

        emit CheckpointsReverted(id, current.count, msg.sender, fraud);
        emit BondSlashed(proposer, msg.sender, slashed, reward);
        if (reward > 0) Address.sendValue(payable(msg.sender), reward);
    }

    /// @dev How many times in the sorted queue `locks` are still ahead: the pending checkpoints,
    /// counted from the newest down.
    function _pendingCount(uint256 locks) private view returns (uint256 pending) {
        for (uint256 shift = NEWEST_LOCK_SHIFT; ((locks >> shift) & LOCK_MASK) > block.timestamp; shift -= LOCK_BITS) {
            ++pending;
            if (shift == 0) break;
        }
    }

    /// @dev The newest time in the queue: when the proposer's last checkpoint is final.
    function _latestLock(uint160 locks) private pure returns (uint64) {
        return uint64(uint256(locks) >> NEWEST_LOCK_SHIFT);
    }

    /// @dev `locks` without one entry equal to `lockedUntil` (the slashed checkpoint's share is
    /// gone); the older entries move up one place and the queue stays sorted.
    function _releaseLock(uint160 locks, uint64 lockedUntil) private pure returns (uint160) {
        uint256 queue = locks;
        for (uint256 shift = 0; shift <= NEWEST_LOCK_SHIFT; shift += LOCK_BITS) {
            if (((queue >> shift) & LOCK_MASK) != lockedUntil) continue;
            uint256 older = queue & ((1 << shift) - 1);
            uint256 newer = (queue >> (shift + LOCK_BITS)) << (shift + LOCK_BITS);
            return uint160(newer | (older << LOCK_BITS));
        }
        return locks;
    }

    /// @dev The block root of the last of the first `count` checkpoints; zero when there is none.
    function _lastBlockRoot(uint256 count) private view returns (bytes32) {
        return count == 0 ? bytes32(0) : _checkpoints[count - 1].blockRoot;
    }

    function _attestationHash(address proposer, bytes32 setHash, bytes calldata signers, bytes calldata signatures)
        private
        pure
        returns (bytes15)
    {
        return bytes15(keccak256(abi.encode(proposer, setHash, keccak256(signers), keccak256(signatures))));
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ICheckpointManager
    function checkFinalBlock(uint256 id, BlockLeaf calldata leaf, bytes32[] calldata leafProof) external view {
        StoredCheckpoint storage stored = _existingCheckpoint(id);
        uint64 finalizesAt = stored.finalizesAt;
        if (block.timestamp < finalizesAt) revert CheckpointManagerNotFinal(id, finalizesAt);
        _checkCommitted(id, stored, leaf, leafProof);
    }

    /// @inheritdoc ICheckpointManager
    function isBlockCommitted(uint256 id, BlockLeaf calldata leaf, bytes32[] calldata leafProof)
        external
        view
        returns (bool)
    {
        return id < _head.count && _isCommitted(_checkpoints[id], leaf, leafProof);
    }

    /// @inheritdoc ICheckpointManager
    function checkpointStatus(uint256 id) external view returns (CheckpointStatus status, uint64 finalizesAt) {
        if (id >= _head.count) return (CheckpointStatus.None, 0);
        finalizesAt = _checkpoints[id].finalizesAt;
        status = block.timestamp >= finalizesAt ? CheckpointStatus.Final : CheckpointStatus.Pending;
    }

    /// @notice A checkpoint's range, root and finality time.
    /// @param id The checkpoint; reverts when unknown.
    /// @return startBlock First block.
    /// @return endBlock Last block.
    /// @return blockRoot Merkle root of the blocks.
    /// @return finalizesAt Unix time from which it is final.
    function getCheckpoint(uint256 id)
        external
        view
        returns (uint64 startBlock, uint64 endBlock, bytes32 blockRoot, uint64 finalizesAt)
    {
        StoredCheckpoint storage stored = _existingCheckpoint(id);
        return (stored.startBlock, stored.endBlock, stored.blockRoot, stored.finalizesAt);
    }

    /// @notice The number of live checkpoints; the next one gets this id.
    /// @return The count.
    function checkpointCount() external view returns (uint256) {
        return _head.count;
    }

    /// @inheritdoc ICheckpointManager
    function head() external view returns (uint256 count, uint64 nextStartBlock_, bytes32 lastBlockRoot) {
        Head memory current = _head;
        return (current.count, current.nextStartBlock, _lastBlockRoot(current.count));
    }

    /// @notice The block the next checkpoint must start at.
    /// @return The block number.
    function nextStartBlock() external view returns (uint64) {
        return _head.nextStartBlock;
    }

    /// @notice The EIP-712 digest validators sign for a checkpoint of this contract.
    /// @param startBlock First block.
    /// @param endBlock Last block.
    /// @param blockRoot Merkle root of the blocks.
    /// @return The digest.
    function checkpointDigest(uint64 startBlock, uint64 endBlock, bytes32 blockRoot) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(CHECKPOINT_TYPEHASH, sourceChainId, startBlock, endBlock, blockRoot)));
    }

    // ---------------------------------------------------------------- governance

    /// @notice Stops new submissions; challenges and finality go on.
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @notice Allows submissions again.
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @notice Sets the challenge period for checkpoints submitted from now on. A longer period
    /// applies at once; a shorter one is scheduled and applies only from `validatorSet.changeDelay()`
    /// later, when anyone calls `activateChallengePeriod`. A call replaces a pending shorter period.
    /// @dev A shorter period is what a forged checkpoint needs to become final before anyone can
    /// challenge it, so it waits as long as a new validator set does, in public, and the guardian
    /// may cancel it.
    /// @param newChallengePeriod Seconds, from 1 to `MAX_CHALLENGE_PERIOD`, below the validator set's `changeDelay`.
    function setChallengePeriod(uint64 newChallengePeriod) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkChallengePeriod(newChallengePeriod);
        if (_pendingPeriod.activatesAt != 0) _cancelChallengePeriod();
        if (newChallengePeriod >= challengePeriod) {
            _applyChallengePeriod(newChallengePeriod);
            return;
        }
        uint64 activatesAt = SafeCast.toUint64(block.timestamp) + validatorSet.changeDelay();
        _pendingPeriod = PendingPeriod(newChallengePeriod, activatesAt);
        emit ChallengePeriodChangeScheduled(newChallengePeriod, activatesAt);
    }

    /// @notice Applies a scheduled shorter challenge period once its delay has passed; anyone may call it.
    function activateChallengePeriod() external {
        PendingPeriod memory pending = _pendingPeriod;
        if (pending.activatesAt == 0) revert CheckpointManagerNoPendingChallengePeriod();
        if (block.timestamp < pending.activatesAt) revert CheckpointManagerChallengePeriodNotDue(pending.activatesAt);
        delete _pendingPeriod;
        _applyChallengePeriod(pending.challengePeriod);
    }

    /// @notice Drops a scheduled shorter challenge period.
    /// @dev Guardian only: the check on a governance key that shortens the period to let a forgery through.
    function cancelChallengePeriodChange() external onlyRole(GUARDIAN_ROLE) {
        if (_pendingPeriod.activatesAt == 0) revert CheckpointManagerNoPendingChallengePeriod();
        _cancelChallengePeriod();
    }

    /// @notice The scheduled shorter challenge period, if any.
    /// @return challengePeriod_ The period it will set.
    /// @return activatesAt When it can be applied; zero when none is scheduled.
    function pendingChallengePeriod() external view returns (uint64 challengePeriod_, uint64 activatesAt) {
        PendingPeriod memory pending = _pendingPeriod;
        return (pending.challengePeriod, pending.activatesAt);
    }

    /// @notice Sets the bond needed to submit.
    /// @param newMinBond Amount of native currency, non-zero.
    function setMinBond(uint128 newMinBond) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setMinBond(newMinBond);
    }

    /// @notice Sets the challenger's share of a slashed bond.
    /// @param rewardBps Basis points, at most 10,000.
    function setChallengerReward(uint16 rewardBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setChallengerReward(rewardBps);
    }

    function _checkChallengePeriod(uint64 newChallengePeriod) private view {
        if (newChallengePeriod == 0) revert CheckpointManagerZeroChallengePeriod();
        if (newChallengePeriod > MAX_CHALLENGE_PERIOD) {
            revert CheckpointManagerChallengePeriodTooLong(newChallengePeriod, MAX_CHALLENGE_PERIOD);
        }
        // A new validator set must wait longer than a checkpoint: every withdrawal started under the
        // old set can become final under it before the new set may sign (M-1).
        uint64 changeDelay = validatorSet.changeDelay();
        if (newChallengePeriod >= changeDelay) {
            revert CheckpointManagerChallengePeriodNotBelowChangeDelay(newChallengePeriod, changeDelay);
        }
    }

    function _applyChallengePeriod(uint64 newChallengePeriod) private {
        challengePeriod = newChallengePeriod;
        emit ChallengePeriodUpdated(newChallengePeriod);
    }

    function _cancelChallengePeriod() private {
        emit ChallengePeriodChangeCancelled(_pendingPeriod.challengePeriod);
        delete _pendingPeriod;
    }

    function _setMinBond(uint128 newMinBond) private {
        // Without a bond anyone could submit, and a successful challenge would pay nothing.
        if (newMinBond == 0) revert CheckpointManagerZeroMinBond();
        minBond = newMinBond;
        emit MinBondUpdated(newMinBond);
    }

    function _setChallengerReward(uint16 rewardBps) private {
        if (rewardBps > MAX_BPS) revert CheckpointManagerInvalidRewardBps(rewardBps);
        challengerRewardBps = rewardBps;
        emit ChallengerRewardUpdated(rewardBps);
    }
}
