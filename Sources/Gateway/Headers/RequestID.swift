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
        hex(IdentifierSource.next()) + hex(IdentifierSource.next())
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
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

    /// A new sampled traceparent.
    static func generate() -> String {
        let trace = RequestID.hex(IdentifierSource.next()) + RequestID.hex(IdentifierSource.next())
        return "00-\(trace)-\(RequestID.hex(IdentifierSource.next() | 1))-01"
    }
}
