import NIOHTTP1

/// Hop-by-hop headers (RFC 9110 §7.6.1): meaningful for one connection only, never forwarded.
enum HopByHopHeaders {
    static let names: [String] = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade",
    ]

    /// Removes the standard hop-by-hop headers and any header the `Connection` header names.
    /// `keepUpgrade` keeps `Upgrade` and `Connection: upgrade` for WebSocket pass-through.
    static func strip(_ headers: inout HTTPHeaders, keepUpgrade: Bool = false) {
        // Most messages carry none of them: find out in one pass before removing (each removal is a pass).
        guard keepUpgrade || headers.contains(where: { isHopByHop($0.name) }) else { return }
        // `Connection: keep-alive` (the usual value) names nothing to remove: `canonicalForm` splits and trims
        // the tokens without Foundation.
        let named = headers[canonicalForm: "connection"].map { $0.lowercased() }.filter { !$0.isEmpty }
        for name in names where !(keepUpgrade && (name == "upgrade" || name == "connection")) {
            headers.remove(name: name)
        }
        for name in named where !(keepUpgrade && name == "upgrade") && name != "close" && name != "keep-alive" {
            headers.remove(name: name)
        }
        if keepUpgrade { headers.replaceOrAdd(name: "connection", value: "upgrade") }
    }

    /// Whether `name` is one of the standard hop-by-hop headers (any letter case).
    static func isHopByHop(_ name: String) -> Bool {
        let length = name.utf8.count
        return names.contains { candidate in
            candidate.utf8.count == length
                && zip(candidate.utf8, name.utf8).allSatisfy { lower, byte in
                    byte == lower || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") && byte + 32 == lower)
                }
        }
    }
}
