/// One shard's table: TAT per (policy, key), its cap, and when it may usefully be swept again.
struct MemoryShard: Sendable {
    private var table = KeyTable()
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

    /// The outcome for the key, or nil when the shard is full of live keys and the key is not among them.
    /// `hash` is the store's `KeyHasher` hash of (policy, key).
    @inline(__always)
    mutating func decide(hash: UInt64, policy: Int32, key: String, gcra: GCRA, now: Int64) -> GCRA.Outcome? {
        if now >= nextSweep {
            sweep(now: now)
        }
        let slot = table.find(hash: hash, policy: policy, key: key)
        if slot >= 0 {
            let (outcome, tat) = gcra.evaluate(tat: table.tat(at: slot), now: now)
            table.setTAT(tat, at: slot)
            return outcome
        }
        var missing = slot
        if table.count >= capacity {
            guard now >= nextUsefulSweep else { return nil }
            sweep(now: now)
            guard table.count < capacity else { return nil }
            missing = table.find(hash: hash, policy: policy, key: key)
        }
        let (outcome, tat) = gcra.evaluate(tat: nil, now: now)
        table.insert(hash: hash, policy: policy, key: key, tat: tat, missing: missing)
        return outcome
    }

    /// Drops keys whose TAT is not in the future: they decide exactly like unknown keys.
    private mutating func sweep(now: Int64) {
        nextSweep = now &+ sweepInterval
        table.retain { $0 > now }
        if table.count >= capacity {
            nextUsefulSweep = table.minimumTAT ?? now
        }
    }
}
