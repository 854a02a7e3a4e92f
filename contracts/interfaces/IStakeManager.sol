// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ICheckpointManager} from "./ICheckpointManager.sol";

/// @title IStakeManager
/// @notice The main chain's record of who validates the child chain and with how much at stake.
/// @dev Voting power comes from a snapshot per epoch (epochs are fixed spans of seconds from
/// deployment): a change made during epoch `e` takes effect from epoch `e + 1`, so the set of an
/// epoch is frozen from its first second on and no stake can count in the epoch it arrives in.
/// Equivocation (two signed checkpoints of one lane committing different leaves at one height) is
/// slashed on evidence from either lane.
interface IStakeManager {
    /// @notice A lane: the CheckpointManager whose EIP-712 domain the validators sign in.
    /// `Main` is the main chain's manager, which keeps checkpoints of the child chain; `Child` is the
    /// child chain's manager, which keeps checkpoints of the main chain.
    enum Lane {
        Main,
        Child
    }

    /// @notice Where a validator stands.
    /// `None`: not a validator (never joined, or left and withdrew everything).
    /// `Active`: bonded stake counts for power from the epoch after each change.
    /// `Exiting`: all stake unstaked; waits for its unbonding delay.
    /// `Jailed`: slashed for equivocation; no power from the next epoch, the rest unbonds.
    enum Status {
        None,
        Active,
        Exiting,
        Jailed
    }

    /// @notice Deployment parameters.
    /// @param stakeToken The ERC20 staked, or `NATIVE_TOKEN` for the native currency.
    /// @param epochLength Seconds per epoch.
    /// @param unbondingDelay Seconds between an unstake and its withdrawal; longer than
    /// `epochLength + challengePeriod + setChangeDelay`.
    /// @param challengePeriod The longer challenge period of the two lanes' CheckpointManagers.
    /// @param setChangeDelay Seconds from the start of an epoch until its set is in force on both
    /// chains (the ValidatorSets' change delay, plus carrying the set to the child chain).
    /// @param minStake Smallest bonded stake of a validator.
    /// @param maxValidators Most validators at once, exiting and jailed ones included (at most 256).
    /// @param thresholdBps Share of an epoch's power a quorum needs, in basis points, above 5,000.
    /// @param slashBps Share of a validator's stake (bonded and unbonding) one equivocation costs.
    /// @param reporterRewardBps Share of a slash paid to the reporter, below 10,000.
    struct Config {
        address stakeToken;
        uint64 epochLength;
        uint64 unbondingDelay;
        uint64 challengePeriod;
        uint64 setChangeDelay;
        uint128 minStake;
        uint16 maxValidators;
        uint16 thresholdBps;
        uint16 slashBps;
        uint16 reporterRewardBps;
    }

    /// @notice The EIP-712 domain of one lane's CheckpointManager (name and version are fixed).
    /// @param chainId The chain the manager is deployed on.
    /// @param manager The manager's address; zero while the lane is not set.
    struct LaneDomain {
        uint256 chainId;
        address manager;
    }

    /// @notice One half of equivocation evidence: a signed checkpoint and one leaf it commits.
    /// @param checkpoint The range and block root the validator signed.
    /// @param signature The validator's 65-byte EIP-712 signature of the checkpoint in the lane's domain.
    /// @param leaf The committed leaf at the disputed height.
    /// @param proof Merkle proof of `leaf` in `checkpoint.blockRoot`.
    struct SignedLeaf {
        ICheckpointManager.CheckpointInput checkpoint;
        bytes signature;
        ICheckpointManager.BlockLeaf leaf;
        bytes32[] proof;
    }

    /// @notice A validator's stake and keys.
    /// @param signer The signer key of the latest epoch scheduled (it may take effect next epoch).
    /// @param status Where the validator stands.
    /// @param withdrawableAt Unix time from which `unbonding` can be withdrawn.
    /// @param stake Bonded stake: the power of the next epoch.
    /// @param unbonding Stake unstaked or left after a slash, waiting for `withdrawableAt`.
    struct ValidatorInfo {
        address signer;
        Status status;
        uint64 withdrawableAt;
        uint128 stake;
        uint128 unbonding;
    }

