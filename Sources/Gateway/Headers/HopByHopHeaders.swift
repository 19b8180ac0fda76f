import NIOHTTP1

/// Hop-by-hop headers (RFC 9110 §7.6.1): meaningful for one connection only, never forwarded.
enum HopByHopHeaders {
    /// The standard ones, lowercased; `connection` first.
    static let names: [String] = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade",
    ]
    private static let keys = names.map { Array($0.utf8) }

    /// Removes the standard hop-by-hop headers and any header the `Connection` header names.
    /// `keepUpgrade` keeps `Upgrade` and `Connection: upgrade` for WebSocket pass-through.
    static func strip(_ headers: inout HTTPHeaders, keepUpgrade: Bool = false) {
        // One pass finds the hop-by-hop headers present (usually none, or just `Connection: keep-alive`);
        // only those are removed, each removal being a pass of its own.
        var present: UInt16 = 0
        var connectionNamesHeaders = false
        for (name, value) in headers {
            guard let index = keys.firstIndex(where: { HeaderName.matches(name, $0) }) else { continue }
            present |= 1 << index
            if index == 0, !isConnectionOption(value) { connectionNamesHeaders = true }
        }
        guard keepUpgrade || present != 0 else { return }
        // Headers the `Connection` header names go too; `canonicalForm` splits and trims without Foundation.
        let named = connectionNamesHeaders
            ? headers[canonicalForm: "connection"].map { $0.lowercased() }.filter { !$0.isEmpty } : []
        for (index, name) in names.enumerated() where present & (1 << index) != 0 {
            if keepUpgrade && (name == "upgrade" || name == "connection") { continue }
            headers.remove(name: name)
        }
        for name in named where !(keepUpgrade && name == "upgrade") && name != "close" && name != "keep-alive" {
            headers.remove(name: name)
        }
        if keepUpgrade { headers.replaceOrAdd(name: "connection", value: "upgrade") }
    }

    /// Whether a `Connection` value is just `keep-alive` or `close`, which name no header to remove.
    static func isConnectionOption(_ value: String) -> Bool {
        HeaderName.matches(value, keepAliveKey) || HeaderName.matches(value, closeKey)
    }
    private static let keepAliveKey = Array("keep-alive".utf8)
    private static let closeKey = Array("close".utf8)
}
