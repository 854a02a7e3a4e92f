// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IFlowControl
/// @notice Rate limits of a token bridge, per token and direction, and the queue of releases that
/// arrived over them.
/// @dev `Outbound` is what leaves through this bridge (deposits on the main chain, withdrawals on
/// the child chain): refused over the limit. `Inbound` is what this bridge pays out (releases from
/// the lockbox on the main chain, mints on the child chain): queued over the limit, never refused.
interface IFlowControl {
    enum Direction {
        Outbound,
        Inbound
    }

    /// @notice A token bucket and a per-transfer cap. All zero: no limit.
    /// @param capacity Most the bucket holds: the burst that may go at once. Zero disables the limit.
    /// @param ratePerSecond What the bucket refills per second.
    /// @param maxTransfer Largest single transfer, at most `capacity`. Outbound transfers above it
    /// are refused; inbound ones are queued for `largeTransferDelay` at least.
    /// @param largeTransferDelay Seconds an inbound transfer above `maxTransfer` waits, at least; 1 to 30 days.
    struct RateLimit {
        uint128 capacity;
        uint128 ratePerSecond;
        uint128 maxTransfer;
        uint32 largeTransferDelay;
    }

    /// @notice A limit now in force (all zero: removed).
    event RateLimitSet(
        address indexed token,
        Direction indexed direction,
        uint256 capacity,
        uint256 ratePerSecond,
        uint256 maxTransfer,
        uint256 largeTransferDelay
    );
    /// @notice A looser limit that anyone may activate from `activatesAt`, unless the guardian cancels it.
    event RateLimitChangeScheduled(
        address indexed token,
        Direction indexed direction,
        uint256 capacity,
        uint256 ratePerSecond,
        uint256 maxTransfer,
        uint256 largeTransferDelay,
        uint64 activatesAt
    );
    event RateLimitChangeCancelled(address indexed token, Direction indexed direction);
    /// @notice An inbound transfer over the limit, executable by anyone from `releasableAt` with
    /// `executeQueuedRelease(sequence, payload)`.
    event ReleaseQueued(
        bytes32 indexed id,
        address indexed token,
        uint256 sequence,
        uint256 amount,
        uint64 releasableAt,
        bytes payload
    );
    event QueuedReleaseExecuted(bytes32 indexed id, address indexed executor);
    /// @notice The guardian pushed a queued release's time back.
    event QueuedReleaseExtended(bytes32 indexed id, uint64 previousReleasableAt, uint64 releasableAt);

    /// @notice The bucket cannot take `requested` now; it can in `retryAfter` seconds.
    error FlowControlRateLimited(address token, Direction direction, uint256 requested, uint256 available, uint256 retryAfter);
    /// @notice An outbound transfer above the per-transfer cap: split it.
    error FlowControlAboveTransferCap(address token, Direction direction, uint256 amount, uint256 maxTransfer);
    error FlowControlInvalidLimit(
        address token,
        Direction direction,
        uint256 capacity,
        uint256 ratePerSecond,
        uint256 maxTransfer,
        uint256 largeTransferDelay
    );
    error FlowControlNoPendingChange(address token, Direction direction);
    error FlowControlChangeNotDue(address token, Direction direction, uint64 activatesAt);
    error FlowControlUnknownRelease(bytes32 id);
    error FlowControlReleaseExecuted(bytes32 id);
    error FlowControlReleaseNotDue(bytes32 id, uint64 releasableAt);
    error FlowControlExtensionNotLater(bytes32 id, uint64 releasableAt, uint64 requested);
    error FlowControlExtensionTooLong(bytes32 id, uint64 requested, uint64 latest);

    /// @notice Sets the limit of `token` in `direction`. A tighter or equal limit (every field no
    /// looser, or a first limit) applies at once; a looser one, or removing it, is scheduled for
    /// three days later (`RateLimitChangeScheduled.activatesAt`). Either cancels a scheduled change.
    /// @dev Governance only. The delay keeps a compromised governance key from opening the limit
    /// before watchers, users and the guardian have seen it coming.
    /// @param token The token the bridge accounts by (the root token; `NATIVE_TOKEN` for ETH).
    /// @param direction Outbound or inbound.
    /// @param limit The new limit; all zero removes it.
    function setRateLimit(address token, Direction direction, RateLimit calldata limit) external;

    /// @notice Applies a scheduled looser limit once its delay has passed; anyone may call it.
    /// @param token The token.
    /// @param direction Its direction.
    function activateRateLimit(address token, Direction direction) external;

    /// @notice Drops a scheduled looser limit.
    /// @dev Guardian only: the check on a governance key that loosens a limit to drain the bridge.
    /// @param token The token.
    /// @param direction Its direction.
    function cancelRateLimitChange(address token, Direction direction) external;

    /// @notice Executes a queued release from its time on; anyone may call it.
    /// @param sequence The release's number (`ReleaseQueued.sequence`).
    /// @param payload What it releases (`ReleaseQueued.payload`).
    function executeQueuedRelease(uint256 sequence, bytes calldata payload) external;

    /// @notice Pushes a queued release's time back to `releasableAt`, at most 30 days from now; it may be pushed again, but never cancelled: what arrived is paid out eventually.
    /// @dev Guardian only: time to investigate a release that looks like the proceeds of a forgery.
    /// @param id The release id.
    /// @param releasableAt The new time, later than the current one.
    function extendQueuedRelease(bytes32 id, uint64 releasableAt) external;

    /// @notice The id of a queued release (keccak256(abi.encode(sequence, payload))), when it can be
    /// executed now; reverts with the reason otherwise.
    /// @param sequence The release's number.
    /// @param payload What it releases.
    /// @return id The release id.
    function checkQueuedRelease(uint256 sequence, bytes calldata payload) external view returns (bytes32 id);

    /// @notice Where a queued release stands.
    /// @param id The release id.
    /// @return releasableAt When it may be executed; zero for an unknown id.
    /// @return executed Whether it was.
    function queuedRelease(bytes32 id) external view returns (uint64 releasableAt, bool executed);

    /// @notice The limit of `token` in `direction`, its bucket, and any looser limit scheduled.
    /// @param token The token.
    /// @param direction Its direction.
    /// @return limit The limit (all zero: none).
    /// @return available What may go now (`type(uint256).max` without a limit).
    /// @return refilledAt When the bucket was last brought up to date; later than now while
    /// queued releases hold it.
    /// @return pending A looser limit scheduled by governance.
    /// @return activatesAt When anyone may activate it; zero when none is scheduled.
    function rateLimit(address token, Direction direction)
        external
        view
        returns (RateLimit memory limit, uint256 available, uint64 refilledAt, RateLimit memory pending, uint64 activatesAt);
}
