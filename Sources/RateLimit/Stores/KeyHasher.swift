/// A seeded 64-bit hash of a (policy, key) pair that picks both the shard and the slot in one pass.
///
/// Multiply-fold mixing as in wyhash, with a random seed per process: keys come from clients (header
/// values), so a fixed hash would let them aim at one slot chain; with an unknown seed they cannot. It
/// costs a few instructions per 8 bytes, where the standard library's SipHash costs several times that
/// for the short keys (addresses, user ids) a gateway sees — and the store no longer hashes twice.
struct KeyHasher: Sendable {
    /// The per-process secret mixed into every hash.
    let seed: UInt64

    /// A hasher with `seed` (tests pass a fixed one).
    init(seed: UInt64) {
        self.seed = seed
    }

    /// A hasher with a seed from the system's random source.
    static func random() -> KeyHasher {
        var generator = SystemRandomNumberGenerator()
        return KeyHasher(seed: generator.next())
    }

    /// The hash of `key` under policy number `policy`.
    @inline(__always)
    func hash(_ key: String, policy: Int) -> UInt64 {
        if let hash = key.utf8.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0), policy: policy) }) {
            return hash
        }
        // Only strings bridged from other storage get here; copy their bytes once.
        return Array(key.utf8).withUnsafeBytes { hash($0, policy: policy) }
    }

    /// The hash of raw key bytes under policy number `policy`.
    func hash(_ bytes: UnsafeRawBufferPointer, policy: Int) -> UInt64 {
        let count = bytes.count
        var state = seed ^ Self.mix(UInt64(truncatingIfNeeded: policy) ^ Self.secret0, UInt64(count) ^ Self.secret1)
        guard count >= Self.word else {
            var tail: UInt64 = 0
            for index in 0..<count { tail |= UInt64(bytes[index]) &<< UInt64(index &* Self.bitsPerByte) }
            return Self.mix(tail ^ Self.secret2, state ^ Self.secret3)
        }
        var offset = 0
        while count &- offset > Self.word {
            state = Self.mix(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self) ^ Self.secret2, state ^ Self.secret3)
            offset &+= Self.word
        }
        // The last word overlaps the previous one when the length is not a multiple of 8: no byte loop.
        let last = bytes.loadUnaligned(fromByteOffset: count &- Self.word, as: UInt64.self)
        return Self.mix(last ^ Self.secret1, state ^ Self.secret0)
    }

    /// 64×64→128-bit multiply folded to 64 bits: every input bit reaches every output bit.
    @inline(__always)
    static func mix(_ left: UInt64, _ right: UInt64) -> UInt64 {
        let product = left.multipliedFullWidth(by: right)
        return product.high ^ product.low
    }

    /// Bytes per loaded word.
    static let word = 8
    /// Bits per byte, for assembling the tail of short keys.
    static let bitsPerByte = 8
    // Odd constants with balanced bits (wyhash's defaults), so no input maps to a fixed point.
    static let secret0: UInt64 = 0xa076_1d64_78bd_642f
    static let secret1: UInt64 = 0xe703_7ed1_a0b4_28db
    static let secret2: UInt64 = 0x8ebc_6af0_9c88_c6e3
    static let secret3: UInt64 = 0x5899_65cc_7537_4cc3
}
