import Testing

@testable import RateLimit

extension RateLimitTestSuite {
    @Suite("GCRA limiter")
    struct GCRATests {
        @Test("rate 10/m alone admits 10 at once, then one every 6 s")
        func defaultBurstIsTheCount() async throws {
            let clock = ManualClock()
            let limiter = try Fixtures.limiter(
                [.init(name: "t", match: "/", rate: .limited(count: 10, period: .seconds(60)))], clock: clock)
            let request = Fixtures.request("/x")
            #expect(try await limiter.allowedCount(of: request, count: 15) == 10)
            clock.advance(.seconds(5))
            #expect(try await limiter.decideNow(request)?.allowed == false)
            clock.advance(.seconds(1))
            #expect(try await limiter.decideNow(request)?.allowed == true)
            #expect(try await limiter.decideNow(request)?.allowed == false)
            clock.advance(.seconds(12))
            #expect(try await limiter.allowedCount(of: request, count: 5) == 2)
        }

        @Test("burst 5 of 10/m admits 5 at once, then one every 6 s")
        func explicitBurst() async throws {
            let clock = ManualClock()
            let limiter = try Fixtures.limiter(
                [.init(name: "auth", match: "/", rate: .limited(count: 10, period: .seconds(60)), burst: 5)], clock: clock)
            let request = Fixtures.request("/login")
            #expect(try await limiter.allowedCount(of: request, count: 8) == 5)
            let denied = try #require(try await limiter.decideNow(request))
            #expect(denied.retryAfterSeconds == 6)
            #expect(denied.remaining == 0)
            #expect(denied.resetSeconds == 30)
            clock.advance(.seconds(60))
            #expect(try await limiter.allowedCount(of: request, count: 8) == 5)
        }

        @Test("remaining and reset are exact after each request")
        func exactRemainingAndReset() async throws {
            let clock = ManualClock()
            let limiter = try Fixtures.limiter(
                [.init(name: "api", match: "/api/", rate: .limited(count: 100, period: .seconds(60)), burst: 20)],
                clock: clock)
            let request = Fixtures.request("/api/items")
            for taken in 1...20 {
                let decision = try #require(try await limiter.decideNow(request))
                #expect(decision.allowed)
                #expect(decision.remaining == 20 - taken)
                // Each request pushes the TAT 0.6 s ahead; reset is rounded up to whole seconds.
                #expect(decision.resetSeconds == (taken * 600 + 999) / 1000)
            }
            let limited = try #require(try await limiter.decideNow(request))
            #expect(!limited.allowed && limited.retryAfterSeconds == 1 && limited.resetSeconds == 12)
            clock.advance(.milliseconds(1200))
            let refilled = try #require(try await limiter.decideNow(request))
            #expect(refilled.allowed && refilled.remaining == 1)
        }

        @Test("allowed and rejected decisions carry the IETF and X-RateLimit headers and the 429 body")
        func headersAndBody() async throws {
            let clock = ManualClock()
            let limiter = try Fixtures.limiter(Fixtures.designPolicies, clock: clock)
            let request = Fixtures.request("/api/auth/login", ip: "198.51.100.4")
            let first = try #require(try await limiter.decideNow(request))
            #expect(first.policy == "auth")
            #expect(first.headers.map(\.name) == [
                "RateLimit-Policy", "RateLimit", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
            ])
            #expect(first.header("RateLimit-Policy") == "\"auth\";q=10;w=60")
            #expect(first.header("RateLimit") == "\"auth\";r=4;t=6")
            #expect(first.header("X-RateLimit-Limit") == "10")
            #expect(first.header("X-RateLimit-Remaining") == "4")
            #expect(first.header("X-RateLimit-Reset") == "6")
            _ = try await limiter.allowedCount(of: request, count: 4)
            let rejected = try #require(try await limiter.decideNow(request))
            #expect(!rejected.allowed && rejected.rejectionStatus == 429)
            #expect(rejected.header("Retry-After") == "6")
            #expect(rejected.header("RateLimit") == "\"auth\";r=0;t=30")
            #expect(rejected.rejectionBody == #"{"error":"rate_limited","policy":"auth","retry_after":6}"#)
        }

        @Test("a property: decisions match a leaky-bucket reference model over random arrivals")
        func matchesReferenceModel() throws {
            var generator = SeededGenerator(seed: 0x5EED_CAFE)
            for round in 0..<200 {
                let count = Int.random(in: 1...50, using: &generator)
                let periodSeconds = [1, 10, 60, 3600].randomElement(using: &generator) ?? 60
                let burst = Bool.random(using: &generator) ? nil : Int.random(in: 1...60, using: &generator)
                let gcra = GCRA(count: count, period: .seconds(periodSeconds), burst: burst)
                var model = LeakyBucketModel(interval: gcra.emissionInterval, capacity: gcra.capacity)
                var tat: Int64?
                var now: Int64 = Int64.random(in: 0...1_000_000_000_000, using: &generator)
                for step in 0..<300 {
                    switch Int.random(in: 0..<4, using: &generator) {
                    case 0: break  // simultaneous arrival
                    case 1: now += Int64.random(in: 0...gcra.emissionInterval, using: &generator)
                    case 2: now += Int64.random(in: 0...(gcra.capacity * 2), using: &generator)
                    default: now += Int64.random(in: 0...1_000_000, using: &generator)
                    }
                    let (outcome, newTAT) = gcra.evaluate(tat: tat, now: now)
                    tat = newTAT
                    let expected = model.arrive(at: now)
                    #expect(outcome.allowed == expected.allowed, "round \(round) step \(step)")
                    #expect(outcome.remaining == expected.remaining, "round \(round) step \(step)")
                    #expect(outcome.resetAfter == expected.resetAfter, "round \(round) step \(step)")
                    #expect(outcome.retryAfter == expected.retryAfter, "round \(round) step \(step)")
                }
            }
        }
    }
}
