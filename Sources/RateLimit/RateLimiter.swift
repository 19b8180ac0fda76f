import Logging
import NIOCore
import ShipshapeCore

/// Decides whether a request fits its policy's limit: policy match, key, GCRA in memory or in Redis.
///
/// Thread-safe; the gateway calls `decide` from every event loop. With the memory store the answer is
/// computed inline and returned as an already-succeeded future; with Redis it resolves on the caller's
/// loop. Policies keyed by `jwt:` verify the token asynchronously first.
public final class RateLimiter: Sendable {
    /// Tuning that `shipshape.yml` does not expose; the defaults suit a gateway.
    public struct Options: Sendable {
        /// Cap on keys tracked in memory (also the fallback store in shared mode).
        public var maximumKeys: Int
        /// Interval between expiry sweeps of the in-memory table.
        public var sweepInterval: Duration
        /// Redis connections per event loop.
        public var connectionsPerEventLoop: Int
        /// Redis connect timeout.
        public var connectTimeout: Duration
        /// Redis per-command timeout.
        public var commandTimeout: Duration
        /// After a Redis failure, how long before one request probes it again.
        public var retryBackoff: Duration
        /// The clock of the in-memory store (injected by tests).
        public var clock: any RateLimitClock

        /// The defaults.
        public init(
            maximumKeys: Int = 1_000_000, sweepInterval: Duration = .seconds(10), connectionsPerEventLoop: Int = 2,
            connectTimeout: Duration = .milliseconds(500), commandTimeout: Duration = .milliseconds(250),
            retryBackoff: Duration = .seconds(1), clock: any RateLimitClock = MonotonicRateLimitClock()
        ) {
            self.maximumKeys = maximumKeys
            self.sweepInterval = sweepInterval
            self.connectionsPerEventLoop = connectionsPerEventLoop
            self.connectTimeout = connectTimeout
            self.commandTimeout = commandTimeout
            self.retryBackoff = retryBackoff
            self.clock = clock
        }
    }

    let policies: PolicySet
    let memory: MemoryStore
    let shared: RedisStore?
    let failureMode: RateLimitConfiguration.FailureMode
    private let verifier: JWTVerifier?
    /// The injected clock; unused when `usesMonotonicClock`.
    private let clock: any RateLimitClock
    /// True for the process's monotonic clock, which is then read directly: no existential copied or
    /// called on the hot path.
    private let usesMonotonicClock: Bool
    /// Whether rejections are logged at `debug` (checked once: asking the handler costs more than the
    /// rest of a rejection).
    private let logsRejections: Bool
    private let logger: Logger

    /// A limiter for `configuration`; throws when the store URL or a JWT key file is unusable.
    public convenience init(
        configuration: RateLimitConfiguration, logger: Logger, eventLoopGroup: any EventLoopGroup
    ) throws {
        try self.init(configuration: configuration, logger: logger, eventLoopGroup: eventLoopGroup, options: Options())
    }

    /// A limiter with explicit tuning (tests inject a clock here).
    public init(
        configuration: RateLimitConfiguration, logger: Logger, eventLoopGroup: any EventLoopGroup, options: Options
    ) throws {
        policies = PolicySet(configuration.policies)
        memory = MemoryStore(
            policyCount: configuration.policies.count,
            configuration: .init(maximumKeys: options.maximumKeys, sweepInterval: options.sweepInterval))
        failureMode = configuration.failureMode
        clock = options.clock
        usesMonotonicClock = options.clock is MonotonicRateLimitClock
        self.logger = logger
        logsRejections = logger.logLevel <= .debug
        switch configuration.store {
        case .memory:
            shared = nil
        case .redis(let url):
            let address: RedisAddress
            do {
                address = try RedisAddress(url: url)
            } catch {
                throw RateLimitError.invalidStoreURL(error.redactedURL)
            }
            let pool = RESPConnectionPool(
                address: address,
                configuration: .init(
                    connectionsPerEventLoop: options.connectionsPerEventLoop,
                    connectTimeout: TimeAmount(options.connectTimeout),
                    commandTimeout: TimeAmount(options.commandTimeout)))
            shared = RedisStore(
                pool: pool, retryBackoff: options.retryBackoff, logger: logger,
                failureModeDescription: configuration.failureMode == .open
                    ? "serving with local limits" : "rejecting limited requests with 503")
        }
        let needsJWT = policies.inFileOrder.contains { $0.keySpec.needsJWT }
        verifier = needsJWT ? try JWTVerifier(configuration: configuration.jwt) : nil
    }

    /// nil when no policy matches or the policy is `unlimited`. Memory store: the future is already
    /// succeeded; Redis store: resolved on `eventLoop` via the RESP client.
    public func decide(_ request: RateLimitRequest, on eventLoop: any EventLoop) -> EventLoopFuture<RateLimitDecision?> {
        guard let policy = policies.match(request), let gcra = policy.gcra else {
            return eventLoop.makeSucceededFuture(nil)
        }
        if let verifier, policy.keySpec.needsJWT, let token = JWTVerifier.bearerToken(in: request) {
            if let claims = verifier.cachedClaims(of: token) {
                return decide(policy, gcra: gcra, key: policy.keySpec.key(for: request, claims: claims), on: eventLoop)
            }
            return eventLoop.makeFutureWithTask {
                await verifier.claims(of: token)
            }.flatMap { claims in
                self.decide(policy, gcra: gcra, key: policy.keySpec.key(for: request, claims: claims), on: eventLoop)
            }
        }
        // No token (or no JWT policy): the key's fallback needs no verification.
        return decide(policy, gcra: gcra, key: policy.keySpec.key(for: request, claims: nil), on: eventLoop)
    }

