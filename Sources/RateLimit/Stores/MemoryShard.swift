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
