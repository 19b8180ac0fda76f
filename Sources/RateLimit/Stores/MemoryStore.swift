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

/// A (policy, key) pair; the key string is kept as the caller made it, with no copying.
struct MemoryStoreKey: Hashable, Sendable {
    let policy: Int
    let key: String

    /// A cheap hash of the key's last bytes choosing the shard (the dictionary hashes again, seeded).
    var shardHash: UInt64 {
        let seed: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(truncatingIfNeeded: policy)
        if let folded = key.utf8.withContiguousStorageIfAvailable({
            Self.fold(UnsafeBufferPointer(rebasing: $0.suffix(Self.hashedBytes)), seed: seed)
        }) {
            return folded
        }
        return Self.fold(Array(key.utf8.suffix(Self.hashedBytes)), seed: seed)
    }

    static func fold(_ bytes: some Sequence<UInt8>, seed: UInt64) -> UInt64 {
        var hash = seed
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* fnvPrime }
        return hash ^ (hash >> 29)
    }

    static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3
    /// Keys differ mostly at their end (IP addresses, user ids); hashing the tail keeps this O(1).
    static let hashedBytes = 16
}

/// One shard's table: TAT per key, its cap, and when it may usefully be swept again.
struct MemoryShard: Sendable {
    private var table: [MemoryStoreKey: Int64] = [:]
    private let capacity: Int
    private let sweepInterval: Int64
    private var nextSweep: Int64 = .min
    /// After a sweep that left the shard full, the earliest TAT in it: no sweep frees anything before then.
    private var nextUsefulSweep: Int64 = .min

    init(capacity: Int, sweepInterval: Int64) {
        self.capacity = capacity
        self.sweepInterval = sweepInterval
    }

    var count: Int { table.count }

    /// The outcome for `key`, or nil when the shard is full of live keys and the key is not among them.
    mutating func decide(_ key: MemoryStoreKey, gcra: GCRA, now: Int64) -> GCRA.Outcome? {
        if now >= nextSweep {
            sweep(now: now)
        }
        if let index = table.index(forKey: key) {
            let (outcome, tat) = gcra.evaluate(tat: table.values[index], now: now)
            table.values[index] = tat
            return outcome
        }
        if table.count >= capacity {
            guard now >= nextUsefulSweep else { return nil }
            sweep(now: now)
            guard table.count < capacity else { return nil }
        }
        let (outcome, tat) = gcra.evaluate(tat: nil, now: now)
        table[key] = tat
        return outcome
    }

    /// Drops keys whose TAT is not in the future: they decide exactly like unknown keys.
    private mutating func sweep(now: Int64) {
        nextSweep = now &+ sweepInterval
        table = table.filter { $0.value > now }
        if table.count >= capacity {
            nextUsefulSweep = table.values.min() ?? now
        }
    }
}
