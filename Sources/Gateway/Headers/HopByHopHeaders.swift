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
        var named: [String] = []
        for value in headers["connection"] {
            for token in value.split(separator: ",") {
                let name = token.trimmingCharacters(in: .whitespaces).lowercased()
                if !name.isEmpty { named.append(name) }
            }
        }
        for name in names where !(keepUpgrade && (name == "upgrade" || name == "connection")) {
            headers.remove(name: name)
        }
        for name in named where !(keepUpgrade && name == "upgrade") && name != "close" && name != "keep-alive" {
            headers.remove(name: name)
        }
        if keepUpgrade { headers.replaceOrAdd(name: "connection", value: "upgrade") }
    }
}
