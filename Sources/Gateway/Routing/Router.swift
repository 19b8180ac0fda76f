import ShipshapeCore

/// Chooses the service for a request: routes with a matching host beat host-less ones, then the longest
/// path prefix wins.
struct Router: Sendable {
    struct Route: Sendable {
        let prefix: String
        let host: String?
        let service: String
    }

    let routes: [Route]
    /// Whether any route names a host (else the request's host is never looked at).
    let hasHostRoutes: Bool

    init(routes configured: [RouteConfiguration]) {
        routes = configured
            .map { Route(prefix: $0.match, host: $0.host.map(Router.canonicalName), service: $0.service) }
            .sorted { lhs, rhs in
                if (lhs.host != nil) != (rhs.host != nil) { return lhs.host != nil }
                return lhs.prefix.utf8.count > rhs.prefix.utf8.count
            }
        hasHostRoutes = routes.contains { $0.host != nil }
    }

    /// The route for `path` on `host` (port, case and a trailing dot ignored), or nil.
    func route(path: String, host: String?) -> Route? {
        let bareHost = hasHostRoutes ? host.map(Router.normalizedHost) : nil
        for route in routes where Router.pathMatches(path, prefix: route.prefix) {
            if let required = route.host, required != bareHost { continue }
            return route
        }
        return nil
    }

    /// A prefix matches at a segment boundary: `/api` matches `/api` and `/api/x`, not `/apiary`.
    static func pathMatches(_ path: String, prefix: String) -> Bool {
        // Bytes, not Characters: paths compare as bytes, and this runs for every request.
        guard path.utf8.starts(with: prefix.utf8) else { return false }
        if prefix.hasSuffix("/") || path.utf8.count == prefix.utf8.count { return true }
        let next = path.utf8[path.utf8.index(path.utf8.startIndex, offsetBy: prefix.utf8.count)]
        return next == UInt8(ascii: "/") || next == UInt8(ascii: "?")
    }

    /// A request's `Host` as routes name it: no port, lowercase, and no trailing dot (`Shop.Example.:443` is
    /// `shop.example`, the same DNS name written fully qualified).
    static func normalizedHost(_ host: String) -> String {
        var value = Substring(host)
        if value.hasPrefix("[") {
            if let close = value.firstIndex(of: "]") { value = value[value.index(after: value.startIndex)..<close] }
        } else if let colon = value.lastIndex(of: ":") {
            value = value[..<colon]
        }
        if value.hasSuffix(".") { value = value.dropLast() }
        return value.lowercased()
    }

    /// A configured route host in the same form: lowercase, no trailing dot, an IPv6 address without brackets.
    static func canonicalName(_ host: String) -> String {
        var value = Substring(host)
        if value.hasPrefix("["), value.hasSuffix("]") { value = value.dropFirst().dropLast() }
        if value.hasSuffix(".") { value = value.dropLast() }
        return value.lowercased()
    }
}
