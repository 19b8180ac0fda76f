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

/// A small deterministic generator (SplitMix64) so property tests replay from their seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
