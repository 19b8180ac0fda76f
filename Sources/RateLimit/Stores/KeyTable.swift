/// An open-addressing table of TATs keyed by (policy, key), probed with the store's own seeded hash.
///
/// The standard dictionary would hash the key again with SipHash after the store already hashed it to
/// pick the shard; here the one hash picks the shard (top bits) and the slot (low bits), and a lookup
/// compares the stored hash before touching the key. Linear probing; entries are removed only by
/// `retain(where:)`, which rebuilds the table (sweeps do that anyway).
struct KeyTable: Sendable {
    /// One slot; `policy < 0` marks it empty.
    struct Slot: Sendable {
        var hash: UInt64
        var policy: Int32
        var tat: Int64
        var key: String

        static let empty = Slot(hash: 0, policy: -1, tat: 0, key: "")
    }

    private var slots: [Slot]
    private var mask: Int
    /// Entries in the table.
    private(set) var count = 0

    /// The smallest table (slots).
    static let minimumSlots = 64
    /// Grow when more than this share of slots is used (numerator over 8): linear probing stays short.
    static let maximumLoadEighths = 5
    static let eighths = 8

    /// An empty table.
    init() {
        slots = Array(repeating: .empty, count: Self.minimumSlots)
        mask = Self.minimumSlots - 1
    }

    /// The slot of (policy, key) when present, else the empty slot where it would go (negative: `~slot`).
    @inline(__always)
    func find(hash: UInt64, policy: Int32, key: String) -> Int {
        // Fields are read in place through the buffer: copying a slot would retain and release its key.
        slots.withUnsafeBufferPointer { slots in
            var index = Int(truncatingIfNeeded: hash) & mask
            while true {
                if slots[index].policy < 0 { return ~index }
                if slots[index].hash == hash, slots[index].policy == policy, slots[index].key == key { return index }
                index = (index &+ 1) & mask
            }
        }
    }

    /// The TAT stored in slot `index` (from `find`).
    @inline(__always)
    func tat(at index: Int) -> Int64 { slots[index].tat }

    /// Replaces the TAT in slot `index`.
    @inline(__always)
    mutating func setTAT(_ tat: Int64, at index: Int) { slots[index].tat = tat }

    /// Inserts a new entry into the empty slot `~missing` that `find` reported.
    mutating func insert(hash: UInt64, policy: Int32, key: String, tat: Int64, missing: Int) {
        if (count &+ 1) &* Self.eighths > slots.count &* Self.maximumLoadEighths {
            rebuild(slotCount: slots.count &* 2) { _ in true }
            let index = find(hash: hash, policy: policy, key: key)
            slots[~index] = Slot(hash: hash, policy: policy, tat: tat, key: key)
        } else {
            slots[~missing] = Slot(hash: hash, policy: policy, tat: tat, key: key)
        }
        count &+= 1
    }

    /// Keeps only entries whose TAT satisfies `keep`, shrinking the table when most were dropped.
    mutating func retain(where keep: (Int64) -> Bool) {
        var survivors = 0
        for slot in slots where slot.policy >= 0 && keep(slot.tat) { survivors &+= 1 }
        var slotCount = Self.minimumSlots
        while survivors &* Self.eighths > slotCount &* Self.maximumLoadEighths / 2 { slotCount &*= 2 }
        rebuild(slotCount: slotCount, keep: keep)
    }

    /// The smallest TAT stored (nil when empty).
    var minimumTAT: Int64? {
        var minimum: Int64?
        for slot in slots where slot.policy >= 0 { minimum = min(minimum ?? slot.tat, slot.tat) }
        return minimum
    }

    private mutating func rebuild(slotCount: Int, keep: (Int64) -> Bool) {
        let old = slots
        slots = Array(repeating: .empty, count: slotCount)
        mask = slotCount - 1
        count = 0
        for slot in old where slot.policy >= 0 && keep(slot.tat) {
            var index = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[index].policy >= 0 { index = (index &+ 1) & mask }
            slots[index] = slot
            count &+= 1
        }
    }
}
