/// The path routes and rate limits are matched against, normalized as RFC 3986 §6.2.2 and nginx do it, so
/// another spelling of a path cannot slip past the route or the limit written for it: `/api/%61uth/login`,
/// `/api//auth/login` and `/api/x/../auth/login` all match `/api/auth/`, as the application behind will read
/// them. Percent-encoded unreserved characters are decoded (reserved ones such as `%2F` stay encoded), dot
/// segments are resolved and repeated slashes merged. The request goes upstream as the client wrote it.
enum PathNormalizer {
    /// The normalized path, or nil when its `..` segments climb above the root.
    static func normalize(_ path: String) -> String? {
        // Most paths have nothing to normalize: one scan, no allocation.
        var previous: UInt8 = 0
        var needsWork = false
        for byte in path.utf8 {
            if byte == UInt8(ascii: "%") || (previous == UInt8(ascii: "/") && (byte == UInt8(ascii: "/") || byte == UInt8(ascii: "."))) {
                needsWork = true
                break
            }
            previous = byte
        }
        guard needsWork, path.utf8.first == UInt8(ascii: "/") else { return path }

        let decoded = decodeUnreserved(Array(path.utf8))
        var segments: [ArraySlice<UInt8>] = []
        var endsWithSlash = false
        for segment in decoded.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst() {
            endsWithSlash = false
            switch segment.count {
            case 0:
                endsWithSlash = true  // an empty segment: a merged slash, or the trailing one
            case 1 where segment.first == UInt8(ascii: "."):
                endsWithSlash = true
            case 2 where segment.allSatisfy({ $0 == UInt8(ascii: ".") }):
                guard !segments.isEmpty else { return nil }
                segments.removeLast()
                endsWithSlash = true
            default:
                segments.append(segment)
            }
        }
        var result: [UInt8] = [UInt8(ascii: "/")]
        for (index, segment) in segments.enumerated() {
            if index > 0 { result.append(UInt8(ascii: "/")) }
            result.append(contentsOf: segment)
        }
        if endsWithSlash, !segments.isEmpty { result.append(UInt8(ascii: "/")) }
        return String(decoding: result, as: UTF8.self)
    }

    /// `bytes` with every `%XX` that encodes an unreserved character (letters, digits, `-._~`) decoded.
    static func decodeUnreserved(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                let value = high << 4 | low
                if isUnreserved(value) {
                    output.append(value)
                    index += 3
                    continue
                }
            }
            output.append(bytes[index])
            index += 1
        }
        return output
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default: false
        }
    }
}
