import ShipshapeCore

/// What the gateway knows about a request when it decides.
public struct RateLimitRequest: Sendable {
    /// The HTTP method, upper case.
    public var method: String
    /// The request path (the query string may be included; only the prefix is compared).
    public var path: String
    /// The `Host` (or `:authority`) value, port allowed; nil when absent.
    public var host: String?
    /// The real client address, already resolved by the gateway with `trusted_proxies` applied.
    public var clientIP: String
    /// Request header fields in arrival order; names compare case-insensitively. Only the fields named in
    /// `RateLimiter.requestHeaderNames` are read, so the gateway passes just those.
    public var headers: [(name: String, value: String)]

    /// A request.
    public init(
        method: String, path: String, host: String? = nil, clientIP: String,
        headers: [(name: String, value: String)] = []
    ) {
        self.method = method
        self.path = path
        self.host = host
        self.clientIP = clientIP
        self.headers = headers
    }

    /// The first value of header `name`, compared case-insensitively.
    func header(_ lowercasedName: String) -> String? {
        for field in headers where field.name.equalsIgnoringASCIICase(lowercasedName) {
            return field.value
        }
        return nil
    }
}
