import NIOConcurrencyHelpers
import RateLimit

/// A clock that moves only when the test says so.
final class ManualClock: RateLimitClock {
    private let now = NIOLockedValueBox<Int64>(1_000_000_000_000)

    func nanoseconds() -> Int64 { now.withLockedValue { $0 } }

    /// Moves the clock forward.
    func advance(_ duration: Duration) {
        let nanos = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        now.withLockedValue { $0 += nanos }
    }
}
