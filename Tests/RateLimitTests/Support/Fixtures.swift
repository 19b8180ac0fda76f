import Foundation
import Logging
import NIOCore
import NIOPosix
import RateLimit
import ShipshapeCore
import Testing

/// Shared helpers for building limiters and requests in tests.
enum Fixtures {
    /// One event loop group for every test in the module. Its threads are started with SIGCHLD blocked
    /// (threads inherit the creator's mask), so a child's exit signal reaches Foundation's `Process`
    /// monitor instead of being dropped by an event loop thread.
    static let group: MultiThreadedEventLoopGroup = {
        var blocked = sigset_t()
        var previous = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGCHLD)
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return MultiThreadedEventLoopGroup(numberOfThreads: 2)
    }()

    /// The tiers from DESIGN.md.
    static let designPolicies: [RateLimitConfiguration.Policy] = [
        .init(name: "health", match: "/health", rate: .unlimited),
        .init(name: "auth", match: "/api/auth/", key: "ip", rate: .limited(count: 10, period: .seconds(60)), burst: 5),
        .init(name: "ai", match: "/api/ai/", key: "header:X-User-ID", rate: .limited(count: 30, period: .seconds(60))),
        .init(
            name: "api", match: "/api/", key: "header:X-User-ID", rate: .limited(count: 100, period: .seconds(60)),
            burst: 20),
    ]

    /// A memory-store limiter on a manual clock.
    static func limiter(
        _ policies: [RateLimitConfiguration.Policy], clock: ManualClock, logger: Logger = Logger(label: "test"),
        maximumKeys: Int = 1_000_000, jwt: RateLimitConfiguration.JWTKeys = .init()
    ) throws -> RateLimiter {
        try RateLimiter(
            configuration: RateLimitConfiguration(policies: policies, jwt: jwt), logger: logger,
            eventLoopGroup: group, options: .init(maximumKeys: maximumKeys, clock: clock))
    }

    /// A request.
    static func request(
        _ path: String, ip: String = "203.0.113.7", method: String = "GET", host: String? = nil,
        headers: [(name: String, value: String)] = []
    ) -> RateLimitRequest {
        RateLimitRequest(method: method, path: path, host: host, clientIP: ip, headers: headers)
    }
}

extension RateLimiter {
    /// Decides and waits (tests only).
    func decideNow(_ request: RateLimitRequest) async throws -> RateLimitDecision? {
        try await decide(request, on: Fixtures.group.next()).get()
    }

    /// How many of `count` identical requests are allowed.
    func allowedCount(of request: RateLimitRequest, count: Int) async throws -> Int {
        var allowed = 0
        for _ in 0..<count where try await decideNow(request)?.allowed == true { allowed += 1 }
        return allowed
    }
}

extension RateLimitDecision {
    /// The value of header `name`, if present.
    func header(_ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }
}

/// Every RateLimit suite runs one test at a time: the Redis tests start and stop servers, and
/// Foundation's `Process` (used by TestSupport) is not reliable when children exit concurrently.
@Suite(.serialized) enum RateLimitTestSuite {}
