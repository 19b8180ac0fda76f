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
