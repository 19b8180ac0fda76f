/// Small text operations for header values on per-request paths, on UTF-8 bytes: Foundation's
/// `trimmingCharacters` and `replacingOccurrences` go through NSString and UTF-16 on Linux, which cost a
/// gateway with a `jwt:` rate limit 17 % of its CPU when it trimmed each bearer token that way.
extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    public func trimmingHTTPWhitespace() -> Substring {
        let text = Substring(self)
        let bytes = text.utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isHTTPWhitespace(bytes[start]) { start = bytes.index(after: start) }
        while end > start {
            let last = bytes.index(before: end)
            guard isHTTPWhitespace(bytes[last]) else { break }
            end = last
        }
        return Substring(bytes[start..<end])
    }

    /// Whether the text equals `other` ignoring ASCII case (header names, content codings), without
    /// allocating lowercased copies.
    @inlinable
    public func equalsIgnoringASCIICase(_ other: some StringProtocol) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        for (one, two) in zip(utf8, other.utf8) where one != two {
            guard foldingASCIICase(one) == foldingASCIICase(two) else { return false }
        }
        return true
    }
}

@inline(__always)
private func isHTTPWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

/// `byte` with an ASCII capital letter turned into its lowercase.
@inlinable
func foldingASCIICase(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
}

/// One element of an `Accept-Encoding` header (RFC 9110 §12.5.3), e.g. `gzip;q=0.8`.
public struct AcceptedCoding: Sendable, Equatable {
    /// The coding's name as sent (compare with `equalsIgnoringASCIICase`).
    public var name: Substring
    /// The weight, 1 when absent; 0 means "not acceptable".
    public var quality: Double

    /// Parses one comma-separated element; nil when it has no name.
    public init?(_ element: some StringProtocol) {
        var parameters = element.split(separator: ";", omittingEmptySubsequences: false).makeIterator()
        guard let first = parameters.next()?.trimmingHTTPWhitespace(), !first.isEmpty else { return nil }
        name = first
        quality = 1
        while let parameter = parameters.next() {
            let pair = parameter.trimmingHTTPWhitespace()
            guard let equals = pair.firstIndex(of: "="), pair[..<equals].trimmingHTTPWhitespace().equalsIgnoringASCIICase("q")
            else { continue }
            quality = Double(pair[pair.index(after: equals)...].trimmingHTTPWhitespace()) ?? 1
        }
    }

    /// Whether the client accepts this coding at all (a weight above zero).
    public var isAccepted: Bool { quality > 0 }
}

/// RFC 9110's character classes for header names and values.
public enum HTTPToken {
    /// A `tchar`: the characters a header name (a token) is made of.
    public static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// A byte a header value may hold: visible characters, space, tab and obs-text; no CR, LF, NUL or other control.
    public static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == 0x09 || (byte >= 0x20 && byte != 0x7F)
    }
}
