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

    /// The headers `apply` sets, lowercased.
    static let setNames = ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-real-ip"].map { Array($0.utf8) }

    /// Rewrites the forwarding headers of a request about to go upstream.
    func apply(to headers: inout HTTPHeaders, peer: String, clientIP: String, scheme: String, host: String?) {
        // Most clients send none of them: one pass to see that, then nothing to replace or remove.
        if !HeaderName.containsAny(headers, Self.setNames) {
            headers.add(name: "X-Forwarded-For", value: peer)
            headers.add(name: "X-Forwarded-Proto", value: scheme)
            if let host { headers.add(name: "X-Forwarded-Host", value: host) }
            headers.add(name: "X-Real-IP", value: clientIP)
            return
        }
        let incoming = headers["x-forwarded-for"].joined(separator: ", ")
        if !incoming.isEmpty, !trustedProxies.isEmpty, isTrusted(peer) {
            headers.replaceOrAdd(name: "X-Forwarded-For", value: incoming + ", " + peer)
        } else {
            headers.replaceOrAdd(name: "X-Forwarded-For", value: peer)
            headers.remove(name: "x-forwarded-proto")
            headers.remove(name: "x-forwarded-host")
        }
        if !headers.contains(name: "x-forwarded-proto") { headers.add(name: "X-Forwarded-Proto", value: scheme) }
        if let host, !headers.contains(name: "x-forwarded-host") { headers.add(name: "X-Forwarded-Host", value: host) }
        headers.replaceOrAdd(name: "X-Real-IP", value: clientIP)
    }
}
