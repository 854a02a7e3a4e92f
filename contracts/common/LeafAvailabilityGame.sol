// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {BlockHeader} from "@openzeppelin/contracts/utils/BlockHeader.sol";
import {Memory} from "@openzeppelin/contracts/utils/Memory.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {ICheckpointManager} from "../interfaces/ICheckpointManager.sol";
import {ILeafAvailabilityGame} from "../interfaces/ILeafAvailabilityGame.sol";
import {CheckpointTree} from "../libraries/CheckpointTree.sol";
import {CheckpointManager} from "./CheckpointManager.sol";

/// @title LeafAvailabilityGame
/// @notice Makes a checkpoint's committed data available on demand. A CheckpointManager stores
/// only a block root; a challenger that cannot get the leaves behind it (or the header behind one
/// leaf) can demand them here with a bond. Whoever has them publishes them in calldata before the
/// response window ends, and is paid its costs from the bond. If nobody does, anyone resolves the
/// demand: the checkpoint and its successors are reverted and the proposer's share of its bond is
/// slashed, through the manager's `revertUnavailable` (this contract holds its `AVAILABILITY_ROLE`).
/// @dev Modelled on the data-availability challenge of Optimism's Alt-DA, applied to checkpoint
/// leaves. The whole game fits inside the checkpoint's challenge period: a leaf demand is refused
/// later than `2 * (responseWindow + resolveWindow)` before the checkpoint's finality, a header
/// demand later than `responseWindow + resolveWindow` before it, so every open demand can be
/// answered and then resolved while the checkpoint is still pending. Finality itself is untouched:
/// submissions pay nothing for the game. Like a challenge, a resolution must be mined before the
/// checkpoint is final; a demand left unresolved at finality is voided.
/// Funds are credited and withdrawn (`withdraw`), never pushed, so no receiver can block an answer
/// or a resolution.
contract LeafAvailabilityGame is ILeafAvailabilityGame, AccessControl, ReentrancyGuardTransient {
    using Memory for Memory.Slice;

    /// @notice Version of this contract's interface and storage.
    string public constant version = "0.1.0";

    /// @notice Most leaves one publication carries (64 KiB of leaves in calldata, under the
    /// usual 128 KiB transaction size limit of node mempools). A checkpoint with more blocks
    /// cannot be shown available, so a demand for its leaves always succeeds: proposers keep
    /// their ranges at or under this.
    uint256 public constant MAX_LEAVES = 1024;

    /// @notice `DemandResolved.blockNumber` of a leaf demand.
    uint256 public constant LEAF_DEMAND = type(uint256).max;

    /// @notice Longest window governance may set; finality times are 40-bit in the manager.
    uint64 public constant MAX_WINDOW = 7 days;

    /// @dev Gas the intrinsic part of an answer costs: the transaction base.
    uint256 private constant TX_BASE_GAS = 21_000;
    /// @dev Gas per calldata byte charged to the demander: the price of a non-zero byte, an upper
    /// bound for an answer's calldata (almost all hashes). An answer spends more than the EIP-7623
    /// floor's surcharge on execution (hashing the tree, the event), so the standard price is what it pays.
    uint256 private constant CALLDATA_GAS_PER_BYTE = 16;
    /// @dev Gas per byte of the published event's data: 8 for the LOG itself, 2 for encoding it in memory.
    uint256 private constant LOG_GAS_PER_BYTE = 10;
    /// @dev Gas spent after the measurement: the credits, the event's fixed part and memory.
    uint256 private constant SETTLE_GAS = 60_000;

    /// @notice The manager whose checkpoints are played for.
    CheckpointManager public immutable checkpointManager;

    /// @notice Seconds a demand stays open for an answer.
    uint64 public responseWindow;

    /// @notice Seconds left, after a response window, to get a resolution (or the next demand) mined before finality.
    uint64 public resolveWindow;

    /// @notice Bond a leaf demand carries.
    uint96 public leafDemandBond;

    /// @notice Bond a header demand carries.
    uint96 public headerDemandBond;

    /// @notice Funds credited to each account, to `withdraw`.
    mapping(address account => uint256) public balanceOf;

    mapping(uint256 id => Demand) private _leafDemands;
    mapping(uint256 id => mapping(uint256 blockNumber => Demand)) private _headerDemands;
    /// @dev CheckpointTree leaf hash of each header demand's leaf: what the revealed header must match.
    mapping(uint256 id => mapping(uint256 blockNumber => bytes32)) private _headerLeaves;

    /// @param admin Governance: sets the windows and bonds.
    /// @param manager The CheckpointManager; it must grant this contract its `AVAILABILITY_ROLE`.
    /// @param responseWindow_ Seconds to answer a demand, non-zero.
    /// @param resolveWindow_ Seconds to get a resolution mined, non-zero; `2 * (response + resolve)`
    /// must be below the manager's challenge period.
    /// @param leafDemandBond_ Bond of a leaf demand, non-zero: it pays the publisher's costs.
    /// @param headerDemandBond_ Bond of a header demand, non-zero.
    constructor(
        address admin,
        CheckpointManager manager,
        uint64 responseWindow_,
        uint64 resolveWindow_,
        uint96 leafDemandBond_,
        uint96 headerDemandBond_
    ) {
        if (admin == address(0) || address(manager) == address(0)) revert LeafAvailabilityGameZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        checkpointManager = manager;
        _setWindows(responseWindow_, resolveWindow_);
        _setDemandBonds(leafDemandBond_, headerDemandBond_);
    }

    /// @notice Accepts only the manager's challenger rewards, paid during a resolution.
    receive() external payable {
        if (msg.sender != address(checkpointManager)) revert LeafAvailabilityGameUnexpectedValue(msg.sender);
    }

    // ---------------------------------------------------------------- leaves

    /// @inheritdoc ILeafAvailabilityGame
    function demandLeaves(uint256 id) external payable nonReentrant {
        if (msg.value != leafDemandBond) revert LeafAvailabilityGameWrongBond(leafDemandBond, msg.value);
        (, , bytes32 blockRoot, uint64 finalizesAt) = checkpointManager.getCheckpoint(id);
        uint64 latest = _latest(finalizesAt, 2);
        if (block.timestamp > latest) revert LeafAvailabilityGameDemandTooLate(id, latest);
        Demand storage demand = _leafDemands[id];
        _replace(id, LEAF_DEMAND, demand, blockRoot, finalizesAt);
        uint64 deadline = _writeDemand(demand, blockRoot, finalizesAt, msg.value);
        emit LeavesDemanded(id, msg.sender, blockRoot, deadline, msg.value);
    }

    /// @inheritdoc ILeafAvailabilityGame
    function publishLeaves(uint256 id, PublishedLeaf[] calldata leaves) external nonReentrant {
        uint256 startGas = gasleft();
        Demand storage demand = _leafDemands[id];
        (uint64 startBlock, uint64 endBlock, bytes32 blockRoot, ) = _checkAnswerable(id, LEAF_DEMAND, demand);
        uint256 expected = uint256(endBlock) - startBlock + 1;
        if (expected > MAX_LEAVES) revert LeafAvailabilityGameTooManyLeaves(id, expected, MAX_LEAVES);
        if (leaves.length != expected) revert LeafAvailabilityGameLeafCountMismatch(id, expected, leaves.length);
        bytes32 rebuilt = rebuildRoot(startBlock, leaves);
        if (rebuilt != blockRoot) revert LeafAvailabilityGameRootMismatch(id, blockRoot, rebuilt);
        uint256 cost = _settleAnswer(demand, startGas, leaves.length * 64);
        emit LeavesPublished(id, msg.sender, blockRoot, startBlock, leaves, cost);
    }

    /// @inheritdoc ILeafAvailabilityGame
    function resolveLeaves(uint256 id, ICheckpointManager.Attestation calldata attestation) external nonReentrant {
        _resolve(id, LEAF_DEMAND, _leafDemands[id], attestation, ICheckpointManager.Fraud.LeavesUnavailable);
    }

    // ---------------------------------------------------------------- headers

    /// @inheritdoc ILeafAvailabilityGame
    function demandHeader(uint256 id, ICheckpointManager.BlockLeaf calldata leaf, bytes32[] calldata proof)
        external
        payable
        nonReentrant
    {
        if (msg.value != headerDemandBond) revert LeafAvailabilityGameWrongBond(headerDemandBond, msg.value);
        (, , bytes32 blockRoot, uint64 finalizesAt) = checkpointManager.getCheckpoint(id);
        uint64 latest = _latest(finalizesAt, 1);
        if (block.timestamp > latest) revert LeafAvailabilityGameDemandTooLate(id, latest);
        if (!checkpointManager.isBlockCommitted(id, leaf, proof)) {
            revert LeafAvailabilityGameBlockNotCommitted(id, leaf.number);
        }
        Demand storage demand = _headerDemands[id][leaf.number];
        _replace(id, leaf.number, demand, blockRoot, finalizesAt);
        uint64 deadline = _writeDemand(demand, blockRoot, finalizesAt, msg.value);
        _headerLeaves[id][leaf.number] = CheckpointTree.leaf(leaf.number, leaf.hash, leaf.receiptsRoot);
        emit HeaderDemanded(id, leaf.number, msg.sender, leaf.hash, leaf.receiptsRoot, deadline, msg.value);
    }

    /// @inheritdoc ILeafAvailabilityGame
    function revealHeader(uint256 id, ICheckpointManager.BlockLeaf calldata leaf, bytes calldata header)
        external
        nonReentrant
    {
        uint256 startGas = gasleft();
        Demand storage demand = _headerDemands[id][leaf.number];
        _checkAnswerable(id, leaf.number, demand);
        if (CheckpointTree.leaf(leaf.number, leaf.hash, leaf.receiptsRoot) != _headerLeaves[id][leaf.number]) {
            revert LeafAvailabilityGameLeafMismatch(id, leaf.number);
        }
        bytes32 headerHash = keccak256(header);
        if (headerHash != leaf.hash) revert LeafAvailabilityGameHeaderHashMismatch(leaf.number, leaf.hash, headerHash);
        // A real header that disagrees with its leaf is no answer: it is header fraud, which
        // `challengeHeader` proves at once, and the demand stays open until it is resolved.
        Memory.Slice[] memory fields = BlockHeader.parseHeader(header);
        if (BlockHeader.getNumber(fields) != leaf.number || BlockHeader.getReceiptsRoot(fields) != leaf.receiptsRoot) {
            revert LeafAvailabilityGameHeaderDisagrees(id, leaf.number);
        }
        uint256 cost = _settleAnswer(demand, startGas, header.length);
        emit HeaderRevealed(id, leaf.number, msg.sender, header, cost);
    }

    /// @inheritdoc ILeafAvailabilityGame
    function resolveHeader(uint256 id, uint256 blockNumber, ICheckpointManager.Attestation calldata attestation)
        external
        nonReentrant
    {
        _resolve(id, blockNumber, _headerDemands[id][blockNumber], attestation, ICheckpointManager.Fraud.HeaderUnavailable);
    }

    // ---------------------------------------------------------------- funds

    /// @inheritdoc ILeafAvailabilityGame
    function withdraw(address payable to) external nonReentrant {
        if (to == address(0)) revert LeafAvailabilityGameZeroAddress();
        uint256 amount = balanceOf[msg.sender];
        if (amount == 0) revert LeafAvailabilityGameNothingToWithdraw(msg.sender);
        balanceOf[msg.sender] = 0;
        emit Withdrawn(msg.sender, to, amount);
        Address.sendValue(to, amount);
    }

    // ---------------------------------------------------------------- views

    /// @notice The leaf demand of checkpoint `id` (the last one made for that id, live or not).
    /// @param id The checkpoint.
    /// @return The demand; `status` None when there was none.
    function leafDemand(uint256 id) external view returns (Demand memory) {
        return _leafDemands[id];
    }

    /// @notice The header demand of block `blockNumber` in checkpoint `id`.
    /// @param id The checkpoint.
    /// @param blockNumber The block.
    /// @return The demand; `status` None when there was none.
    function headerDemand(uint256 id, uint256 blockNumber) external view returns (Demand memory) {
        return _headerDemands[id][blockNumber];
    }

    /// @notice The last time the leaves of checkpoint `id` may be demanded.
    /// @param id The checkpoint; reverts when unknown.
    /// @return Unix time; before the checkpoint's finality by twice the response and resolve windows.
    function latestLeafDemand(uint256 id) external view returns (uint64) {
        (, , , uint64 finalizesAt) = checkpointManager.getCheckpoint(id);
        return _latest(finalizesAt, 2);
    }

    /// @notice The last time a header of checkpoint `id` may be demanded.
    /// @param id The checkpoint; reverts when unknown.
    /// @return Unix time; before the checkpoint's finality by the response and resolve windows.
    function latestHeaderDemand(uint256 id) external view returns (uint64) {
        (, , , uint64 finalizesAt) = checkpointManager.getCheckpoint(id);
        return _latest(finalizesAt, 1);
    }

    /// @notice The root of the checkpoint tree over `leaves`, numbered from `startBlock`: the
    /// layout of OpenZeppelin's `StandardMerkleTree` without leaf sorting, as the relayer builds it.
    /// @dev Nodes in one array, node `k`'s children at `2k + 1` and `2k + 2`, leaf `i` at the end
    /// counted backwards (`2n - 2 - i`), pairs hashed sorted.
    /// @param startBlock Number of the first leaf.
    /// @param leaves The leaves, at least one.
    /// @return The block root.
    function rebuildRoot(uint256 startBlock, PublishedLeaf[] calldata leaves) public pure returns (bytes32) {
        uint256 count = leaves.length;
        bytes32[] memory tree = new bytes32[](2 * count - 1);
        for (uint256 i = 0; i < count; ++i) {
            tree[2 * count - 2 - i] = CheckpointTree.leaf(startBlock + i, leaves[i].hash, leaves[i].receiptsRoot);
        }
        for (uint256 k = count - 1; k > 0; --k) {
            tree[k - 1] = Hashes.commutativeKeccak256(tree[2 * k - 1], tree[2 * k]);
        }
        return tree[0];
    }

    // ---------------------------------------------------------------- governance

    /// @notice Sets the windows for demands made from now on.
    /// @dev Open demands keep their deadlines. A manager whose challenge period is later shortened
    /// below the game's length refuses demands (they would come too late), it never lets one outlive finality.
    /// @param newResponseWindow Seconds to answer, non-zero, at most `MAX_WINDOW`.
    /// @param newResolveWindow Seconds to resolve, non-zero, at most `MAX_WINDOW`.
    function setWindows(uint64 newResponseWindow, uint64 newResolveWindow) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setWindows(newResponseWindow, newResolveWindow);
    }

    /// @notice Sets the bonds of demands made from now on.
    /// @param newLeafDemandBond Non-zero; it should cover publishing `MAX_LEAVES` leaves at the expected base fee.
    /// @param newHeaderDemandBond Non-zero.
    function setDemandBonds(uint96 newLeafDemandBond, uint96 newHeaderDemandBond)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        _setDemandBonds(newLeafDemandBond, newHeaderDemandBond);
    }

    // ---------------------------------------------------------------- internals

    /// @dev The last demand time before `finalizesAt` that leaves `rounds` answer-and-resolve rounds.
    function _latest(uint64 finalizesAt, uint64 rounds) private view returns (uint64) {
        uint64 game = rounds * (responseWindow + resolveWindow);
        return finalizesAt > game ? finalizesAt - game : 0;
    }

    /// @dev Refuses a second demand for one submission; an open demand for a submission that is
    /// gone (reverted by another challenge) is voided first, its bond returned.
    function _replace(uint256 id, uint256 blockNumber, Demand storage demand, bytes32 blockRoot, uint64 finalizesAt)
        private
    {
        DemandStatus status = demand.status;
        if (status == DemandStatus.None) return;
        if (demand.blockRootPrefix == bytes16(blockRoot) && demand.finalizesAt == finalizesAt) {
            revert LeafAvailabilityGameAlreadyDemanded(id, blockNumber, status);
        }
        if (status == DemandStatus.Open) _void(id, blockNumber, demand);
    }

    function _writeDemand(Demand storage demand, bytes32 blockRoot, uint64 finalizesAt, uint256 bond)
        private
        returns (uint64 deadline)
    {
        deadline = SafeCast.toUint64(block.timestamp) + responseWindow;
        demand.demander = msg.sender;
        demand.deadline = SafeCast.toUint40(deadline);
        demand.finalizesAt = SafeCast.toUint40(finalizesAt);
        demand.status = DemandStatus.Open;
        demand.blockRootPrefix = bytes16(blockRoot);
        demand.bond = SafeCast.toUint96(bond);
    }

    /// @dev An open demand, for the live submission, inside its response window.
    function _checkAnswerable(uint256 id, uint256 blockNumber, Demand storage demand)
        private
        view
        returns (uint64 startBlock, uint64 endBlock, bytes32 blockRoot, uint64 finalizesAt)
    {
        if (demand.status != DemandStatus.Open) revert LeafAvailabilityGameNoOpenDemand(id, blockNumber);
        uint64 deadline = demand.deadline;
        if (block.timestamp >= deadline) revert LeafAvailabilityGameResponseWindowClosed(id, blockNumber, deadline);
        (startBlock, endBlock, blockRoot, finalizesAt) = checkpointManager.getCheckpoint(id);
        // A reverted id may hold another submission now: the demand was not about it.
        if (!_isFor(demand, blockRoot, finalizesAt)) revert LeafAvailabilityGameNoOpenDemand(id, blockNumber);
    }

    /// @dev Pays the answer's costs from the bond and returns the rest to the demander. The cost is
    /// an upper bound of the answer's gas, priced at the base fee (a priority fee is the publisher's
    /// choice, not the demander's): the transaction base, 16 gas per calldata byte, the execution
    /// measured so far, the event's data and a fixed allowance for what follows the measurement. `logBytes` is the size of the data the event repeats.
    function _settleAnswer(Demand storage demand, uint256 startGas, uint256 logBytes) private returns (uint256 cost) {
        // Marked before the credits: the same demand can be answered once.
        demand.status = DemandStatus.Answered;
        uint256 gasUsed = TX_BASE_GAS +
            CALLDATA_GAS_PER_BYTE *
            msg.data.length +
            (startGas - gasleft()) +
            LOG_GAS_PER_BYTE *
            logBytes +
            SETTLE_GAS;
        cost = gasUsed * block.basefee;
        uint256 bond = demand.bond;
        if (cost > bond) cost = bond;
        balanceOf[msg.sender] += cost;
        balanceOf[demand.demander] += bond - cost;
    }

    /// @dev After the deadline, an unanswered demand for a live pending checkpoint reverts it; one
    /// whose checkpoint is gone or final is voided. The reward from the manager goes to the demander.
    function _resolve(
        uint256 id,
        uint256 blockNumber,
        Demand storage demand,
        ICheckpointManager.Attestation calldata attestation,
        ICheckpointManager.Fraud fraud
    ) private {
        if (demand.status != DemandStatus.Open) revert LeafAvailabilityGameNoOpenDemand(id, blockNumber);
        if (!_isLive(id, demand) || block.timestamp >= demand.finalizesAt) {
            _void(id, blockNumber, demand);
            return;
        }
        uint64 deadline = demand.deadline;
        if (block.timestamp < deadline) revert LeafAvailabilityGameResponseWindowOpen(id, blockNumber, deadline);
        // Marked before the call: a resolution happens once.
        demand.status = DemandStatus.Unavailable;
        address demander = demand.demander;
        uint256 bond = demand.bond;
        uint256 before = address(this).balance;
        checkpointManager.revertUnavailable(id, attestation, fraud);
        uint256 reward = address(this).balance - before;
        balanceOf[demander] += bond + reward;
        emit DemandResolved(id, blockNumber, demander, DemandStatus.Unavailable, bond, reward);
    }

    function _void(uint256 id, uint256 blockNumber, Demand storage demand) private {
        demand.status = DemandStatus.Void;
        address demander = demand.demander;
        uint256 bond = demand.bond;
        balanceOf[demander] += bond;
        emit DemandResolved(id, blockNumber, demander, DemandStatus.Void, bond, 0);
    }

    /// @dev Whether the submission the demand is about is still checkpoint `id`.
    function _isLive(uint256 id, Demand storage demand) private view returns (bool) {
        if (id >= checkpointManager.checkpointCount()) return false;
        (, , bytes32 blockRoot, uint64 finalizesAt) = checkpointManager.getCheckpoint(id);
        return _isFor(demand, blockRoot, finalizesAt);
    }

    function _isFor(Demand storage demand, bytes32 blockRoot, uint64 finalizesAt) private view returns (bool) {
        return demand.blockRootPrefix == bytes16(blockRoot) && demand.finalizesAt == finalizesAt;
    }

    function _setWindows(uint64 newResponseWindow, uint64 newResolveWindow) private {
        if (newResponseWindow == 0 || newResolveWindow == 0) revert LeafAvailabilityGameZeroWindow();
        if (newResponseWindow > MAX_WINDOW || newResolveWindow > MAX_WINDOW) {
            revert LeafAvailabilityGameWindowsTooLong(2 * (newResponseWindow + newResolveWindow), checkpointManager.challengePeriod());
        }
        // The whole game (a leaf demand, its answer, a header demand, its answer, each resolvable)
        // must fit in a challenge period, or no demand could ever be made.
        uint64 game = 2 * (newResponseWindow + newResolveWindow);
        uint64 period = checkpointManager.challengePeriod();
        if (game >= period) revert LeafAvailabilityGameWindowsTooLong(game, period);
        responseWindow = newResponseWindow;
        resolveWindow = newResolveWindow;
        emit WindowsUpdated(newResponseWindow, newResolveWindow);
    }

    function _setDemandBonds(uint96 newLeafDemandBond, uint96 newHeaderDemandBond) private {
        // A free demand would make the proposer publish at its own cost for nothing.
        if (newLeafDemandBond == 0 || newHeaderDemandBond == 0) revert LeafAvailabilityGameZeroBond();
        leafDemandBond = newLeafDemandBond;
        headerDemandBond = newHeaderDemandBond;
        emit DemandBondsUpdated(newLeafDemandBond, newHeaderDemandBond);
    }
}