    event ValidatorJoined(address indexed validator, address indexed signer, uint256 amount, uint256 fromEpoch);
    event StakeAdded(address indexed validator, uint256 amount, uint256 stake, uint256 fromEpoch);
    event SignerRotated(address indexed validator, address indexed oldSigner, address indexed newSigner, uint256 fromEpoch);
    event Unstaked(address indexed validator, uint256 amount, uint256 stake, uint64 withdrawableAt, uint256 fromEpoch);
    event Withdrawn(address indexed validator, address indexed to, uint256 amount);
    event ValidatorRemoved(address indexed validator);
    event EquivocationSlashed(
        address indexed validator,
        address indexed signer,
        Lane indexed lane,
        uint256 height,
        address reporter,
        uint256 slashed,
        uint256 reward,
        uint256 fromEpoch
    );
    event LaneUpdated(Lane indexed lane, uint256 chainId, address manager);
    event ThresholdUpdated(uint16 thresholdBps, uint256 fromEpoch);
    event MinStakeUpdated(uint256 minStake);
    event MaxValidatorsUpdated(uint16 maxValidators);
    event SlashingUpdated(uint16 slashBps, uint16 reporterRewardBps);
    event UnbondingDelayUpdated(uint64 unbondingDelay, uint64 challengePeriod, uint64 setChangeDelay);
    event RotationWired(address indexed mainValidatorSet, address indexed messenger, address indexed childValidatorSet);
    /// @notice The set of `epoch` was scheduled on the main chain and sent to the child chain as
    /// message `messageId`, with `gasLimit` for its call.
    event ValidatorSetRotated(uint256 indexed epoch, bytes32 indexed messageId, uint256 validators, uint256 gasLimit);

    error StakeManagerZeroAddress();
    error StakeManagerInvalidEpochLength(uint64 epochLength, uint64 max);
    error StakeManagerUnbondingTooShort(uint64 unbondingDelay, uint256 minimum);
    error StakeManagerUnbondingTooLong(uint64 unbondingDelay, uint64 max);
    error StakeManagerZeroChallengePeriod();
    error StakeManagerZeroMinStake();
    error StakeManagerInvalidMaxValidators(uint16 maxValidators, uint256 max);
    error StakeManagerInvalidThreshold(uint16 thresholdBps);
    error StakeManagerInvalidSlashing(uint16 slashBps, uint16 reporterRewardBps);
    error StakeManagerInvalidLane(Lane lane, uint256 chainId, address manager);

    error StakeManagerAlreadyValidator(address validator, Status status);
    error StakeManagerTooManyValidators(uint256 count, uint256 max);
    error StakeManagerInvalidSigner(address signer);
    error StakeManagerSignerUsed(address signer, address validator);
    error StakeManagerBadSignerProof(address signer, address recovered);
    error StakeManagerValueMismatch(uint256 amount, uint256 value);
    error StakeManagerZeroAmount();
    error StakeManagerBelowMinStake(address validator, uint256 stake, uint256 minStake);
    error StakeManagerStakeTooLarge(address validator, uint256 stake, uint256 max);
    error StakeManagerNotActive(address validator, Status status);
    error StakeManagerInsufficientStake(address validator, uint256 stake, uint256 amount);
    error StakeManagerStillUnbonding(address validator, uint64 withdrawableAt);
    error StakeManagerNothingToWithdraw(address validator);
    error StakeManagerNotRemovable(address validator);

    error StakeManagerEpochNotFrozen(uint256 epoch, uint256 currentEpoch);
    error StakeManagerEpochPruned(uint256 epoch, uint256 oldestEpoch);
    error StakeManagerEmptySet(uint256 epoch);
    error StakeManagerEpochNotCurrent(uint256 epoch, uint256 currentEpoch);
    error StakeManagerRotationNotWired();

    error StakeManagerLaneNotSet(Lane lane);
    error StakeManagerHeightMismatch(uint256 firstHeight, uint256 secondHeight);
    error StakeManagerLeafNotInCheckpoint(uint256 index, uint256 height);
    error StakeManagerBadSignature(Lane lane, address signer, uint256 index, address recovered);
    error StakeManagerNoEquivocation(uint256 height, bytes32 blockHash);
    error StakeManagerUnknownSigner(address signer);
    error StakeManagerSignerExpired(address signer, uint64 answerableUntil);
    error StakeManagerAlreadySlashed(address validator, Lane lane, uint256 height);
    error StakeManagerNothingToSlash(address validator);

