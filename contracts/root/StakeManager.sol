// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Arrays} from "@openzeppelin/contracts/utils/Arrays.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {ICheckpointManager} from "../interfaces/ICheckpointManager.sol";
import {IMessenger} from "../interfaces/IMessenger.sol";
import {IStakeManager} from "../interfaces/IStakeManager.sol";
import {IStakedValidatorSet} from "../interfaces/IStakedValidatorSet.sol";
import {CheckpointTree} from "../libraries/CheckpointTree.sol";

/// @title StakeManager
/// @notice The main chain's source of truth for the child chain's validators: stake, signer keys,
/// voting power per epoch, and slashing of equivocation seen in either lane.
/// @dev Epochs are spans of `epochLength` seconds from deployment. Seconds, not blocks, because
/// every delay this contract is measured against (challenge periods, set-change delays) is in
/// seconds, and block times differ between chains and change over time.
///
/// Snapshot: each validator's power and signer key are kept as histories keyed by epoch
/// (OpenZeppelin `Checkpoints`). A change made during epoch `e` is written at key `e + 1`, so
/// the values of any epoch that has begun can no longer change: voting power is never the current
/// balance, and stake that arrives (say from a flash loan) counts at the earliest in the next
/// epoch. It cannot leave in the same transaction either: unstaked stake waits `unbondingDelay`.
///
/// Slashing takes `slashBps` of the validator's bonded and unbonding stake, pays
/// `reporterRewardBps` of it to the reporter and keeps the rest here for good (`slashedFunds`, no
/// function moves it): burnt in effect, but the same for the native currency and for ERC20s that
/// refuse transfers to the zero address, and never a prize a self-reporting validator could win back.
contract StakeManager is IStakeManager, AccessControl, ReentrancyGuardTransient, EIP712 {
    using SafeERC20 for IERC20;
    using Checkpoints for Checkpoints.Trace208;
    using Checkpoints for Checkpoints.Trace160;

    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice Stands for the native currency as `stakeToken`.
    address public constant NATIVE_TOKEN = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;

    /// @notice The ValidatorSets name signers by one byte: at most 256 validators.
    uint256 public constant MAX_VALIDATORS = 256;

    /// @notice Longest epoch.
    uint64 public constant MAX_EPOCH_LENGTH = 30 days;

    /// @notice Longest unbonding delay.
    uint64 public constant MAX_UNBONDING_DELAY = 365 days;

    /// @notice EIP-712 type of the checkpoints validators sign, as in `CheckpointManager`.
    bytes32 public constant CHECKPOINT_TYPEHASH =
        keccak256("Checkpoint(uint256 sourceChainId,uint64 startBlock,uint64 endBlock,bytes32 blockRoot)");

    /// @notice EIP-712 type a signer key signs (in this contract's domain) to be bound to a validator.
    bytes32 public constant SIGNER_KEY_TYPEHASH = keccak256("SignerKey(address validator,address signer)");

    /// @notice Gas a rotation message asks for on the child chain, plus `ROTATION_GAS_PER_VALIDATOR`
    /// per validator: storing a set of 256 stays below the Messenger's `MAX_GAS_LIMIT`.
    uint256 public constant ROTATION_GAS_BASE = 200_000;

    /// @notice Gas a rotation message asks for per validator: two fresh storage words, the event and
    /// some margin (a relay with the least gas the Messenger accepts still runs the call: tests and
    /// bench:gas); 256 validators ask for 14.28M.
    uint256 public constant ROTATION_GAS_PER_VALIDATOR = 55_000;

    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant MANAGER_NAME_HASH = keccak256("sidechain-kit CheckpointManager");
    bytes32 private constant MANAGER_VERSION_HASH = keccak256("1");
    uint16 private constant MAX_BPS = 10_000;
    uint16 private constant HALF_BPS = 5_000;

    /// @dev Two slots per validator. `position` is its index in `_members` plus one (zero when it
    /// is not a member); `tenure` counts its joins and outlives its leaving.
    struct ValidatorState {
        address signer;
        Status status;
        uint40 withdrawableAt;
        uint16 position;
        uint32 tenure;
        uint128 stake;
        uint128 unbonding;
    }

    /// @dev One slot per key ever bound. `tenure` counts its validator's joins: a key answers only
    /// for the stake of the tenure it was bound in.
    struct SignerKey {
        address validator;
        uint64 answerableUntil;
        uint32 tenure;
    }

    /// @notice What is staked: an ERC20, or `NATIVE_TOKEN`.
    address public immutable stakeToken;

    /// @notice Seconds per epoch.
    uint64 public immutable epochLength;

    /// @notice Unix time at which epoch 0 began (deployment).
    uint64 public immutable genesis;

    /// @dev Governance parameters, one slot: a report reads the delay and both shares at once.
    struct Parameters {
        uint64 unbondingDelay;
        uint64 challengePeriod;
        uint64 setChangeDelay;
        uint16 maxValidators;
        uint16 slashBps;
        uint16 reporterRewardBps;
    }

    Parameters private _params;

    /// @notice Smallest bonded stake.
    uint128 public minStake;

    /// @notice Slashed stake kept by this contract; nothing moves it.
    uint256 public slashedFunds;

    /// @notice Oldest epoch whose set `validatorSetAt` still knows exactly.
    uint256 public oldestEpoch;

    mapping(address validator => ValidatorState) private _validators;
    mapping(address validator => Checkpoints.Trace208) private _power;
    /// @dev Written only when a key changes (a rotation, or a join after an earlier tenure): while
    /// it is empty, the signer of every epoch is `ValidatorState.signer`.
    mapping(address validator => Checkpoints.Trace160) private _signerHistory;
    mapping(address signer => SignerKey) private _signerKeys;
    mapping(bytes32 offence => bool) private _slashed;
    address[] private _members;
    Checkpoints.Trace208 private _thresholdBps;
    LaneDomain[2] private _lanes;

    /// @notice The main chain's set that rotations schedule; zero until wired.
    IStakedValidatorSet public mainValidatorSet;

    /// @notice The main chain's Messenger that carries rotations to the child chain; zero until wired.
    IMessenger public messenger;

    /// @notice The child chain's `ChildValidatorSet`, the target of rotation messages; zero until wired.
    address public childValidatorSet;

    /// @param admin Governance: lanes, bounds and slashing parameters.
    /// @param config Token, epochs, delays and bounds (see `IStakeManager.Config`).
    /// @param lanes The CheckpointManagers of the `Main` and `Child` lanes; a zero manager is set later.
    constructor(address admin, Config memory config, LaneDomain[2] memory lanes)
        EIP712("sidechain-kit StakeManager", "1")
    {
        if (admin == address(0) || config.stakeToken == address(0)) revert StakeManagerZeroAddress();
        if (config.epochLength == 0 || config.epochLength > MAX_EPOCH_LENGTH) {
            revert StakeManagerInvalidEpochLength(config.epochLength, MAX_EPOCH_LENGTH);
        }
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        stakeToken = config.stakeToken;
        epochLength = config.epochLength;
        genesis = SafeCast.toUint64(block.timestamp);
        _setUnbondingDelay(config.unbondingDelay, config.challengePeriod, config.setChangeDelay);
        _setMinStake(config.minStake);
        _setMaxValidators(config.maxValidators);
        _setSlashing(config.slashBps, config.reporterRewardBps);
        _setThreshold(config.thresholdBps, 0);
        for (uint256 i = 0; i < 2; ++i) {
            _setLane(Lane(i), lanes[i].chainId, lanes[i].manager, true);
        }
    }

    // ---------------------------------------------------------------- staking

    /// @inheritdoc IStakeManager
    function join(address signer, uint256 amount, bytes calldata signerProof) external payable nonReentrant {
        ValidatorState storage state = _validators[msg.sender];
        if (state.status != Status.None) revert StakeManagerAlreadyValidator(msg.sender, state.status);
        uint256 count = _members.length;
        if (count >= _params.maxValidators) revert StakeManagerTooManyValidators(count, _params.maxValidators);
        uint32 tenure = state.tenure + 1;
        _bindSigner(msg.sender, signer, signerProof, tenure);

        uint256 received = _receiveStake(amount);
        if (received < minStake) revert StakeManagerBelowMinStake(msg.sender, received, minStake);
        uint256 fromEpoch = _nextEpoch();
        _validators[msg.sender] = ValidatorState({
            signer: signer,
            status: Status.Active,
            withdrawableAt: 0,
            position: uint16(count + 1),
            tenure: tenure,
            stake: _checkedStake(msg.sender, received),
            unbonding: 0
        });
        _members.push(msg.sender);
        Checkpoints.Trace160 storage history = _signerHistory[msg.sender];
        // Keys of an earlier tenure are in the history: the new key must follow them there.
        if (history.length() != 0) history.push(SafeCast.toUint96(fromEpoch), uint160(signer));
        _schedulePower(msg.sender, fromEpoch, received);
        emit ValidatorJoined(msg.sender, signer, received, fromEpoch);
    }

    /// @inheritdoc IStakeManager
    function topUp(uint256 amount) external payable nonReentrant {
        ValidatorState storage state = _activeValidator(msg.sender);
        uint256 received = _receiveStake(amount);
        if (received == 0) revert StakeManagerZeroAmount();
        uint256 stake = uint256(state.stake) + received;
        state.stake = _checkedStake(msg.sender, stake);
        uint256 fromEpoch = _nextEpoch();
        _schedulePower(msg.sender, fromEpoch, stake);
        emit StakeAdded(msg.sender, received, stake, fromEpoch);
    }

    /// @inheritdoc IStakeManager
    function rotateSigner(address newSigner, bytes calldata signerProof) external {
        ValidatorState storage state = _activeValidator(msg.sender);
        _bindSigner(msg.sender, newSigner, signerProof, state.tenure);
        address oldSigner = state.signer;
        uint256 fromEpoch = _nextEpoch();
        // The old key signs until this epoch ends; its signatures matter while that epoch's set is in
        // force on either chain and its checkpoints are challengeable, all within `unbondingDelay`.
        _signerKeys[oldSigner].answerableUntil = SafeCast.toUint64(_epochStart(fromEpoch) + _params.unbondingDelay);
        state.signer = newSigner;
        Checkpoints.Trace160 storage history = _signerHistory[msg.sender];
        // Until now the key of every epoch was the one in the state: record it before it changes.
        if (history.length() == 0) history.push(0, uint160(oldSigner));
        history.push(SafeCast.toUint96(fromEpoch), uint160(newSigner));
        emit SignerRotated(msg.sender, oldSigner, newSigner, fromEpoch);
    }

    /// @inheritdoc IStakeManager
    function unstake(uint256 amount) external nonReentrant {
        ValidatorState storage state = _activeValidator(msg.sender);
        uint256 stake = state.stake;
        if (amount == 0) revert StakeManagerZeroAmount();
        if (amount > stake) revert StakeManagerInsufficientStake(msg.sender, stake, amount);
        uint256 remaining = stake - amount;
        if (remaining != 0 && remaining < minStake) revert StakeManagerBelowMinStake(msg.sender, remaining, minStake);

        uint64 withdrawableAt = SafeCast.toUint64(block.timestamp) + _params.unbondingDelay;
        state.stake = uint128(remaining);
        state.unbonding += uint128(amount);
        state.withdrawableAt = SafeCast.toUint40(withdrawableAt);
        if (remaining == 0) state.status = Status.Exiting;
        uint256 fromEpoch = _nextEpoch();
        _schedulePower(msg.sender, fromEpoch, remaining);
        emit Unstaked(msg.sender, amount, remaining, withdrawableAt, fromEpoch);
    }

    /// @inheritdoc IStakeManager
    function withdraw(address payable to) external nonReentrant {
        if (to == address(0)) revert StakeManagerZeroAddress();
        ValidatorState storage state = _validators[msg.sender];
        uint256 amount = state.unbonding;
        if (amount == 0) revert StakeManagerNothingToWithdraw(msg.sender);
        // Unbonding stake stays slashable until here: the delay outlasts every checkpoint its keys signed.
        if (block.timestamp < state.withdrawableAt) revert StakeManagerStillUnbonding(msg.sender, state.withdrawableAt);
        state.unbonding = 0;
        if (state.stake == 0) _remove(msg.sender);
        emit Withdrawn(msg.sender, to, amount);
        _sendStake(to, amount);
    }

    /// @inheritdoc IStakeManager
    function removeValidator(address validator) external {
        ValidatorState storage state = _validators[validator];
        bool empty = state.status != Status.None && state.stake == 0 && state.unbonding == 0;
        if (!empty || block.timestamp < state.withdrawableAt) revert StakeManagerNotRemovable(validator);
        _remove(validator);
    }

    // ---------------------------------------------------------------- rotation

    /// @inheritdoc IStakeManager
    function rotateValidatorSet(uint256 epoch) external returns (bytes32 messageId) {
        IStakedValidatorSet mainSet = mainValidatorSet;
        if (address(mainSet) == address(0)) revert StakeManagerRotationNotWired();
        uint256 current = _currentEpoch();
        if (epoch != current) revert StakeManagerEpochNotCurrent(epoch, current);
        (address[] memory signers, uint256[] memory powers, uint256 threshold) = validatorSetAt(epoch);
        // The main set keeps the last epoch rotated and refuses it again: the per-epoch guard for both chains.
        mainSet.applyValidatorSet(epoch, signers, powers, threshold);
        uint256 gasLimit = ROTATION_GAS_BASE + ROTATION_GAS_PER_VALIDATOR * signers.length;
        messageId = messenger.sendMessage(
            childValidatorSet,
            abi.encodeCall(IStakedValidatorSet.applyValidatorSet, (epoch, signers, powers, threshold)),
            gasLimit
        );
        emit ValidatorSetRotated(epoch, messageId, signers.length, gasLimit);
    }

    // ---------------------------------------------------------------- equivocation

    /// @inheritdoc IStakeManager
    function reportEquivocation(Lane lane, address signer, SignedLeaf calldata first, SignedLeaf calldata second)
        external
        nonReentrant
        returns (uint256 slashed)
    {
        address validator;
        (validator, slashed) = checkEquivocation(lane, signer, first, second);
        _punish(validator, signer, lane, first.leaf.number, slashed);
    }

    /// @dev Takes `slashed` from the validator's stake, jails it from the next epoch, pays the
    /// reporter its share and keeps the rest.
    function _punish(address validator, address signer, Lane lane, uint256 height, uint256 slashed) private {
        // One validator, one lane, one height: the same contradiction is never paid twice.
        _slashed[_offence(validator, lane, height)] = true;
        ValidatorState storage state = _validators[validator];
        uint256 fromEpoch = _nextEpoch();
        if (state.stake != 0) _schedulePower(validator, fromEpoch, 0);
        state.unbonding = uint128(uint256(state.stake) + state.unbonding - slashed);
        state.stake = 0;
        state.status = Status.Jailed;
        // Other contradictions of the same keys may still come to light: what is left waits a full delay.
        uint64 lockedUntil = SafeCast.toUint64(block.timestamp) + _params.unbondingDelay;
        if (lockedUntil > state.withdrawableAt) state.withdrawableAt = SafeCast.toUint40(lockedUntil);
        uint256 reward = (slashed * _params.reporterRewardBps) / MAX_BPS;
        slashedFunds += slashed - reward;
        emit EquivocationSlashed(validator, signer, lane, height, msg.sender, slashed, reward, fromEpoch);
        if (reward != 0) _sendStake(payable(msg.sender), reward);
    }

    /// @inheritdoc IStakeManager
    function checkEquivocation(Lane lane, address signer, SignedLeaf calldata first, SignedLeaf calldata second)
        public
        view
        returns (address validator, uint256 amount)
    {
        LaneDomain storage domain = _lanes[uint8(lane)];
        if (domain.manager == address(0)) revert StakeManagerLaneNotSet(lane);
        uint256 height = first.leaf.number;
        if (second.leaf.number != height) revert StakeManagerHeightMismatch(height, second.leaf.number);
        if (first.leaf.hash == second.leaf.hash && first.leaf.receiptsRoot == second.leaf.receiptsRoot) {
            // Honest validators cutting ranges differently sign the same leaf twice: not an offence.
            revert StakeManagerNoEquivocation(height, first.leaf.hash);
        }
        bytes32 separator = _laneSeparator(domain);
        uint256 sourceChainId = _lanes[1 - uint8(lane)].chainId;
        _checkSignedLeaf(lane, signer, separator, sourceChainId, first, 0);
        _checkSignedLeaf(lane, signer, separator, sourceChainId, second, 1);

        SignerKey memory key = _signerKeys[signer];
        validator = key.validator;
        if (validator == address(0)) revert StakeManagerUnknownSigner(signer);
        uint64 answerableUntil = _answerableUntil(key);
        if (block.timestamp >= answerableUntil) revert StakeManagerSignerExpired(signer, answerableUntil);
        if (_slashed[_offence(validator, lane, height)]) revert StakeManagerAlreadySlashed(validator, lane, height);
        ValidatorState storage state = _validators[validator];
        amount = ((uint256(state.stake) + state.unbonding) * _params.slashBps) / MAX_BPS;
        if (amount == 0) revert StakeManagerNothingToSlash(validator);
    }

    /// @dev The leaf must be committed inside the signed range and the signature must be the signer's.
    function _checkSignedLeaf(
        Lane lane,
        address signer,
        bytes32 separator,
        uint256 sourceChainId,
        SignedLeaf calldata signed,
        uint256 index
    ) private pure {
        ICheckpointManager.CheckpointInput calldata checkpoint = signed.checkpoint;
        uint256 height = signed.leaf.number;
        bool committed = height >= checkpoint.startBlock &&
            height <= checkpoint.endBlock &&
            CheckpointTree.contains(signed.proof, checkpoint.blockRoot, height, signed.leaf.hash, signed.leaf.receiptsRoot);
        if (!committed) revert StakeManagerLeafNotInCheckpoint(index, height);
        bytes32 digest = MessageHashUtils.toTypedDataHash(separator, _checkpointStructHash(sourceChainId, checkpoint));
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signed.signature);
        // A signature made in another domain (chain, contract) recovers to some other key: refused alike.
        if (err != ECDSA.RecoverError.NoError || recovered != signer) {
            revert StakeManagerBadSignature(lane, signer, index, recovered);
        }
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IStakeManager
    function validatorSetAt(uint256 epoch)
        public
        view
        returns (address[] memory signers, uint256[] memory powers, uint256 threshold)
    {
        uint256 current = _currentEpoch();
        if (epoch > current) revert StakeManagerEpochNotFrozen(epoch, current);
        if (epoch < oldestEpoch) revert StakeManagerEpochPruned(epoch, oldestEpoch);
        uint48 key = SafeCast.toUint48(epoch);

        uint256 memberCount = _members.length;
        uint256[] memory found = new uint256[](memberCount);
        uint256 count;
        uint256 total;
        for (uint256 i = 0; i < memberCount; ++i) {
            address validator = _members[i];
            uint256 power = _power[validator].upperLookupRecent(key);
            if (power == 0) continue;
            uint256 signer = uint160(_signerAt(validator, key));
            // Packed as the ValidatorSets pack entries: sorting the words sorts by signer address.
            found[count++] = (signer << 96) | power;
            total += power;
        }
        if (count == 0) revert StakeManagerEmptySet(epoch);

        uint256[] memory entries = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) entries[i] = found[i];
        Arrays.sort(entries);
        signers = new address[](count);
        powers = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) {
            signers[i] = address(uint160(entries[i] >> 96));
            powers[i] = uint96(entries[i]);
        }
        threshold = (total * _thresholdBps.upperLookupRecent(key)) / MAX_BPS + 1;
        if (threshold > total) threshold = total;
    }

    /// @inheritdoc IStakeManager
    function currentEpoch() external view returns (uint256) {
        return _currentEpoch();
    }

    /// @inheritdoc IStakeManager
    function epochStart(uint256 epoch) external view returns (uint64) {
        return SafeCast.toUint64(_epochStart(epoch));
    }

    /// @inheritdoc IStakeManager
    function powerAt(address validator, uint256 epoch) external view returns (uint256) {
        return _power[validator].upperLookupRecent(SafeCast.toUint48(epoch));
    }

    /// @inheritdoc IStakeManager
    function signerAt(address validator, uint256 epoch) external view returns (address) {
        return _signerAt(validator, SafeCast.toUint96(epoch));
    }

    /// @notice Seconds an unstaked amount waits before it can be withdrawn.
    /// @return The delay.
    function unbondingDelay() external view returns (uint64) {
        return _params.unbondingDelay;
    }

    /// @notice The challenge period the unbonding delay was checked against.
    /// @return Seconds.
    function challengePeriod() external view returns (uint64) {
        return _params.challengePeriod;
    }

    /// @notice The set-change delay the unbonding delay was checked against.
    /// @return Seconds.
    function setChangeDelay() external view returns (uint64) {
        return _params.setChangeDelay;
    }

    /// @notice Most validators at once.
    /// @return The bound.
    function maxValidators() external view returns (uint16) {
        return _params.maxValidators;
    }

    /// @notice Share of the stake one equivocation costs, in basis points.
    /// @return Basis points.
    function slashBps() external view returns (uint16) {
        return _params.slashBps;
    }

    /// @notice Share of a slash paid to the reporter, in basis points.
    /// @return Basis points.
    function reporterRewardBps() external view returns (uint16) {
        return _params.reporterRewardBps;
    }

    /// @notice The threshold share of an epoch, as scheduled so far for epochs not yet begun.
    /// @param epoch The epoch.
    /// @return Basis points of the total power.
    function thresholdBpsAt(uint256 epoch) external view returns (uint256) {
        return _thresholdBps.upperLookupRecent(SafeCast.toUint48(epoch));
    }

    /// @inheritdoc IStakeManager
    function signerInfo(address signer) external view returns (address validator, uint64 answerableUntil) {
        SignerKey memory key = _signerKeys[signer];
        return (key.validator, _answerableUntil(key));
    }

    /// @inheritdoc IStakeManager
    function getValidator(address validator) external view returns (ValidatorInfo memory) {
        ValidatorState memory state = _validators[validator];
        return ValidatorInfo(state.signer, state.status, state.withdrawableAt, state.stake, state.unbonding);
    }

    /// @inheritdoc IStakeManager
    function validators() external view returns (address[] memory) {
        return _members;
    }

    /// @inheritdoc IStakeManager
    function isSlashed(address validator, Lane lane, uint256 height) external view returns (bool) {
        return _slashed[_offence(validator, lane, height)];
    }

    /// @inheritdoc IStakeManager
    function laneDomain(Lane lane) external view returns (LaneDomain memory) {
        return _lanes[uint8(lane)];
    }

    /// @inheritdoc IStakeManager
    function checkpointDigest(Lane lane, ICheckpointManager.CheckpointInput calldata checkpoint)
        external
        view
        returns (bytes32)
    {
        LaneDomain storage domain = _lanes[uint8(lane)];
        if (domain.manager == address(0)) revert StakeManagerLaneNotSet(lane);
        uint256 sourceChainId = _lanes[1 - uint8(lane)].chainId;
        return MessageHashUtils.toTypedDataHash(_laneSeparator(domain), _checkpointStructHash(sourceChainId, checkpoint));
    }

    /// @notice The digest a signer key signs to be bound to `validator` (see `join`).
    /// @param validator The validator (owner) address.
    /// @param signer The key.
    /// @return The EIP-712 digest in this contract's domain.
    function signerKeyDigest(address validator, address signer) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(SIGNER_KEY_TYPEHASH, validator, signer)));
    }

    // ---------------------------------------------------------------- governance

    /// @notice Points a lane at a CheckpointManager.
    /// @dev Evidence signed in the previous domain of the lane is refused from then on: replace a lane
    /// only once the old manager's checkpoints no longer matter (its keys' answerable time has passed).
    /// The lane's source chain is the other lane's chain.
    /// @param lane The lane.
    /// @param chainId The chain the manager is on, non-zero.
    /// @param manager The manager, non-zero.
    function setLane(Lane lane, uint256 chainId, address manager) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setLane(lane, chainId, manager, false);
    }

    /// @notice Wires where rotations go: the main chain's set, the Messenger and the child chain's set.
    /// @dev The sets accept snapshots only from this contract (the child one only through the
    /// Messenger), so re-pointing them can stop rotations but never install a set.
    /// @param mainSet The `StakedValidatorSet` beside the main CheckpointManager, non-zero.
    /// @param messenger_ This chain's Messenger, non-zero.
    /// @param childSet The `ChildValidatorSet` on the child chain, non-zero.
    function setRotation(IStakedValidatorSet mainSet, IMessenger messenger_, address childSet)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        if (address(mainSet) == address(0) || address(messenger_) == address(0) || childSet == address(0)) {
            revert StakeManagerZeroAddress();
        }
        mainValidatorSet = mainSet;
        messenger = messenger_;
        childValidatorSet = childSet;
        emit RotationWired(address(mainSet), address(messenger_), childSet);
    }

    /// @notice Sets the quorum share from the next epoch on; sets of epochs already begun keep theirs.
    /// @param newThresholdBps Basis points above 5,000, at most 10,000.
    function setThreshold(uint16 newThresholdBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setThreshold(newThresholdBps, _nextEpoch());
    }

    /// @notice Sets the smallest stake for joins and for what an unstake leaves bonded.
    /// @param newMinStake Non-zero amount.
    function setMinStake(uint128 newMinStake) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setMinStake(newMinStake);
    }

    /// @notice Sets the most validators at once; lowering it below the count only stops joins.
    /// @param newMaxValidators From 1 to 256.
    function setMaxValidators(uint16 newMaxValidators) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setMaxValidators(newMaxValidators);
    }

    /// @notice Sets the share of stake an equivocation costs and the reporter's share of it.
    /// @param newSlashBps From 1 to 10,000.
    /// @param newReporterRewardBps Below 10,000, so that reporting oneself still costs.
    function setSlashing(uint16 newSlashBps, uint16 newReporterRewardBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setSlashing(newSlashBps, newReporterRewardBps);
    }

    /// @notice Sets the unbonding delay for unstakes and rotations from now on, checked against the
    /// lanes' current challenge period and set-change delay.
    /// @param newUnbondingDelay Seconds, longer than `epochLength + newChallengePeriod + newSetChangeDelay`.
    /// @param newChallengePeriod The longer challenge period of the two lanes.
    /// @param newSetChangeDelay Seconds from an epoch's start until its set is in force on both chains.
    function setUnbondingDelay(uint64 newUnbondingDelay, uint64 newChallengePeriod, uint64 newSetChangeDelay)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        _setUnbondingDelay(newUnbondingDelay, newChallengePeriod, newSetChangeDelay);
    }

    // ---------------------------------------------------------------- internals

    function _activeValidator(address validator) private view returns (ValidatorState storage state) {
        state = _validators[validator];
        if (state.status != Status.Active) revert StakeManagerNotActive(validator, state.status);
    }

    /// @dev Binds a never-used key to `validator` once the key has signed the binding: a key cannot
    /// be claimed by someone who does not hold it, nor serve two validators (or one validator twice).
    function _bindSigner(address validator, address signer, bytes calldata signerProof, uint32 tenure) private {
        if (signer == address(0) || signer == validator) revert StakeManagerInvalidSigner(signer);
        address holder = _signerKeys[signer].validator;
        if (holder != address(0)) revert StakeManagerSignerUsed(signer, holder);
        (address recovered, ECDSA.RecoverError err, ) =
            ECDSA.tryRecoverCalldata(signerKeyDigest(validator, signer), signerProof);
        if (err != ECDSA.RecoverError.NoError || recovered != signer) revert StakeManagerBadSignerProof(signer, recovered);
        _signerKeys[signer] = SignerKey(validator, type(uint64).max, tenure);
    }

    /// @dev Zero for a key of an earlier tenure: the stake it answered for was withdrawn or slashed.
    function _answerableUntil(SignerKey memory key) private view returns (uint64) {
        return key.tenure == _validators[key.validator].tenure ? key.answerableUntil : 0;
    }

    function _signerAt(address validator, uint96 epoch) private view returns (address) {
        Checkpoints.Trace160 storage history = _signerHistory[validator];
        if (history.length() == 0) return _validators[validator].signer;
        return address(history.upperLookupRecent(epoch));
    }

    /// @dev Pulls the stake and returns what arrived: the balance difference for an ERC20.
    function _receiveStake(uint256 amount) private returns (uint256 received) {
        if (stakeToken == NATIVE_TOKEN) {
            if (msg.value != amount) revert StakeManagerValueMismatch(amount, msg.value);
            return amount;
        }
        if (msg.value != 0) revert StakeManagerValueMismatch(0, msg.value);
        IERC20 token = IERC20(stakeToken);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        received = token.balanceOf(address(this)) - before;
    }

    function _sendStake(address payable to, uint256 amount) private {
        if (stakeToken == NATIVE_TOKEN) {
            Address.sendValue(to, amount);
        } else {
            IERC20(stakeToken).safeTransfer(to, amount);
        }
    }

    /// @dev A validator's stake is its power, which the ValidatorSets keep in 96 bits.
    function _checkedStake(address validator, uint256 stake) private pure returns (uint128) {
        if (stake > type(uint96).max) revert StakeManagerStakeTooLarge(validator, stake, type(uint96).max);
        return uint128(stake);
    }

    function _schedulePower(address validator, uint256 fromEpoch, uint256 power) private {
        _power[validator].push(SafeCast.toUint48(fromEpoch), SafeCast.toUint208(power));
    }

    /// @dev Frees the validator's place. Its past power is forgotten with it, so sets before the
    /// epoch its power ended are no longer exact (`oldestEpoch`). That epoch lies at least
    /// `unbondingDelay` back, since removal waits for the validator's last delay.
    function _remove(address validator) private {
        Checkpoints.Trace208 storage power = _power[validator];
        if (power.length() > 1) {
            (, uint48 endedAt, ) = power.latestCheckpoint();
            if (endedAt > oldestEpoch) oldestEpoch = endedAt;
        }
        // Its last key signed nothing that can still matter, and must not answer for a later stake of
        // the same owner.
        _signerKeys[_validators[validator].signer].answerableUntil = SafeCast.toUint64(block.timestamp);
        ValidatorState storage state = _validators[validator];
        uint16 position = state.position;
        uint256 last = _members.length;
        if (position != last) {
            address moved = _members[last - 1];
            _members[position - 1] = moved;
            _validators[moved].position = position;
        }
        _members.pop();
        // Everything but the tenure, which keeps this tenure's keys from answering for a later one.
        _validators[validator] = ValidatorState(address(0), Status.None, 0, 0, state.tenure, 0, 0);
        emit ValidatorRemoved(validator);
    }

    function _offence(address validator, Lane lane, uint256 height) private pure returns (bytes32) {
        return keccak256(abi.encode(validator, lane, height));
    }

    function _laneSeparator(LaneDomain storage domain) private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, MANAGER_NAME_HASH, MANAGER_VERSION_HASH, domain.chainId, domain.manager));
    }

    function _checkpointStructHash(uint256 sourceChainId, ICheckpointManager.CheckpointInput calldata checkpoint)
        private
        pure
        returns (bytes32)
    {
        return keccak256(
            abi.encode(CHECKPOINT_TYPEHASH, sourceChainId, checkpoint.startBlock, checkpoint.endBlock, checkpoint.blockRoot)
        );
    }

    function _currentEpoch() private view returns (uint256) {
        return (block.timestamp - genesis) / epochLength;
    }

    function _nextEpoch() private view returns (uint256) {
        return _currentEpoch() + 1;
    }

    function _epochStart(uint256 epoch) private view returns (uint256) {
        return genesis + epoch * epochLength;
    }

    function _setLane(Lane lane, uint256 chainId, address manager, bool allowUnset) private {
        if (chainId == 0 || (manager == address(0) && !allowUnset)) revert StakeManagerInvalidLane(lane, chainId, manager);
        _lanes[uint8(lane)] = LaneDomain(chainId, manager);
        emit LaneUpdated(lane, chainId, manager);
    }

    function _setThreshold(uint16 newThresholdBps, uint256 fromEpoch) private {
        // Above half: two quorums of one epoch always share a validator, who would have to equivocate.
        if (newThresholdBps <= HALF_BPS || newThresholdBps > MAX_BPS) revert StakeManagerInvalidThreshold(newThresholdBps);
        _thresholdBps.push(SafeCast.toUint48(fromEpoch), newThresholdBps);
        emit ThresholdUpdated(newThresholdBps, fromEpoch);
    }

    function _setMinStake(uint128 newMinStake) private {
        if (newMinStake == 0) revert StakeManagerZeroMinStake();
        minStake = newMinStake;
        emit MinStakeUpdated(newMinStake);
    }

    function _setMaxValidators(uint16 newMaxValidators) private {
        if (newMaxValidators == 0 || newMaxValidators > MAX_VALIDATORS) {
            revert StakeManagerInvalidMaxValidators(newMaxValidators, MAX_VALIDATORS);
        }
        _params.maxValidators = newMaxValidators;
        emit MaxValidatorsUpdated(newMaxValidators);
    }

    function _setSlashing(uint16 newSlashBps, uint16 newReporterRewardBps) private {
        if (newSlashBps == 0 || newSlashBps > MAX_BPS || newReporterRewardBps >= MAX_BPS) {
            revert StakeManagerInvalidSlashing(newSlashBps, newReporterRewardBps);
        }
        _params.slashBps = newSlashBps;
        _params.reporterRewardBps = newReporterRewardBps;
        emit SlashingUpdated(newSlashBps, newReporterRewardBps);
    }

    function _setUnbondingDelay(uint64 newUnbondingDelay, uint64 newChallengePeriod, uint64 newSetChangeDelay) private {
        if (newChallengePeriod == 0) revert StakeManagerZeroChallengePeriod();
        // Stake unstaked at the start of epoch e still has power for the whole epoch; the set of e stays
        // in force on the chains until setChangeDelay after e ends; checkpoints signed by it stay
        // challengeable for a challenge period more. The stake must be slashable all that time.
        uint256 minimum = uint256(epochLength) + newChallengePeriod + newSetChangeDelay;
        if (newUnbondingDelay <= minimum) revert StakeManagerUnbondingTooShort(newUnbondingDelay, minimum);
        if (newUnbondingDelay > MAX_UNBONDING_DELAY) revert StakeManagerUnbondingTooLong(newUnbondingDelay, MAX_UNBONDING_DELAY);
        _params.unbondingDelay = newUnbondingDelay;
        _params.challengePeriod = newChallengePeriod;
        _params.setChangeDelay = newSetChangeDelay;
        emit UnbondingDelayUpdated(newUnbondingDelay, newChallengePeriod, newSetChangeDelay);
    }
}
