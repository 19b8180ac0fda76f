import NIOHTTP1
import ShipshapeCore

/// Sets `X-Forwarded-For/-Proto/-Host` and `X-Real-IP`, believing an incoming `X-Forwarded-For` only when the
/// peer is a trusted proxy.
struct ForwardedHeaders: Sendable {
    let trustedProxies: [CIDR]

    init(trustedProxies: [String]) {
        self.trustedProxies = trustedProxies.compactMap(CIDR.init)
    }

    func isTrusted(_ address: String) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }

    /// The real client address: walk `X-Forwarded-For` from the right past trusted proxies.
    func clientIP(peer: String, headers: HTTPHeaders) -> String {
        guard !trustedProxies.isEmpty, isTrusted(peer) else { return peer }
        let chain = headers["x-forwarded-for"].flatMap { $0.split(separator: ",") }
            .map { String($0.trimmingHTTPWhitespace()) }
        for hop in chain.reversed() where !isTrusted(hop) {
            return CIDR.addressBytes(hop) != nil ? hop : peer
        }
        return chain.first ?? peer
    }

    /// The headers `apply` sets or removes, lowercased.
    static let setNames = ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-real-ip", "forwarded"]
        .map { Array($0.utf8) }

    /// Rewrites the forwarding headers of a request about to go upstream. A trusted proxy's headers are kept
    /// and extended by this hop (it terminated the client's TLS, so its `X-Forwarded-Proto: https` stays); anyone
    /// else's are replaced, and an RFC 7239 `Forwarded` from them is removed: an application reading it would
    /// otherwise believe a client's `for=` claim.
    func apply(to headers: inout HTTPHeaders, peer: String, clientIP: String, scheme: String, host: String?) {
        // Most clients send none of them: one pass to see that, then nothing to replace or remove.
        if !HeaderName.containsAny(headers, Self.setNames) {
            headers.add(name: "X-Forwarded-For", value: peer)
            headers.add(name: "X-Forwarded-Proto", value: scheme)
            if let host { headers.add(name: "X-Forwarded-Host", value: host) }
            headers.add(name: "X-Real-IP", value: clientIP)
            return
        }
        if !trustedProxies.isEmpty, isTrusted(peer) {
            let incoming = headers["x-forwarded-for"].joined(separator: ", ")
            headers.replaceOrAdd(name: "X-Forwarded-For", value: incoming.isEmpty ? peer : incoming + ", " + peer)
            let forwarded = headers["forwarded"].joined(separator: ", ")
            if !forwarded.isEmpty {
                headers.replaceOrAdd(
                    name: "Forwarded", value: forwarded + ", " + Self.forwardedElement(peer: peer, scheme: scheme, host: host))
            }
        } else {
            headers.replaceOrAdd(name: "X-Forwarded-For", value: peer)
            headers.remove(name: "x-forwarded-proto")
            headers.remove(name: "x-forwarded-host")
            headers.remove(name: "forwarded")
        }
        if !headers.contains(name: "x-forwarded-proto") { headers.add(name: "X-Forwarded-Proto", value: scheme) }
        if let host, !headers.contains(name: "x-forwarded-host") { headers.add(name: "X-Forwarded-Host", value: host) }
        headers.replaceOrAdd(name: "X-Real-IP", value: clientIP)
    }

    /// This hop as an RFC 7239 element: `for=192.0.2.1;proto=http;host="shop.example"` (an IPv6 address quoted
    /// in brackets).
    static func forwardedElement(peer: String, scheme: String, host: String?) -> String {
        let node = peer.contains(":") ? "\"[\(peer)]\"" : peer
        var element = "for=\(node);proto=\(scheme)"
        if let host, !host.contains("\""), !host.contains("\\") { element += ";host=\"\(host)\"" }
        return element
    }
}
