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

    /// Whether two header names are equal ignoring ASCII case (lengths are compared first, in O(1)).
    static func equal(_ first: String, _ second: String) -> Bool {
        guard first.utf8.count == second.utf8.count else { return false }
        return zip(first.utf8, second.utf8).allSatisfy { one, other in
            one == other || (one | 0x20 == other | 0x20 && (one | 0x20) >= UInt8(ascii: "a") && (one | 0x20) <= UInt8(ascii: "z"))
        }
    }

    /// Whether any header in `headers` has one of the names in `keys` (lowercase ASCII), in one pass.
    static func containsAny(_ headers: HTTPHeaders, _ keys: [[UInt8]]) -> Bool {
        headers.contains { name, _ in keys.contains { matches(name, $0) } }
    }
}