    /// @notice Becomes a validator with a first stake; its power counts from the next epoch.
    /// @dev `signer` is the hot key that signs checkpoints; the caller (the owner) keeps control of
    /// the stake. A key can be bound once, ever, to one validator, and must prove it agrees with
    /// `signerProof`: its EIP-712 signature of `SignerKey(address validator,address signer)` in this
    /// contract's domain. With the native currency send `amount` as value; with an ERC20 approve it
    /// first: what this contract receives is credited (fee-on-transfer tokens credit less).
    /// @param signer The signer key, neither zero nor the caller.
    /// @param amount Stake to transfer, giving at least `minStake`.
    /// @param signerProof The signer key's signature of the binding.
    function join(address signer, uint256 amount, bytes calldata signerProof) external payable;

    /// @notice Adds to the caller's bonded stake; the addition counts from the next epoch.
    /// @param amount Stake to transfer (as value for the native currency).
    function topUp(uint256 amount) external payable;

    /// @notice Replaces the caller's signer key from the next epoch.
    /// @dev The old key keeps signing for the rest of this epoch and stays answerable for
    /// equivocation for `unbondingDelay` after its last epoch ends.
    /// @param newSigner The new key, never bound before.
    /// @param signerProof The new key's signature of the binding, as in `join`.
    function rotateSigner(address newSigner, bytes calldata signerProof) external;

    /// @notice Starts unbonding part or all of the caller's stake; it leaves the power of the next epoch.
    /// @dev The whole unbonding amount becomes withdrawable `unbondingDelay` after the latest unstake,
    /// and stays slashable until withdrawn. What remains bonded must be zero or at least `minStake`.
    /// @param amount Stake to unbond.
    function unstake(uint256 amount) external;

    /// @notice Withdraws the caller's unbonded stake once its delay has passed.
    /// @dev A validator left with nothing is removed, which frees its place.
    /// @param to Receiver of the stake.
    function withdraw(address payable to) external;

    /// @notice Frees the place of a validator left with nothing (slashed whole) after its delay.
    /// @param validator The validator to remove.
    function removeValidator(address validator) external;

    /// @notice Slashes a validator that signed two checkpoints of one lane committing different
    /// leaves at one height.
    /// @dev See `checkEquivocation`. Pays `reporterRewardBps` of the slash to the caller and keeps the rest.
    /// @param lane The lane whose domain both checkpoints were signed in.
    /// @param signer The signer key that signed both.
    /// @param first One signed checkpoint and its leaf at the height.
    /// @param second The other, with another leaf at the same height.
    /// @return slashed The stake taken.
    function reportEquivocation(Lane lane, address signer, SignedLeaf calldata first, SignedLeaf calldata second)
        external
        returns (uint256 slashed);

    /// @notice Reverts with the reason unless the evidence would slash; otherwise the validator and the amount.
    /// @dev Both signatures must recover to `signer` under the lane's EIP-712 checkpoint digest; both
    /// leaves must be committed at the same height, inside both ranges; the leaves must differ
    /// (block hash or receipts root: a block hash fixes its receipts root, so two different leaves at
    /// one height cannot both be true). `first` and `second` may be one checkpoint: a root that
    /// commits two leaves at one height is itself a contradiction. A key retired by rotation answers
    /// for `unbondingDelay` after its last epoch; each (validator, lane, height) is slashed once.
    /// @param lane The lane.
    /// @param signer The signer key.
    /// @param first One signed checkpoint and leaf.
    /// @param second The other.
    /// @return validator The validator the key belongs to.
    /// @return amount The stake a report would take.
    function checkEquivocation(Lane lane, address signer, SignedLeaf calldata first, SignedLeaf calldata second)
        external
        view
        returns (address validator, uint256 amount);

