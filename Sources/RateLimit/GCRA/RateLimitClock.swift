import NIOCore

/// The time source of the in-process store, injected so the limiter is tested without sleeping.
public protocol RateLimitClock: Sendable {
    /// Nanoseconds on a monotonic scale; only differences are used.
    func nanoseconds() -> Int64
}

/// The process's monotonic clock (`CLOCK_MONOTONIC` through `NIODeadline`).
public struct MonotonicRateLimitClock: RateLimitClock {
    /// The monotonic clock.
    public init() {}

    /// Nanoseconds since an arbitrary start.
    @inlinable
    public func nanoseconds() -> Int64 {
        Int64(truncatingIfNeeded: NIODeadline.now().uptimeNanoseconds)
    }
}
