import Foundation
import Logging
import NIOCore
import ShipshapeCore
import Testing
import TestSupport

@testable import RateLimit

extension RateLimitTestSuite {
    @Suite("Shared store on a real Redis")
    struct RedisStoreTests {
        static let policies: [RateLimitConfiguration.Policy] = [
            .init(name: "api", match: "/api/", key: "ip", rate: .limited(count: 10, period: .seconds(60)))
        ]

        /// Options with a short backoff so recovery is observed quickly.
        static let options = RateLimiter.Options(commandTimeout: .milliseconds(300), retryBackoff: .milliseconds(200))
        /// For tests whose counts a timeout's fallback to local limits would change on a stalled machine.
        static let patient = RateLimiter.Options(commandTimeout: .seconds(5), retryBackoff: .milliseconds(200))

        static func redis() async throws -> RedisServer {
            try await RedisServer.start()
        }

        static func limiter(
            port: Int, failure: RateLimitConfiguration.FailureMode = .open, logger: Logger = Logger(label: "test"),
            policies: [RateLimitConfiguration.Policy] = policies, options: RateLimiter.Options = options
        ) throws -> RateLimiter {
            try RateLimiter(
                configuration: RateLimitConfiguration(
                    policies: policies, store: .redis(url: "redis://127.0.0.1:\(port)/0"), failureMode: failure),
                logger: logger, eventLoopGroup: Fixtures.group, options: options)
        }

        /// A key's name as docs/ratelimit.md tells operators to compute it: openssl's HMAC-SHA256 with the
        /// public key `shipshape-ratelimit-v1`, first 32 hex digits.
        static func redisKey(policy: String, key: String) throws -> String {
            let result = try ProcessRunner.run(
                ["openssl", "dgst", "-sha256", "-hmac", "shipshape-ratelimit-v1"], input: Data(key.utf8))
            let digest = result.stdout.split(separator: " ").last.map { String($0.prefix(32)) } ?? ""
            guard result.status == 0, digest.count == 32 else {
                throw TestSupportError(message: "openssl dgst failed: \(result.stderr)")
            }
            return "shipshape:ratelimit:\(policy):\(digest)"
        }

        @Test("Redis keys hold a keyed hash of the client's key, never the raw API key; the policy stays readable")
        func keysAreHashed() async throws {
            let server = try await Self.redis()
            defer { server.stop() }
            let apiKey = "sk_live_51HcR3tKeyThatMustNotLeak"
            let limiter = try Self.limiter(
                port: server.port,
                policies: [.init(name: "partner", match: "/", key: "header:X-API-Key", rate: .limited(count: 5, period: .seconds(60)))])
            let request = Fixtures.request("/v1/orders", headers: [("X-API-Key", apiKey)])
            #expect(try await limiter.allowedCount(of: request, count: 2) == 2)
            let keys = try await server.cli("--scan", "--pattern", "*").split(separator: "\n").map(String.init)
            #expect(keys == [try Self.redisKey(policy: "partner", key: apiKey)])
            #expect(!keys.contains { $0.contains(apiKey) || $0.contains("sk_live") })
            // The documented reset works: deleting that key gives the client a full quota again.
            #expect(try await server.cli("DEL", keys[0]) == "1")
            #expect(try await limiter.decideNow(request)?.remaining == 4)
            await limiter.shutdown()
        }

        @Test("two limiters sharing one Redis enforce one combined limit")
        func twoReplicasShareOneLimit() async throws {
            let server = try await Self.redis()
            defer { server.stop() }
            // 10 an hour, and a command timeout no loaded machine reaches: a refill between the requests or a
            // fallback to local limits would both show as more than 10 allowed.
            let hourly: [RateLimitConfiguration.Policy] = [
                .init(name: "api", match: "/api/", key: "ip", rate: .limited(count: 10, period: .seconds(3600)))
            ]
            let first = try Self.limiter(port: server.port, policies: hourly, options: Self.patient)
            let second = try Self.limiter(port: server.port, policies: hourly, options: Self.patient)
            var allowed = 0
            for index in 0..<30 {
                let limiter = index.isMultiple(of: 2) ? first : second
                if try await limiter.decideNow(Fixtures.request("/api/x"))?.allowed == true { allowed += 1 }
            }
            #expect(allowed == 10)
            let last = try #require(try await second.decideNow(Fixtures.request("/api/x")))
            // The next request is one emission interval (6 minutes) after the first, less the time the test took.
            #expect(!last.allowed)
            #expect((300...360).contains(last.retryAfterSeconds))
            let field = try #require(last.header("RateLimit"))
            #expect(field.hasPrefix("\"api\";r=0;t="))
            #expect(Int(field.split(separator: "=").last ?? "").map { (3000...3600).contains($0) } == true)
            // Another client is unaffected.
            #expect(try await first.decideNow(Fixtures.request("/api/x", ip: "192.0.2.50"))?.remaining == 9)
            #expect(try await server.cli("EXISTS", try Self.redisKey(policy: "api", key: "203.0.113.7")) == "1")
            await first.shutdown()
            await second.shutdown()
        }

        @Test("pipelined concurrent decisions on one key admit exactly the limit")
        func pipelinedDecisionsAreAtomic() async throws {
            let server = try await Self.redis()
            defer { server.stop() }
            let limiter = try Self.limiter(
                port: server.port,
                policies: [.init(name: "burst", match: "/", rate: .limited(count: 100, period: .seconds(3600)))],
                options: Self.patient)
            let loop = Fixtures.group.next()
            let futures = (0..<500).map { _ in limiter.decide(Fixtures.request("/"), on: loop) }
            let decisions = try await EventLoopFuture.whenAllSucceed(futures, on: loop).get()
            #expect(decisions.filter { $0?.allowed == true }.count == 100)
            await limiter.shutdown()
        }

