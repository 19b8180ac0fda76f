import NIOHTTP1

/// Header name matching without building lowercased strings.
enum HeaderName {
    /// Whether `name` equals `key` (lowercase ASCII) ignoring ASCII case.
    static func matches(_ name: String, _ key: [UInt8]) -> Bool {
        var name = name
        return name.withUTF8 { bytes in
            guard bytes.count == key.count else { return false }
            for index in 0..<bytes.count {
                var byte = bytes[index]
                if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte |= 0x20 }
                if byte != key[index] { return false }
            }
            return true
        }
    }

    /// Whether any header in `headers` has one of the names in `keys` (lowercase ASCII), in one pass.
    static func containsAny(_ headers: HTTPHeaders, _ keys: [[UInt8]]) -> Bool {
        headers.contains { name, _ in keys.contains { matches(name, $0) } }
    }
}
