import Testing

@testable import RateLimit

extension RateLimitTestSuite {
    @Suite("Memory store bounds")
    struct MemoryStoreTests {
        @Test("idle keys expire once their TAT has passed")
        func idleKeysExpire() throws {
            let store = MemoryStore(policyCount: 1, configuration: .init(maximumKeys: 1000, sweepInterval: .seconds(10)))
            let gcra = GCRA(count: 10, period: .seconds(60))
            var now: Int64 = 1_000_000_000_000
            for index in 0..<100 { _ = store.decide(policy: 0, key: "10.0.0.\(index)", gcra: gcra, now: now) }
            #expect(store.trackedKeys == 100)
            // One request puts a key's TAT 6 s ahead; past that and the sweep interval, the keys carry nothing.
            now += 11 * GCRA.nanosPerSecond
            let probes = 200
            for index in 0..<probes { _ = store.decide(policy: 0, key: "probe-\(index)", gcra: gcra, now: now) }
            #expect(store.trackedKeys == probes)
        }

        @Test("a full table never evicts a limited key; new keys share a stricter overflow cell")
        func capNeverReleasesLimitedKeys() throws {
            let store = MemoryStore(
                policyCount: 1, configuration: .init(maximumKeys: MemoryStore.shardCount, sweepInterval: .seconds(3600)))
            let gcra = GCRA(count: 2, period: .seconds(60))
            let now: Int64 = 1_000_000_000_000
            // Exhaust the victim key: two allowed, then limited.
            #expect(store.decide(policy: 0, key: "victim", gcra: gcra, now: now).allowed)
            #expect(store.decide(policy: 0, key: "victim", gcra: gcra, now: now).allowed)
            #expect(!store.decide(policy: 0, key: "victim", gcra: gcra, now: now).allowed)
            // Flood with new keys: far more than the cap.
            var admittedNewKeys = 0
            for index in 0..<1000 where store.decide(policy: 0, key: "flood-\(index)", gcra: gcra, now: now + 1).allowed {
                admittedNewKeys += 1
            }
            #expect(store.trackedKeys <= MemoryStore.shardCount)
            #expect(!store.decide(policy: 0, key: "victim", gcra: gcra, now: now + 2).allowed)
            #expect(store.overflowUsed(policy: 0))
            // Flood keys beyond the cap shared one cell of 2, plus at most one tracked key per shard.
            #expect(admittedNewKeys <= MemoryStore.shardCount * 2 + 2)
            // Once the TATs pass, the victim is forgotten and the table accepts keys again.
            let later = now + 61 * GCRA.nanosPerSecond
            #expect(store.decide(policy: 0, key: "victim", gcra: gcra, now: later).allowed)
            #expect(store.decide(policy: 0, key: "fresh", gcra: gcra, now: later).allowed)
        }
    }
}
