import NIOConcurrencyHelpers

/// GCRA state in this process: one TAT per (policy, key), sharded under small locks, bounded in size.
///
/// Expiry: a key whose TAT is not in the future carries no information (it decides exactly like an
/// unknown key), so such keys are dropped by periodic sweeps. Cap: when a shard is full and a sweep frees
/// nothing, live keys are never evicted — evicting one would hand it a fresh burst. New keys are then
/// decided against one shared overflow cell per policy, which is stricter, never looser.
final class MemoryStore: Sendable {
    /// Bounds and housekeeping intervals.
    struct Configuration: Sendable {
        /// The most keys tracked at once across all policies (the overflow cells come on top).
        var maximumKeys: Int = MemoryStore.defaultMaximumKeys
        /// How often each shard drops expired keys even when not full.
        var sweepInterval: Duration = MemoryStore.defaultSweepInterval
    }

    /// Default cap on tracked keys.
    static let defaultMaximumKeys = 1_000_000
    /// Default interval between expiry sweeps of one shard.
    static let defaultSweepInterval: Duration = .seconds(10)
    /// Shard count; a power of two so the shard index is a mask.
    static let shardCount = 16

    private let shards: [NIOLockedValueBox<MemoryShard>]
    private let overflow: NIOLockedValueBox<[Int64?]>

    init(policyCount: Int, configuration: Configuration = .init()) {
        let perShard = max(configuration.maximumKeys / Self.shardCount, 1)
        let interval = configuration.sweepInterval.components.seconds * GCRA.nanosPerSecond
        shards = (0..<Self.shardCount).map { _ in
            NIOLockedValueBox(MemoryShard(capacity: perShard, sweepInterval: interval))
        }
        overflow = NIOLockedValueBox(Array(repeating: nil, count: policyCount))
    }

    /// Decides one request for `key` under policy number `policy` at `now` and records the result.
    func decide(policy: Int, key: String, gcra: GCRA, now: Int64) -> GCRA.Outcome {
        let storeKey = MemoryStoreKey(policy: policy, key: key)
        let shard = shards[Int(storeKey.shardHash & UInt64(Self.shardCount - 1))]
        let result = shard.withLockedValue { $0.decide(storeKey, gcra: gcra, now: now) }
        if let outcome = result { return outcome }
        return overflow.withLockedValue { cells in
            let (outcome, tat) = gcra.evaluate(tat: cells[policy], now: now)
            cells[policy] = tat
            return outcome
        }
    }

    /// Keys currently tracked (for tests and diagnostics).
    var trackedKeys: Int {
        shards.reduce(0) { total, shard in total + shard.withLockedValue { $0.count } }
    }

    /// True when the overflow cell of `policy` has been used.
    func overflowUsed(policy: Int) -> Bool {
        overflow.withLockedValue { $0[policy] != nil }
    }
}
