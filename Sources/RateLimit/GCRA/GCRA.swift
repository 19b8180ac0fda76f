/// The generic cell rate algorithm (GCRA) for one policy: one timestamp per key, exact quota figures.
///
/// As in redis-cell: each key stores its theoretical arrival time (TAT). A request is allowed when
/// `max(TAT, now) + T - now <= capacity`, where `T = period / count` is the emission interval and
/// `capacity = T · burst` (so `burst` requests may arrive at once, then one every `T`). Times are
/// nanoseconds on whatever clock the store uses; only differences matter.
public struct GCRA: Sendable, Hashable {
    /// The result of one decision for one key.
    public struct Outcome: Sendable, Hashable {
        /// True when the request fits within the limit (its cell was taken).
        public var allowed: Bool
        /// Requests that could still be made right now.
        public var remaining: Int
        /// Nanoseconds until the key is back to its full burst (TAT minus now).
        public var resetAfter: Int64
        /// Nanoseconds until the next request would be allowed; zero when allowed.
        public var retryAfter: Int64

        /// An outcome.
        public init(allowed: Bool, remaining: Int, resetAfter: Int64, retryAfter: Int64) {
            self.allowed = allowed
            self.remaining = remaining
            self.resetAfter = resetAfter
            self.retryAfter = retryAfter
        }
    }

    /// Nanoseconds between two requests at the sustained rate (`T`).
    public let emissionInterval: Int64
    /// How many requests may arrive at once.
    public let burst: Int
    /// `T · burst`: how far ahead of now the TAT may run after an allowed request.
    public let capacity: Int64

    /// A GCRA admitting `count` requests per `period` with `burst` at once (default `count`).
    public init(count: Int, period: Duration, burst: Int? = nil) {
        let periodNanos = period.components.seconds * GCRA.nanosPerSecond
            + period.components.attoseconds / GCRA.attosPerNano
        let safeCount = Int64(max(count, 1))
        emissionInterval = max(periodNanos / safeCount, 1)
        self.burst = max(burst ?? count, 1)
        // Saturate rather than trap for absurd configurations (a burst of billions per day).
        let (product, overflow) = emissionInterval.multipliedReportingOverflow(by: Int64(self.burst))
        capacity = overflow ? Int64.max / 2 : product
    }

    /// Decides one request arriving at `now` for a key whose stored TAT is `tat` (nil when unknown).
    /// Returns the outcome and the TAT to store (unchanged when denied).
    @inlinable
    public func evaluate(tat storedTAT: Int64?, now: Int64) -> (outcome: Outcome, tat: Int64) {
        let tat = max(storedTAT ?? now, now)
        let newTAT = tat &+ emissionInterval
        let allowAt = newTAT &- capacity
        if allowAt > now {
            return (outcome(allowed: false, tatAhead: tat &- now, retryAfter: allowAt &- now), tat)
        }
        return (outcome(allowed: true, tatAhead: newTAT &- now, retryAfter: 0), newTAT)
    }

    /// The outcome given how far the key's TAT runs ahead of now after the decision.
    @inlinable
    public func outcome(allowed: Bool, tatAhead: Int64, retryAfter: Int64) -> Outcome {
        let headroom = capacity &- tatAhead
        let remaining = headroom <= 0 ? 0 : min(Int(headroom / emissionInterval), burst)
        return Outcome(allowed: allowed, remaining: remaining, resetAfter: max(tatAhead, 0), retryAfter: retryAfter)
    }

    /// Nanoseconds in a second.
    public static let nanosPerSecond: Int64 = 1_000_000_000
    /// Attoseconds in a nanosecond (for `Duration` conversion).
    static let attosPerNano: Int64 = 1_000_000_000

    /// Whole seconds, rounded up, for header values (`0` stays `0`).
    @inlinable
    public static func ceilingSeconds(_ nanos: Int64) -> Int {
        nanos <= 0 ? 0 : Int((nanos + nanosPerSecond - 1) / nanosPerSecond)
    }
}
