import Metrics
import ShipshapeCore
import Testing

@testable import RateLimit

extension RateLimitTestSuite {
    @Suite("Policies and keys")
    struct PolicyTests {
        @Test("the tiers of DESIGN.md each admit exactly their burst, and health checks are exempt")
        func designTiers() async throws {
            let clock = ManualClock()
            let limiter = try Fixtures.limiter(Fixtures.designPolicies, clock: clock)
            let user = [("X-User-ID", "u-1")]
            #expect(try await limiter.allowedCount(of: Fixtures.request("/api/auth/login"), count: 12) == 5)
            #expect(try await limiter.allowedCount(of: Fixtures.request("/api/ai/chat", headers: user), count: 40) == 30)
            #expect(try await limiter.allowedCount(of: Fixtures.request("/api/products/", headers: user), count: 30) == 20)
            #expect(try await limiter.decideNow(Fixtures.request("/health")) == nil)
            #expect(try await limiter.decideNow(Fixtures.request("/static/app.js")) == nil)
            #expect(try await limiter.decideNow(Fixtures.request("/api/ai/chat", headers: user))?.policy == "ai")
        }

        @Test("the most specific policy applies: clients, then longest match, then host, then method")
        func specificity() async throws {
            let clock = ManualClock()
            let limited = Rate.limited(count: 5, period: .seconds(60))
            let limiter = try Fixtures.limiter(
                [
                    .init(name: "all", match: "/", rate: limited),
                    .init(name: "internal", match: "/", clients: ["10.0.0.0/8", "::1/128"], rate: .unlimited),
                    .init(name: "api", match: "/api/", rate: limited),
                    .init(name: "api-shop", match: "/api/", host: "shop.example", rate: limited),
                    .init(name: "api-post", match: "/api/", methods: ["POST"], rate: limited),
                ], clock: clock)
            #expect(try await limiter.decideNow(Fixtures.request("/x"))?.policy == "all")
            #expect(try await limiter.decideNow(Fixtures.request("/api/x", ip: "10.1.2.3")) == nil)
            #expect(try await limiter.decideNow(Fixtures.request("/api/x", ip: "::1")) == nil)
            #expect(try await limiter.decideNow(Fixtures.request("/api/x"))?.policy == "api")
            #expect(try await limiter.decideNow(Fixtures.request("/api/x", method: "POST"))?.policy == "api-post")
            #expect(
                try await limiter.decideNow(Fixtures.request("/api/x", method: "POST", host: "Shop.Example:443"))?.policy
                    == "api-shop")
        }

        @Test("keys by IP, header and combination count separately; a missing header falls back to the IP")
        func keys() async throws {
            let clock = ManualClock()
            let rate = Rate.limited(count: 2, period: .seconds(60))
            let limiter = try Fixtures.limiter(
                [
                    .init(name: "byip", match: "/ip/", key: "ip", rate: rate),
                    .init(name: "byheader", match: "/h/", key: "header:X-API-Key", rate: rate),
                    .init(name: "both", match: "/both/", key: "ip+header:X-API-Key", rate: rate),
                ], clock: clock)
            #expect(try await limiter.allowedCount(of: Fixtures.request("/ip/", ip: "192.0.2.1"), count: 3) == 2)
            #expect(try await limiter.allowedCount(of: Fixtures.request("/ip/", ip: "192.0.2.2"), count: 3) == 2)

            let keyA = [("x-api-key", "A")]
            #expect(try await limiter.allowedCount(of: Fixtures.request("/h/", ip: "192.0.2.1", headers: keyA), count: 2) == 2)
            // Same key from another address shares the quota.
            #expect(try await limiter.decideNow(Fixtures.request("/h/", ip: "192.0.2.9", headers: keyA))?.allowed == false)
            // No header: limited per client address, not in one anonymous bucket, and not as key "192.0.2.9".
            #expect(try await limiter.allowedCount(of: Fixtures.request("/h/", ip: "192.0.2.9"), count: 3) == 2)
            #expect(try await limiter.allowedCount(of: Fixtures.request("/h/", ip: "192.0.2.8"), count: 3) == 2)
            let spoof = [("X-API-Key", "192.0.2.7")]
            #expect(try await limiter.allowedCount(of: Fixtures.request("/h/", ip: "192.0.2.1", headers: spoof), count: 2) == 2)
            #expect(try await limiter.allowedCount(of: Fixtures.request("/h/", ip: "192.0.2.7"), count: 3) == 2)

            #expect(try await limiter.allowedCount(of: Fixtures.request("/both/", ip: "192.0.2.1", headers: keyA), count: 3) == 2)
            #expect(try await limiter.allowedCount(of: Fixtures.request("/both/", ip: "192.0.2.2", headers: keyA), count: 3) == 2)
        }

        @Test("a dry-run policy counts and logs over-limit requests but never rejects")
        func dryRun() async throws {
            let clock = ManualClock()
            let logs = LogCapture()
            MetricsBootstrap.ensure()
            let limiter = try Fixtures.limiter(
                [.init(name: "trial-dry", match: "/", rate: .limited(count: 3, period: .seconds(60)), dryRun: true)],
                clock: clock, logger: logs.logger())
            var decisions: [RateLimitDecision] = []
            for _ in 0..<5 { decisions.append(try #require(try await limiter.decideNow(Fixtures.request("/")))) }
            #expect(decisions.filter(\.allowed).count == 5)
            #expect(decisions.map(\.limited) == [false, false, false, true, true])
            #expect(decisions[4].header("X-RateLimit-Remaining") == "0")
            #expect(logs.count(containing: "dry run") == 2)
            #expect(ShipshapeMetrics.render().contains(#"shipshape_rate_limited_total{policy="trial-dry"} 2"#))
        }

        @Test("rejections are counted in shipshape_rate_limited_total by policy")
        func metric() async throws {
            MetricsBootstrap.ensure()
            let limiter = try Fixtures.limiter(
                [.init(name: "metered", match: "/", rate: .limited(count: 1, period: .seconds(60)))], clock: ManualClock())
            _ = try await limiter.allowedCount(of: Fixtures.request("/"), count: 4)
            #expect(ShipshapeMetrics.render().contains(#"shipshape_rate_limited_total{policy="metered"} 3"#))
        }

        @Test("policy names are quoted in headers and JSON")
        func quoting() async throws {
            let limiter = try Fixtures.limiter(
                [.init(name: #"we"ird"#, match: "/", rate: .limited(count: 1, period: .seconds(1)))], clock: ManualClock())
            _ = try await limiter.decideNow(Fixtures.request("/"))
            let rejected = try #require(try await limiter.decideNow(Fixtures.request("/")))
            #expect(rejected.header("RateLimit-Policy") == #""we\"ird";q=1;w=1"#)
            #expect(rejected.rejectionBody == #"{"error":"rate_limited","policy":"we\"ird","retry_after":1}"#)
        }
    }
}
