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
        // One pass finds the hop-by-hop headers present (usually none, or just `Connection: keep-alive`);
        // only those are removed, each removal being a pass of its own.
        var present: [String] = []
        for (name, _) in headers {
            if let standard = standardName(name), !present.contains(standard) { present.append(standard) }
        }
        guard keepUpgrade || !present.isEmpty else { return }
        // Headers the `Connection` header names go too; `canonicalForm` splits and trims without Foundation.
        let named = present.contains("connection")
            ? headers[canonicalForm: "connection"].map { $0.lowercased() }.filter { !$0.isEmpty } : []
        for name in present where !(keepUpgrade && (name == "upgrade" || name == "connection")) {
            headers.remove(name: name)
        }
        for name in named where !(keepUpgrade && name == "upgrade") && name != "close" && name != "keep-alive" {
            headers.remove(name: name)
        }
        if keepUpgrade { headers.replaceOrAdd(name: "connection", value: "upgrade") }
    }

    /// The standard hop-by-hop header `name` is (any letter case), lowercased; nil for any other header.
    static func standardName(_ name: String) -> String? {
        let length = name.utf8.count
        return names.first { candidate in
            candidate.utf8.count == length
                && zip(candidate.utf8, name.utf8).allSatisfy { lower, byte in
                    byte == lower || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") && byte + 32 == lower)
                }
        }
    }
}