    /// The in-process decision with no future (memory store only; nil also for `jwt:` policies, which need
    /// asynchronous verification, and in shared mode). For benchmarks and callers that want no allocation.
    public func decideLocally(_ request: RateLimitRequest) -> RateLimitDecision? {
        guard let policy = policies.match(request), let gcra = policy.gcra, shared == nil, !policy.keySpec.needsJWT
        else { return nil }
        return decideInMemory(request, policy: policy, gcra: gcra)
    }

    /// What `decideImmediately` could settle without waiting.
    public enum ImmediateDecision: Sendable {
        /// No policy applies, or the policy is `unlimited`: forward without quota headers.
        case unlimited
        /// Decided in memory.
        case decided(RateLimitDecision)
        /// Needs the shared store or JWT verification: call `decide(_:on:)`.
        case pending
    }

    /// Decides in memory when that is possible (memory store; for a `jwt:` key, a request without a bearer
    /// token or with one verified recently), with no future; otherwise says the decision is pending. The
    /// gateway tries this first on every request.
    @inline(__always)
    public func decideImmediately(_ request: RateLimitRequest) -> ImmediateDecision {
        guard let policy = policies.match(request), let gcra = policy.gcra else { return .unlimited }
        guard shared == nil else { return .pending }
        var claims: [String: String]?
        if let verifier, policy.keySpec.needsJWT, let token = JWTVerifier.bearerToken(in: request) {
            guard let cached = verifier.cachedClaims(of: token) else { return .pending }
            claims = cached
        }
        return .decided(decideInMemory(request, policy: policy, gcra: gcra, claims: claims))
    }

    @inline(__always)
    private func decideInMemory(
        _ request: RateLimitRequest, policy: CompiledPolicy, gcra: GCRA, claims: [String: String]? = nil
    ) -> RateLimitDecision {
        let key = policy.keySpec.key(for: request, claims: claims)
        let outcome = memory.decide(policy: policy.index, key: key, gcra: gcra, now: now())
        return decision(policy, outcome: outcome)
    }

    /// Lower-case names of the request header fields some policy reads (`header:` keys, and
    /// `authorization` for `jwt:` keys); the gateway copies only these into `RateLimitRequest.headers`.
    public var requestHeaderNames: [String] { policies.requestHeaderNames }

    /// Nanoseconds on the store's clock.
    @inline(__always)
    private func now() -> Int64 {
        if usesMonotonicClock { return Int64(truncatingIfNeeded: NIODeadline.now().uptimeNanoseconds) }
        return clock.nanoseconds()
    }

    /// Closes connections to the shared store.
    public func shutdown() async {
        await shared?.shutdown()
    }

    // MARK: - Deciding

    private func decide(_ policy: CompiledPolicy, gcra: GCRA, key: String, on eventLoop: any EventLoop)
        -> EventLoopFuture<RateLimitDecision?>
    {
        guard let shared else {
            let outcome = memory.decide(policy: policy.index, key: key, gcra: gcra, now: now())
            return eventLoop.makeSucceededFuture(decision(policy, outcome: outcome))
        }
        return shared.decide(policy: policy, gcra: gcra, key: key, on: eventLoop).map { result in
            switch result {
            case .decided(let outcome):
                return self.decision(policy, outcome: outcome)
            case .unavailable where self.failureMode == .open:
                let outcome = self.memory.decide(
                    policy: policy.index, key: key, gcra: gcra, now: self.now())
                return self.decision(policy, outcome: outcome)
            case .unavailable:
                return self.storeUnavailableDecision(policy)
            }
        }
    }

    /// Builds the decision; counts and logs over-limit requests. Inlined: returning the decision through a
    /// call copied it (and retained its labels) once more per request.
    @inline(__always)
    private func decision(_ policy: CompiledPolicy, outcome: GCRA.Outcome) -> RateLimitDecision {
        let dryRun = policy.dryRun
        if _slowPath(!outcome.allowed) {
            policy.limitedCounter.increment()
            if dryRun {
                logger.info(
                    "rate limit exceeded (dry run, allowed)",
                    metadata: ["policy": "\(policy.configuration.name)"])
            } else if logsRejections {
                logger.debug("rate limited", metadata: ["policy": "\(policy.configuration.name)"])
            }
        }
        let allowed = outcome.allowed || dryRun
        return RateLimitDecision(
            allowed: allowed,
            limited: !outcome.allowed,
            rejectionStatus: RateLimitDecision.limitedStatus,
            limit: policy.limit,
            remaining: outcome.remaining,
            resetSeconds: GCRA.ceilingSeconds(outcome.resetAfter),
            retryAfterSeconds: allowed ? 0 : max(GCRA.ceilingSeconds(outcome.retryAfter), 1),
            labels: policy.labels)
    }

    /// Closed failure mode: reject with 503 while the shared store is unreachable.
    private func storeUnavailableDecision(_ policy: CompiledPolicy) -> RateLimitDecision {
        RateLimitDecision(
            allowed: false,
            limited: false,
            rejectionStatus: RateLimitDecision.storeUnavailableStatus,
            limit: policy.limit,
            remaining: 0,
            resetSeconds: 0,
            retryAfterSeconds: RateLimitDecision.storeUnavailableRetrySeconds,
            labels: policy.labels)
    }
}
