import Foundation
import Gateway
import ShipshapeCore
import TestSupport
import Testing

@Suite("gateway: rate limits end to end", .serialized)
struct RateLimitGatewayTests {
    static let tiers: [RateLimitConfiguration.Policy] = [
        .init(name: "health", match: "/health", rate: .unlimited),
        .init(name: "auth", match: "/api/auth/", key: "ip", rate: .limited(count: 10, period: .seconds(60)), burst: 5),
        .init(name: "api", match: "/api/", key: "header:X-User-ID", rate: .limited(count: 100, period: .seconds(60)), burst: 3),
        .init(name: "shadow", match: "/dry/", key: "ip", rate: .limited(count: 1, period: .seconds(60)), dryRun: true),
    ]

    @Test("a tier admits exactly its burst, then answers 429 with the quota headers and JSON body")
    func tiers() async throws {
        try await GatewayHarness.with(configure: { config, _ in config.gateway.rateLimits.policies = Self.tiers }) { gateway in
            var statuses: [Int] = []
            var last = try CurlResponse.run(["\(gateway.http)/api/auth/login"])
            statuses.append(last.status)
            #expect(last.headers["ratelimit-policy"] == #""auth";q=5;w=30"# || last.headers["ratelimit-policy"]?.hasPrefix(#""auth""#) == true)
            #expect(last.headers["x-ratelimit-limit"] != nil)
            for _ in 0..<5 {
                last = try CurlResponse.run(["\(gateway.http)/api/auth/login"])
                statuses.append(last.status)
            }
            #expect(statuses == [404, 404, 404, 404, 404, 429], "the demo app has no /api/auth/login: 404s pass, the 6th is limited")
            #expect(last.headers["retry-after"].flatMap(Int.init).map { $0 >= 1 && $0 <= 12 } == true)
            #expect(last.headers["x-ratelimit-remaining"] == "0")
            #expect(last.body.hasPrefix(#"{"error":"rate_limited","policy":"auth","retry_after":"#))
            #expect(last.headers["x-request-id"] != nil)
        }
    }

    @Test("header keys give each user their own quota; exempt and dry-run policies never reject")
    func keysAndExemptions() async throws {
        try await GatewayHarness.with(configure: { config, _ in config.gateway.rateLimits.policies = Self.tiers }) { gateway in
            var alice: [Int] = []
            for _ in 0..<4 {
                let status = try CurlResponse.run(["-H", "X-User-ID: alice", "\(gateway.http)/api/hello"]).status
                alice.append(status)
            }
            #expect(alice == [200, 200, 200, 429])
            let bob = try CurlResponse.run(["-H", "X-User-ID: bob", "\(gateway.http)/api/hello"])
            #expect(bob.status == 200, "another user's quota is untouched")
            for _ in 0..<10 {
                let health = try CurlResponse.run(["\(gateway.http)/health"])
                #expect(health.status == 200)
                #expect(health.headers["ratelimit"] == nil, "unlimited policies add no quota headers")
            }
            for _ in 0..<3 {
                let shadow = try CurlResponse.run(["\(gateway.http)/dry/anything"])
                #expect(shadow.status == 404, "dry run counts but never rejects")
            }
        }
    }

    @Test("two gateways sharing a real Redis enforce one combined limit")
    func sharedRedis() async throws {
        let redis = try ExternalServer.redis()
        defer { redis.stop() }
        let policy = RateLimitConfiguration.Policy(
            name: "api", match: "/api/", key: "header:X-User-ID", rate: .limited(count: 6, period: .seconds(60)))
        let configure: @Sendable (inout ShipshapeConfiguration, Int) -> Void = { config, _ in
            config.gateway.rateLimits = RateLimitConfiguration(
                policies: [policy], store: .redis(url: "redis://127.0.0.1:\(redis.port)/0"))
        }
        let first = try await GatewayHarness.start(configure: configure)
        let second = try await GatewayHarness.start(configure: configure)
        var allowed = 0
        for index in 0..<12 {
            let gateway = index.isMultiple(of: 2) ? first : second
            let status = try CurlResponse.run(["-H", "X-User-ID: shared", "\(gateway.http)/api/hello"]).status
            if status == 200 { allowed += 1 }
        }
        await first.stop()
        await second.stop()
        #expect(allowed == 6, "6/m between both gateways, not 6 each")
    }
}
