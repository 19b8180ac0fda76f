import Logging
import NIOConcurrencyHelpers
import NIOCore

/// GCRA state in Redis, shared by every gateway replica using the same server and database.
///
/// One `EVALSHA` per decision (falling back to `EVAL` when the server answers `NOSCRIPT`, e.g. after a
/// restart or `SCRIPT FLUSH`). When Redis fails, the store reports it unavailable and stays so for a short
/// backoff, so requests are not held by connects that will fail; then one request probes it again.
final class RedisStore: Sendable {
    /// Outcome of asking the store.
    enum Result: Sendable {
        /// Redis decided.
        case decided(GCRA.Outcome)
        /// Redis could not be asked; the caller applies the failure mode.
        case unavailable
    }

    /// How long after a failure Redis is left alone before one request probes it again.
    static let defaultRetryBackoff: Duration = .seconds(1)

    private struct Health {
        var available = true
        var retryAt: Int64 = .min
    }

    let pool: RESPConnectionPool
    private let retryBackoff: Int64
    private let health = NIOLockedValueBox(Health())
    private let logger: Logger
    private let failureModeDescription: String
    private let clock: any RateLimitClock

    init(
        pool: RESPConnectionPool, retryBackoff: Duration, logger: Logger, failureModeDescription: String,
        clock: any RateLimitClock = MonotonicRateLimitClock()
    ) {
        self.pool = pool
        self.retryBackoff = retryBackoff.components.seconds * GCRA.nanosPerSecond
            + retryBackoff.components.attoseconds / 1_000_000_000
        self.logger = logger
        self.failureModeDescription = failureModeDescription
        self.clock = clock
    }

    /// True when the last exchange with Redis succeeded.
    var isAvailable: Bool { health.withLockedValue { $0.available } }

    /// Decides one request for `key` under `policy`, resolving on `eventLoop`.
    func decide(policy: CompiledPolicy, gcra: GCRA, key: String, on eventLoop: any EventLoop) -> EventLoopFuture<Result> {
        let now = clock.nanoseconds()
        let shouldTry = health.withLockedValue { health -> Bool in
            if health.available { return true }
            guard now >= health.retryAt else { return false }
            health.retryAt = now &+ retryBackoff
            return true
        }
        guard shouldTry else { return eventLoop.makeSucceededFuture(.unavailable) }
        let redisKey = RedisKeyName.name(prefix: policy.redisKeyPrefix, key: key)
        let interval = String(max(gcra.emissionInterval / GCRAScript.nanosPerMicro, 1))
        let capacity = String(max(gcra.capacity / GCRAScript.nanosPerMicro, 1))
        return evaluate(key: redisKey, interval: interval, capacity: capacity, on: eventLoop)
            .flatMapThrowing { reply -> Result in
                guard case .array(let items?) = reply, items.count == 3, let allowed = items[0].int64,
                    let ahead = items[1].int64, let retry = items[2].int64
                else { throw RateLimitError.protocolViolation("script reply \(reply)") }
                let outcome = gcra.outcome(
                    allowed: allowed == 1, tatAhead: ahead &* GCRAScript.nanosPerMicro,
                    retryAfter: retry &* GCRAScript.nanosPerMicro)
                self.markAvailable()
                return .decided(outcome)
            }
            .recover { error in
                self.markUnavailable(error, now: now)
                return .unavailable
            }
    }

    /// `EVALSHA`, and on `NOSCRIPT` the full `EVAL` (which also caches the script for next time).
    private func evaluate(key: String, interval: String, capacity: String, on eventLoop: any EventLoop)
        -> EventLoopFuture<RESPValue>
    {
        pool.connection(on: eventLoop).flatMap { connection in
            connection.send(["EVALSHA", GCRAScript.sha1, "1", key, interval, capacity])
                .flatMap { reply in
                    guard reply.errorCode == "NOSCRIPT" else { return eventLoop.makeSucceededFuture(reply) }
                    return connection.send(["EVAL", GCRAScript.source, "1", key, interval, capacity])
                }
                .flatMapThrowing { reply in
                    if case .error(let message) = reply { throw RateLimitError.storeError(message) }
                    return reply
                }
        }
    }

    private func markAvailable() {
        let recovered = health.withLockedValue { health -> Bool in
            defer { health.available = true }
            return !health.available
        }
        if recovered {
            logger.notice(
                "shared rate limit store is reachable again; using shared limits",
                metadata: ["store": "\(pool.address)"])
        }
    }

    private func markUnavailable(_ error: any Error, now: Int64) {
        let firstFailure = health.withLockedValue { health -> Bool in
            defer {
                health.available = false
                health.retryAt = now &+ retryBackoff
            }
            return health.available
        }
        if firstFailure {
            let reason = (error as? RateLimitError)?.userMessage ?? "\(error)"
            logger.error(
                "shared rate limit store unreachable; \(failureModeDescription) until it recovers",
                metadata: ["store": "\(pool.address)", "error": "\(reason)"])
        }
    }

    /// Closes the connections.
    func shutdown() async {
        await pool.shutdown()
    }
}
