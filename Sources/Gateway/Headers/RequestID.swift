import Synchronization

/// Identifiers for request IDs and trace contexts: unique and unguessable enough for correlation, made
/// without a system call per request (a counter mixed by splitmix64 from a random per-process seed).
enum IdentifierSource {
    static let seed: UInt64 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }()
    static let counter = Atomic<UInt64>(0)

    /// The next 64 random-looking bits.
    static func next() -> UInt64 {
        var value = seed &+ counter.wrappingAdd(1, ordering: .relaxed).newValue &* 0x9E37_79B9_7F4A_7C15
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

/// Request IDs: an incoming well-formed `X-Request-ID` is kept, otherwise a random 128-bit hex id is made.
enum RequestID {
    static let headerName = "X-Request-ID"
    static let maximumLength = 128

    /// True for 1–128 characters of letters, digits and `-_.:=+/`.
    static func isWellFormed(_ value: String) -> Bool {
        guard !value.isEmpty, value.utf8.count <= maximumLength else { return false }
        return value.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: ":"), UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "/"):
                true
            default: false
            }
        }
    }

    /// A new random id: 32 lowercase hex digits.
    static func generate() -> String {
        String(unsafeUninitializedCapacity: 32) { buffer in
            HexDigits.write(IdentifierSource.next(), into: buffer, at: 0)
            HexDigits.write(IdentifierSource.next(), into: buffer, at: 16)
            return 32
        }
    }
}

/// Lowercase hexadecimal written straight into a string's storage (one allocation per identifier).
enum HexDigits {
    static let alphabet: StaticString = "0123456789abcdef"

    /// Writes `value` as 16 hex digits at `offset`.
    static func write(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        alphabet.withUTF8Buffer { digits in
            var remaining = value
            for index in stride(from: offset + 15, through: offset, by: -1) {
                buffer[index] = digits[Int(remaining & 0xF)]
                remaining >>= 4
            }
        }
    }
}

/// W3C Trace Context: an incoming valid `traceparent` is propagated, otherwise the gateway starts a trace.
enum TraceParent {
    static let headerName = "traceparent"

    /// True for `00-<32 hex, not all 0>-<16 hex, not all 0>-<2 hex>`.
    static func isValid(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].count == 2, parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
            parts[0] != "ff"
        else { return false }
        let isHex: (Substring) -> Bool = { $0.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) } }
        return parts.allSatisfy(isHex) && parts[1].contains { $0 != "0" } && parts[2].contains { $0 != "0" }
    }

    /// A new sampled traceparent: `00-<trace id>-<parent id>-01`.
    static func generate() -> String {
        String(unsafeUninitializedCapacity: 55) { buffer in
            let dash = UInt8(ascii: "-"), zero = UInt8(ascii: "0"), one = UInt8(ascii: "1")
            (buffer[0], buffer[1], buffer[2]) = (zero, zero, dash)
            HexDigits.write(IdentifierSource.next(), into: buffer, at: 3)
            HexDigits.write(IdentifierSource.next(), into: buffer, at: 19)
            buffer[35] = dash
            HexDigits.write(IdentifierSource.next() | 1, into: buffer, at: 36)  // a parent id is never all zeros
            (buffer[52], buffer[53], buffer[54]) = (dash, zero, one)
            return 55
        }
    }
}
