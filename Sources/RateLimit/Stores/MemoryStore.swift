import Synchronization

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

    /// One shard behind its own lock (a class, so the non-copyable mutex has a stable home).
    private final class Shard: Sendable {
        let state: Mutex<MemoryShard>

        init(_ shard: MemoryShard) {
            state = Mutex(shard)
        }
    }

    /// Default cap on tracked keys.
    static let defaultMaximumKeys = 1_000_000
    /// Default interval between expiry sweeps of one shard.
    static let defaultSweepInterval: Duration = .seconds(10)
    /// Shard count; a power of two so the shard index is the hash's top bits.
    static let shardCount = 16
    /// `64 - log2(shardCount)`: the shift that leaves the top bits as the shard index.
    static let shardShift: UInt64 = 60

    private let shards: ContiguousArray<Shard>
    private let overflow: Mutex<[Int64?]>
    private let hasher: KeyHasher

    init(policyCount: Int, configuration: Configuration = .init(), hasher: KeyHasher = .random()) {
        let perShard = max(configuration.maximumKeys / Self.shardCount, 1)
        let interval = configuration.sweepInterval.components.seconds * GCRA.nanosPerSecond
        shards = ContiguousArray((0..<Self.shardCount).map { _ in
            Shard(MemoryShard(capacity: perShard, sweepInterval: interval))
        })
        overflow = Mutex(Array(repeating: nil, count: policyCount))
        self.hasher = hasher
    }

    /// Decides one request for `key` under policy number `policy` at `now` and records the result.
    @inline(__always)
    func decide(policy: Int, key: String, gcra: GCRA, now: Int64) -> GCRA.Outcome {
        let hash = hasher.hash(key, policy: policy)
        let shard = shards[Int(truncatingIfNeeded: hash &>> Self.shardShift)]
        let result = shard.state.withLock {
            $0.decide(hash: hash, policy: Int32(truncatingIfNeeded: policy), key: key, gcra: gcra, now: now)
        }
        if let outcome = result { return outcome }
        return overflow.withLock { cells in
            let (outcome, tat) = gcra.evaluate(tat: cells[policy], now: now)
            cells[policy] = tat
            return outcome
        }
    }

    /// Keys currently tracked (for tests and diagnostics).
    var trackedKeys: Int {
        shards.reduce(0) { total, shard in total + shard.state.withLock { $0.count } }
    }

    /// True when the overflow cell of `policy` has been used.
    func overflowUsed(policy: Int) -> Bool {
        overflow.withLock { $0[policy] != nil }
    }
}
