// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IFlowControl} from "../interfaces/IFlowControl.sol";
import {TokenBridge} from "./TokenBridge.sol";

/// @title FlowControl
/// @notice Rate limits for a token bridge: per token and direction, a token bucket (a capacity
/// refilled at a rate per second, as Chainlink CCIP's rate limiter) and a per-transfer cap.
/// Outbound transfers over the limit are refused with the time until the bucket allows them;
/// inbound ones (what this bridge pays out) are queued until the bucket has refilled for them, or
/// for a fixed delay above the cap (as the Wormhole governor does), and then anyone executes them.
/// @dev The bridges call two hooks, generic over (token, amount) so that every asset kind can use
/// them (a count of NFTs is an amount): `_consumeOutbound` before sending, `_admitInbound` before
/// paying out, which answers when the payout may happen (both only when `_flowLimited()`); a payout for later goes to
/// `_queueRelease` with a payload that the bridge's `_executeRelease` performs when executed.
///
/// A queued inbound transfer takes its share of the bucket when it is queued: the bucket runs into
/// debt, stored as a refill time in the future. Releases therefore become executable in the order
/// they arrived, and what an inbound direction pays out by time t is at most
/// `capacity + ratePerSecond * (t - t0)`, however many messages a forged checkpoint carries.
///
/// Governance sets limits: tightening applies at once, loosening waits `LIMIT_CHANGE_DELAY` in
/// public and the guardian may cancel it (the pattern of `DelayedValidatorSet`). The guardian may
/// push a queued release back, never cancel it: pausing never moves funds, and nothing the guardian
/// does keeps a release from its receiver for good without governance seeing it every time.
/// Without any limit set, `_flowLimited()` (one warm storage read) skips the hooks. Every external
/// function added here lengthens the bridges' selector dispatch (viaIR compares selectors one by
/// one, in ascending order) by about 22 gas for each function after it: keep the surface small.
abstract contract FlowControl is IFlowControl, TokenBridge {
    /// @notice May cancel a scheduled looser limit and push queued releases back.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @dev How long a looser limit waits before anyone can activate it (`RateLimitChangeScheduled`
    /// says when). No getter, as for the next constant: see the dispatch note above.
    uint64 internal constant LIMIT_CHANGE_DELAY = 3 days;

    /// @dev Longest `largeTransferDelay`, and furthest ahead the guardian may push a release at once.
    uint64 internal constant MAX_RELEASE_EXTENSION = 30 days;

    /// @dev `queuedRelease` marker of an executed release: it can never be executed again.
    uint64 private constant EXECUTED = type(uint64).max;

    /// @dev A limit and its bucket. `bucket` is the one slot a transfer writes, packed by hand so
    /// that it is read once and written once (two packed fields would cost two writes):
    /// tokens (bits 0-127) | time they were counted at (128-167; in the future while queued
    /// releases hold the bucket) | ratePerSecond (168-255), which rides along to save a read.
    struct Flow {
        uint256 bucket;
        uint128 capacity;
        uint128 maxTransfer;
        uint32 largeTransferDelay;
    }

    struct PendingLimit {
        RateLimit limit;
        uint64 activatesAt;
    }

    mapping(address token => mapping(Direction => Flow)) private _flows;
    mapping(address token => mapping(Direction => PendingLimit)) private _pendingLimits;

    /// @dev When each queued release may be executed, `EXECUTED` once it was; zero for none.
    mapping(bytes32 id => uint64) private _releases;

    /// @notice How many releases were ever queued; the next one's sequence number.
    uint256 public releaseSequence;

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IFlowControl
    function setRateLimit(address token, Direction direction, RateLimit calldata limit)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        _checkLimit(token, direction, limit);
        if (_pendingLimits[token][direction].activatesAt != 0) _cancelChange(token, direction);
        if (_isTightening(_flows[token][direction], limit)) {
            _applyLimit(token, direction, limit);
            return;
        }
        uint64 activatesAt = SafeCast.toUint64(block.timestamp) + LIMIT_CHANGE_DELAY;
        _pendingLimits[token][direction] = PendingLimit(limit, activatesAt);
        emit RateLimitChangeScheduled(
            token,
            direction,
            limit.capacity,
            limit.ratePerSecond,
            limit.maxTransfer,
            limit.largeTransferDelay,
            activatesAt
        );
    }

    /// @inheritdoc IFlowControl
    function activateRateLimit(address token, Direction direction) external {
        PendingLimit memory pending = _pendingLimits[token][direction];
        if (pending.activatesAt == 0) revert FlowControlNoPendingChange(token, direction);
        if (block.timestamp < pending.activatesAt) {
            revert FlowControlChangeNotDue(token, direction, pending.activatesAt);
        }
        delete _pendingLimits[token][direction];
        _applyLimit(token, direction, pending.limit);
    }

    /// @inheritdoc IFlowControl
    function cancelRateLimitChange(address token, Direction direction) external onlyRole(GUARDIAN_ROLE) {
        if (_pendingLimits[token][direction].activatesAt == 0) revert FlowControlNoPendingChange(token, direction);
        _cancelChange(token, direction);
    }

    // ---------------------------------------------------------------- the queue

    /// @inheritdoc IFlowControl
    function executeQueuedRelease(uint256 sequence, bytes calldata payload) external nonReentrant {
        bytes32 id = checkQueuedRelease(sequence, payload);
        // Marked before the payout: a release is executed once, whatever the payout calls.
        _releases[id] = EXECUTED;
        emit QueuedReleaseExecuted(id, msg.sender);
        _executeRelease(payload);
    }

    /// @inheritdoc IFlowControl
    function extendQueuedRelease(bytes32 id, uint64 releasableAt) external onlyRole(GUARDIAN_ROLE) {
        uint64 current = _releases[id];
        if (current == 0) revert FlowControlUnknownRelease(id);
        if (current == EXECUTED) revert FlowControlReleaseExecuted(id);
        if (releasableAt <= current) revert FlowControlExtensionNotLater(id, current, releasableAt);
        uint64 latest = SafeCast.toUint64(block.timestamp) + MAX_RELEASE_EXTENSION;
        if (releasableAt > latest) revert FlowControlExtensionTooLong(id, releasableAt, latest);
        _releases[id] = releasableAt;
        emit QueuedReleaseExtended(id, current, releasableAt);
    }

    /// @inheritdoc IFlowControl
    function checkQueuedRelease(uint256 sequence, bytes calldata payload) public view returns (bytes32 id) {
        id = _releaseId(sequence, payload);
        uint64 releasableAt = _releases[id];
        if (releasableAt == 0) revert FlowControlUnknownRelease(id);
        if (releasableAt == EXECUTED) revert FlowControlReleaseExecuted(id);
        if (block.timestamp < releasableAt) revert FlowControlReleaseNotDue(id, releasableAt);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IFlowControl
    function queuedRelease(bytes32 id) external view returns (uint64 releasableAt, bool executed) {
        releasableAt = _releases[id];
        executed = releasableAt == EXECUTED;
    }

    /// @inheritdoc IFlowControl
    function rateLimit(address token, Direction direction)
        external
        view
        returns (RateLimit memory limit, uint256 available, uint64 refilledAt, RateLimit memory pending, uint64 activatesAt)
    {
        Flow storage flow = _flows[token][direction];
        PendingLimit memory scheduled = _pendingLimits[token][direction];
        (pending, activatesAt) = (scheduled.limit, scheduled.activatesAt);
        uint256 bucket = flow.bucket;
        limit = RateLimit(flow.capacity, uint128(_rate(bucket)), flow.maxTransfer, flow.largeTransferDelay);
        if (limit.capacity == 0) return (limit, type(uint256).max, 0, pending, activatesAt);
        (uint256 level, uint256 at) = _level(bucket, limit.capacity);
        (available, refilledAt) = (at > block.timestamp ? 0 : level, uint64(at));
    }

    // ---------------------------------------------------------------- hooks for the bridges

    /// @dev Whether any limit is set: the bridges call the hooks only then, so that a bridge without
    /// limits pays one warm read and no call.
    function _flowLimited() internal view returns (bool) {
        return _limitedFlows != 0;
    }

    /// @dev Takes `amount` of `token` from its outbound bucket, or reverts: above the cap with
    /// `FlowControlAboveTransferCap`, over the bucket with `FlowControlRateLimited` and the wait.
    function _consumeOutbound(address token, uint256 amount) internal {
        Flow storage flow = _flows[token][Direction.Outbound];
        uint256 capacity = flow.capacity;
        if (capacity == 0) return;
        uint256 maxTransfer = flow.maxTransfer;
        if (amount > maxTransfer) revert FlowControlAboveTransferCap(token, Direction.Outbound, amount, maxTransfer);
        uint256 bucket = flow.bucket;
        (uint256 level, uint256 at) = _level(bucket, capacity);
        if (at > block.timestamp || level < amount) {
            (uint256 ready,) = _reserve(bucket, capacity, amount);
            revert FlowControlRateLimited(
                token, Direction.Outbound, amount, at > block.timestamp ? 0 : level, ready - block.timestamp
            );
        }
        flow.bucket = _pack(level - amount, block.timestamp, _rate(bucket));
    }

    /// @dev Takes `amount` of `token` from its inbound bucket, and answers when it may be paid out:
    /// zero for now; otherwise the bridge queues it with `_queueRelease(…, releasableAt, …)`. A
    /// transfer above the cap waits `largeTransferDelay` at least. Never reverts on the limit: a
    /// message that arrived must not fail for it; only an amount whose wait would not fit 40 bits
    /// of time (no lockbox holds it) reverts, leaving its message failed.
    function _admitInbound(address token, uint256 amount) internal returns (uint64 releasableAt) {
        Flow storage flow = _flows[token][Direction.Inbound];
        uint256 capacity = flow.capacity;
        if (capacity == 0) return 0;
        uint256 bucket = flow.bucket;
        (uint256 ready, uint256 left) = _reserve(bucket, capacity, amount);
        flow.bucket = _pack(left, SafeCast.toUint40(ready), _rate(bucket));
        if (amount > flow.maxTransfer) {
            uint256 large = block.timestamp + flow.largeTransferDelay;
            if (large > ready) ready = large;
        }
        return ready == block.timestamp ? 0 : SafeCast.toUint64(ready);
    }

    /// @dev An inbound transfer of `amount` of `token`: queued with `payload` if its limit holds it
    /// back (the answer is then true and the bridge pays nothing out now), otherwise left to the
    /// bridge to pay out at once. The bridges call it only when `_flowLimited()`.
    function _queuedInbound(address token, uint256 amount, bytes memory payload) internal returns (bool) {
        uint64 releasableAt = _admitInbound(token, amount);
        if (releasableAt == 0) return false;
        _queueRelease(token, amount, releasableAt, payload);
        return true;
    }

    /// @dev Records a payout for `releasableAt`, executable then by anyone with `payload`, which
    /// `_executeRelease` performs. Its id commits to the payload and a fresh sequence number, so two
    /// equal payouts are two releases and neither can be executed twice.
    function _queueRelease(address token, uint256 amount, uint64 releasableAt, bytes memory payload)
        internal
        returns (bytes32 id)
    {
        uint256 sequence = releaseSequence++;
        id = _releaseId(sequence, payload);
        _releases[id] = releasableAt;
        emit ReleaseQueued(id, token, sequence, amount, releasableAt, payload);
    }

    /// @dev Performs a queued payout: what `_queueRelease` was given.
    function _executeRelease(bytes calldata payload) internal virtual;

    /// @dev The id of the release queued as number `sequence` with `payload` (`ReleaseQueued.id`).
    function _releaseId(uint256 sequence, bytes memory payload) private pure returns (bytes32) {
        return keccak256(abi.encode(sequence, payload));
    }

    // ---------------------------------------------------------------- bucket arithmetic

    /// @dev The bucket's level and the time it is counted at: now, refilled up to the capacity; or,
    /// while queued releases hold it, the future time its debt is paid off, with what is left then.
    function _level(uint256 bucket, uint256 capacity) private view returns (uint256 level, uint256 at) {
        uint256 updatedAt = uint40(bucket >> 128);
        level = uint128(bucket);
        if (updatedAt >= block.timestamp) return (level, updatedAt);
        level += (block.timestamp - updatedAt) * _rate(bucket);
        if (level > capacity) level = capacity;
        at = block.timestamp;
    }

    /// @dev When the bucket holds `amount` (now, or the least number of whole seconds of refill
    /// after its level's time), and what is left in it then.
    function _reserve(uint256 bucket, uint256 capacity, uint256 amount)
        private
        view
        returns (uint256 ready, uint256 left)
    {
        (uint256 level, uint256 at) = _level(bucket, capacity);
        if (level >= amount) return (at, level - amount);
        uint256 rate = _rate(bucket);
        uint256 wait = (amount - level + rate - 1) / rate;
        left = level + wait * rate - amount;
        // Less than one second of refill is left; bounded by the capacity all the same.
        if (left > capacity) left = capacity;
        ready = at + wait;
    }

    /// @dev `tokens` fits 128 bits (at most the capacity, a uint128), `at` 40 bits (SafeCast by
    /// the callers that pass a future time), `rate` 88 bits (checked when the limit is set).
    function _pack(uint256 tokens, uint256 at, uint256 rate) private pure returns (uint256) {
        return tokens | (at << 128) | (rate << 168);
    }

    function _rate(uint256 bucket) private pure returns (uint256) {
        return bucket >> 168;
    }

    // ---------------------------------------------------------------- limits

    function _checkLimit(address token, Direction direction, RateLimit calldata limit) private pure {
        bool off = limit.capacity == 0 && limit.ratePerSecond == 0 && limit.maxTransfer == 0
            && limit.largeTransferDelay == 0;
        bool valid = off
            || (limit.capacity != 0 && limit.ratePerSecond != 0 && limit.ratePerSecond <= type(uint88).max
                && limit.maxTransfer != 0 && limit.maxTransfer <= limit.capacity && limit.largeTransferDelay != 0
                && limit.largeTransferDelay <= MAX_RELEASE_EXTENSION);
        if (!valid) {
            revert FlowControlInvalidLimit(
                token, direction, limit.capacity, limit.ratePerSecond, limit.maxTransfer, limit.largeTransferDelay
            );
        }
    }

    /// @dev Whether `limit` lets nothing through that `flow` would not: a first limit, or every
    /// field at most as loose. Removing a limit is loosening.
    function _isTightening(Flow storage flow, RateLimit calldata limit) private view returns (bool) {
        if (flow.capacity == 0) return true;
        return limit.capacity != 0 && limit.capacity <= flow.capacity && limit.ratePerSecond <= _rate(flow.bucket)
            && limit.maxTransfer <= flow.maxTransfer && limit.largeTransferDelay >= flow.largeTransferDelay;
    }

    function _applyLimit(address token, Direction direction, RateLimit memory limit) private {
        Flow storage flow = _flows[token][direction];
        bool wasOn = flow.capacity != 0;
        bool isOn = limit.capacity != 0;
        if (isOn) {
            // A new limit starts full; a changed one keeps its level (and any debt of queued
            // releases), counted up to now under the old rate and cut to the new capacity.
            (uint256 level, uint256 at) =
                wasOn ? _level(flow.bucket, flow.capacity) : (uint256(limit.capacity), block.timestamp);
            if (level > limit.capacity) level = limit.capacity;
            _flows[token][direction] = Flow(
                _pack(level, SafeCast.toUint40(at), limit.ratePerSecond),
                limit.capacity,
                limit.maxTransfer,
                limit.largeTransferDelay
            );
        } else {
            // Releases already queued keep their times.
            delete _flows[token][direction];
        }
        if (isOn && !wasOn) ++_limitedFlows;
        else if (wasOn && !isOn) --_limitedFlows;
        emit RateLimitSet(
            token, direction, limit.capacity, limit.ratePerSecond, limit.maxTransfer, limit.largeTransferDelay
        );
    }

    function _cancelChange(address token, Direction direction) private {
        delete _pendingLimits[token][direction];
        emit RateLimitChangeCancelled(token, direction);
    }
}