    /// @notice Carries the current epoch's set to both chains: schedules it in the main chain's
    /// `StakedValidatorSet` and sends it to the child chain's `ChildValidatorSet` through the Messenger.
    /// @dev Anyone may call it, once per epoch (the main set refuses an epoch it already has, so a
    /// second call reverts and sends nothing), never for an earlier epoch than the last rotated, and
    /// only for the epoch now under way: a stale epoch's validators may have left with their stake.
    /// Reverts for an empty set. On both chains the set is in force `changeDelay` after it arrives;
    /// until then the previous set checks checkpoints. The message asks for enough gas to store the
    /// set (`ROTATION_GAS_BASE + ROTATION_GAS_PER_VALIDATOR` per validator, below the Messenger's cap).
    /// @param epoch The current epoch, named so that a call mined in the next epoch fails instead.
    /// @return messageId The id of the message to the child chain.
    function rotateValidatorSet(uint256 epoch) external returns (bytes32 messageId);

    /// @notice The validator set of an epoch that has begun, as the ValidatorSets take it.
    /// @dev Frozen from the epoch's first second. Sets stay available at least `unbondingDelay` back;
    /// older ones may be pruned when validators leave. Reverts for an empty set.
    /// @param epoch The epoch, at most `currentEpoch()`.
    /// @return signers The validators' signer keys of that epoch, strictly ascending.
    /// @return powers Their voting power (their bonded stake when the epoch began).
    /// @return threshold Power a quorum needs: more than `thresholdBps` of the total, at most the total.
    function validatorSetAt(uint256 epoch)
        external
        view
        returns (address[] memory signers, uint256[] memory powers, uint256 threshold);

    /// @notice Seconds per epoch.
    /// @return The epoch length.
    function epochLength() external view returns (uint64);

    /// @notice Seconds from an epoch's start until its set is in force on both chains, as the
    /// unbonding delay was checked against.
    /// @return Seconds.
    function setChangeDelay() external view returns (uint64);

    /// @notice The epoch now.
    /// @return The epoch number, from 0 at deployment.
    function currentEpoch() external view returns (uint256);

    /// @notice When an epoch begins.
    /// @param epoch The epoch.
    /// @return Unix time of its first second.
    function epochStart(uint256 epoch) external view returns (uint64);

    /// @notice A validator's power in an epoch, as scheduled so far for epochs not yet begun.
    /// @param validator The validator.
    /// @param epoch The epoch.
    /// @return The power.
    function powerAt(address validator, uint256 epoch) external view returns (uint256);

    /// @notice A validator's signer key in an epoch, as scheduled so far for epochs not yet begun.
    /// @param validator The validator.
    /// @param epoch The epoch.
    /// @return The signer key; zero before it joined.
    function signerAt(address validator, uint256 epoch) external view returns (address);

    /// @notice Whom a signer key belongs to, and until when it answers for equivocation.
    /// @param signer The key.
    /// @return validator Its validator, zero if never bound.
    /// @return answerableUntil Unix time until which its signatures can be slashed; the largest
    /// uint64 while it is its validator's key.
    function signerInfo(address signer) external view returns (address validator, uint64 answerableUntil);

    /// @notice A validator's stake and keys.
    /// @param validator The validator.
    /// @return The record.
    function getValidator(address validator) external view returns (ValidatorInfo memory);

    /// @notice Every current validator (exiting and jailed ones included), in no order.
    /// @return The validators' owner addresses.
    function validators() external view returns (address[] memory);

    /// @notice Whether an equivocation was already slashed.
    /// @param validator The validator.
    /// @param lane The lane.
    /// @param height The block height.
    /// @return True once slashed.
    function isSlashed(address validator, Lane lane, uint256 height) external view returns (bool);

    /// @notice A lane's CheckpointManager domain.
    /// @param lane The lane.
    /// @return The domain; zero manager while unset.
    function laneDomain(Lane lane) external view returns (LaneDomain memory);

    /// @notice The EIP-712 digest a validator signs for a checkpoint of a lane.
    /// @param lane The lane.
    /// @param checkpoint The range and root.
    /// @return The digest.
    function checkpointDigest(Lane lane, ICheckpointManager.CheckpointInput calldata checkpoint)
        external
        view
        returns (bytes32);
}