        @Test("a flushed script cache falls back from EVALSHA to EVAL and keeps counting")
        func evalFallbackAfterScriptFlush() async throws {
            let server = try await Self.redis()
            defer { server.stop() }
            // 10 an hour: the redis-cli calls between the two batches cannot last long enough for a refill.
            let limiter = try Self.limiter(
                port: server.port,
                policies: [.init(name: "api", match: "/api/", key: "ip", rate: .limited(count: 10, period: .seconds(3600)))])
            #expect(try await limiter.allowedCount(of: Fixtures.request("/api/"), count: 4) == 4)
            #expect(try await server.cli("SCRIPT", "EXISTS", GCRAScript.sha1) == "1")
            #expect(try await server.cli("SCRIPT", "FLUSH") == "OK")
            #expect(try await server.cli("SCRIPT", "EXISTS", GCRAScript.sha1) == "0")
            #expect(try await limiter.allowedCount(of: Fixtures.request("/api/"), count: 10) == 6)
            #expect(try await server.cli("SCRIPT", "EXISTS", GCRAScript.sha1) == "1")
            await limiter.shutdown()
        }

        @Test("Redis killed mid-test: fail-open serves with local limits, logs once, and recovers on restart")
        func failOpenAndRecover() async throws {
            let server = try await Self.redis()
            let logs = LogCapture()
            let limiter = try Self.limiter(port: server.port, logger: logs.logger())
            let request = Fixtures.request("/api/orders")
            #expect(try await limiter.allowedCount(of: request, count: 3) == 3)
            server.stop()

            // Local limits take over: a fresh local bucket of 10, then 429s — never unlimited.
            #expect(try await limiter.allowedCount(of: request, count: 25) == 10)
            #expect(logs.count(containing: "shared rate limit store unreachable") == 1)
            #expect(logs.records.first { $0.message.contains("unreachable") }?.level == .error)

            let restarted = try await RedisServer.start(port: server.port)
            defer { restarted.stop() }
            try await Task.sleep(for: .milliseconds(400))
            let other = Fixtures.request("/api/orders", ip: "192.0.2.77")
            var recovered = false
            for _ in 0..<20 where !recovered {
                _ = try await limiter.decideNow(other)
                recovered = try await restarted.cli("EXISTS", try Self.redisKey(policy: "api", key: "192.0.2.77")) == "1"
                if !recovered { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(recovered)
            #expect(logs.count(containing: "reachable again") == 1)
            #expect(logs.count(containing: "shared rate limit store unreachable") == 1)
            // Shared again: a second replica sees the same counts.
            let replica = try Self.limiter(port: restarted.port)
            let remainingHere = try #require(try await limiter.decideNow(other)).remaining
            let remainingThere = try #require(try await replica.decideNow(other)).remaining
            #expect(remainingThere == remainingHere - 1)
            await limiter.shutdown()
            await replica.shutdown()
        }

        @Test("fail-closed rejects with 503 while Redis is down, and serves again once it is back")
        func failClosed() async throws {
            let server = try await Self.redis()
            let limiter = try Self.limiter(port: server.port, failure: .closed)
            #expect(try await limiter.decideNow(Fixtures.request("/api/"))?.allowed == true)
            server.stop()
            let rejected = try #require(try await limiter.decideNow(Fixtures.request("/api/")))
            #expect(!rejected.allowed && rejected.rejectionStatus == 503)
            #expect(rejected.header("Retry-After") == "1")
            #expect(rejected.rejectionBody == #"{"error":"rate_limit_store_unavailable","policy":"api","retry_after":1}"#)
            #expect(try await limiter.decideNow(Fixtures.request("/health")) == nil)

            let restarted = try await RedisServer.start(port: server.port)
            defer { restarted.stop() }
            try await Task.sleep(for: .milliseconds(400))
            var served = false
            for _ in 0..<20 where !served {
                served = try await limiter.decideNow(Fixtures.request("/api/"))?.allowed == true
                if !served { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(served)
            await limiter.shutdown()
        }

        @Test("a Redis that stops answering times out and falls back instead of holding requests")
        func commandTimeout() async throws {
            let server = try await Self.redis()
            defer { server.stop() }
            let logs = LogCapture()
            let limiter = try Self.limiter(port: server.port, logger: logs.logger())
            #expect(try await limiter.decideNow(Fixtures.request("/api/"))?.allowed == true)
            server.process.signal(SIGSTOP)
            defer { server.process.signal(SIGCONT) }
            let start = ContinuousClock.now
            let decision = try #require(try await limiter.decideNow(Fixtures.request("/api/")))
            #expect(decision.allowed)
            // Bounded by the command timeout, not by Redis: generous for a loaded machine, finite unlike a hang.
            #expect(ContinuousClock.now - start < .seconds(10))
            #expect(logs.records.contains { $0.metadata["error"]?.contains("did not answer within 300 ms") == true })
            server.process.signal(SIGCONT)
            await limiter.shutdown()
        }

        @Test("a bad store URL is refused with what to do")
        func badURL() throws {
            #expect(throws: RateLimitError.invalidStoreURL("redis://***@host:notaport")) {
                try RateLimiter(
                    configuration: RateLimitConfiguration(store: .redis(url: "redis://user:s3cret@host:notaport")),
                    logger: Logger(label: "test"), eventLoopGroup: Fixtures.group)
            }
            let address = try RedisAddress(url: "redis://:pw@[::1]:6380/2")
            #expect(address.host == "::1" && address.port == 6380 && address.database == 2 && address.password == "pw")
            #expect(!address.description.contains("pw"))
        }
    }
}
