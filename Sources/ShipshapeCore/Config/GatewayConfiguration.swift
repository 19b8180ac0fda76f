/// The `gateway:` section: listeners, TLS, headers, compression, limits, rate limits, routes and admin.
public struct GatewayConfiguration: Sendable {
    /// Plain HTTP listener; redirects to HTTPS when `https` is set.
    public var http: HostPort?
    /// HTTPS listener.
    public var https: HostPort?
    /// TLS settings for the HTTPS listener.
    public var tls: TLSConfiguration
    /// Headers added to responses on top of the defaults; a nil value removes a default header.
    public var headers: [(name: String, value: String?)]
    /// Response compression.
    public var compression: CompressionConfiguration
    /// Timeouts and size limits.
    public var limits: LimitsConfiguration
    /// CIDRs whose `X-Forwarded-For` is believed.
    public var trustedProxies: [String]
    /// Rate limit policies and where their state lives.
    public var rateLimits: RateLimitConfiguration
    /// Routes, matched by host and longest path prefix.
    public var routes: [RouteConfiguration]
    /// The admin API and metrics listeners.
    public var admin: AdminConfiguration
    /// Whether one JSON access log line per request is written to standard output.
    public var accessLog: Bool
    /// Whether the OWASP security headers are added (on by default; turn off only to measure their cost).
    public var securityHeaders: Bool
    /// Event loop threads; nil means one per core.
    public var threads: Int?

    /// A gateway with defaults: HTTP on :8080, no TLS, no routes.
    public init(
        http: HostPort? = HostPort(host: "0.0.0.0", port: 8080),
        https: HostPort? = nil,
        tls: TLSConfiguration = .init(),
        headers: [(name: String, value: String?)] = [],
        compression: CompressionConfiguration = .init(),
        limits: LimitsConfiguration = .init(),
        trustedProxies: [String] = [],
        rateLimits: RateLimitConfiguration = .init(),
        routes: [RouteConfiguration] = [],
        admin: AdminConfiguration = .init(),
        accessLog: Bool = true,
        securityHeaders: Bool = true
    ) {
        self.accessLog = accessLog
        self.securityHeaders = securityHeaders
        self.http = http
        self.https = https
        self.tls = tls
        self.headers = headers
        self.compression = compression
        self.limits = limits
        self.trustedProxies = trustedProxies
        self.rateLimits = rateLimits
        self.routes = routes
        self.admin = admin
    }

    static let keys = [
        "http", "https", "tls", "headers", "compression", "limits", "trusted_proxies", "rate_limit_store",
        "rate_limit_failure", "rate_limits", "jwt", "routes", "admin", "access_log", "security_headers", "threads",
    ]

    init(from node: ConfigNode) throws(ConfigError) {
        let mapping = try node.mapping(allowedKeys: Self.keys)
        self.init()
        http = try mapping["http"].flatMap { node throws(ConfigError) in node.isNull ? nil : try node.hostPort() }
        https = try mapping["https"].flatMap { node throws(ConfigError) in node.isNull ? nil : try node.hostPort() }
        // Each part below stands alone: `config check` reports a problem in one and reads on.
        let tlsRead = try ConfigDiagnostics.part { () throws(ConfigError) in
            if let node = mapping["tls"] { tls = try TLSConfiguration(from: node) }
        }
        if tlsRead, https != nil, !tls.hasCertificateSource {
            throw (mapping["https"] ?? node).error(
                "an HTTPS listener needs certificates; set gateway.tls.certificates, self_signed or acme")
        }
        if let node = mapping["headers"] {
            headers = []
            for (name, value) in try node.entries() {
                try ConfigDiagnostics.part { () throws(ConfigError) in
                    // Written into every response as they are: a name that is not an HTTP token, or a value
                    // with a control character, would make malformed responses (or split them).
                    guard !name.isEmpty, name.utf8.allSatisfy(HTTPToken.isTokenCharacter) else {
                        throw value.error("'\(name)' is not a header name; use letters, digits and !#$%&'*+-.^_`|~ only")
                    }
                    let text = value.isNull ? nil : try value.string()
                    if let text, !text.utf8.allSatisfy(HTTPToken.isFieldValueByte) {
                        throw value.error("the value of '\(name)' has a control character (a line break?); header values are one line")
                    }
                    headers.append((name, text))
                }
            }
        }
        try ConfigDiagnostics.part { () throws(ConfigError) in
            if let node = mapping["compression"] { compression = try CompressionConfiguration(from: node) }
        }
        try ConfigDiagnostics.part { () throws(ConfigError) in
            if let node = mapping["limits"] { limits = try LimitsConfiguration(from: node) }
        }
        if let node = mapping["trusted_proxies"] {
            for element in try node.list() {
                try ConfigDiagnostics.part { () throws(ConfigError) in
                    let cidr = try element.string()
                    guard CIDR(cidr) != nil else { throw element.error("'\(cidr)' is not a CIDR such as 10.0.0.0/8 or ::1/128") }
                    trustedProxies.append(cidr)
                }
            }
        }
        try ConfigDiagnostics.part { () throws(ConfigError) in rateLimits = try RateLimitConfiguration(gatewayMapping: mapping) }
        if let node = mapping["routes"] {
            routes = []
            for element in try node.list() {
                try ConfigDiagnostics.part { () throws(ConfigError) in routes.append(try RouteConfiguration(from: element)) }
            }
        }
        if let node = mapping["admin"] { admin = try AdminConfiguration(from: node) }
        accessLog = try mapping["access_log"]?.bool() ?? true
        securityHeaders = try mapping["security_headers"]?.bool() ?? true
        if let node = mapping["threads"] {
            let value = try node.int()
            guard value >= 1 else { throw node.error("threads must be at least 1") }
            threads = value
        }
    }
}

/// One route: requests whose host and path prefix match go to `service`.
public struct RouteConfiguration: Sendable, Hashable {
    /// The path prefix, such as `/api/`.
    public var match: String
    /// An optional host name the request's `Host` must equal.
    public var host: String?
    /// The service that serves the route.
    public var service: String

    /// A route.
    public init(match: String, host: String? = nil, service: String) {
        self.match = match
        self.host = host
        self.service = service
    }

    init(from node: ConfigNode) throws(ConfigError) {
        let mapping = try node.mapping(allowedKeys: ["match", "host", "service"])
        let matchNode = try mapping.required("match")
        match = try matchNode.string()
        guard match.hasPrefix("/") else { throw matchNode.error("a route's match must be a path starting with '/'") }
        host = try mapping["host"]?.string().lowercased()
        service = try mapping.required("service").string()
    }
}

/// Response compression settings.
public struct CompressionConfiguration: Sendable {
    /// Default smallest body worth compressing.
    public static let defaultMinimumSize = ByteSize.kilobytes(1)
    /// Whether compression is on.
    public var enabled: Bool
    /// Bodies smaller than this (by Content-Length) are sent as they are.
    public var minSize: ByteSize

    /// Compression with defaults.
    public init(enabled: Bool = true, minSize: ByteSize = Self.defaultMinimumSize) {
        self.enabled = enabled
        self.minSize = minSize
    }

    init(from node: ConfigNode) throws(ConfigError) {
        let mapping = try node.mapping(allowedKeys: ["enabled", "min_size"])
        self.init()
        enabled = try mapping["enabled"]?.bool() ?? true
        minSize = try mapping["min_size"]?.byteSize() ?? Self.defaultMinimumSize
    }
}

/// The admin API socket and the metrics listener.
public struct AdminConfiguration: Sendable {
    /// Default admin socket path.
    public static let defaultSocket = "/run/shipshape/admin.sock"
    /// The unix socket of the admin API (mode 0600).
    public var socket: String
    /// The Prometheus metrics listener, when set.
    public var metrics: HostPort?
    /// Where the active colors and targets are saved; defaults to `state.json` beside the socket.
    public var stateFile: String?

    /// Admin settings with defaults.
    public init(
        socket: String = Self.defaultSocket, metrics: HostPort? = HostPort(host: "127.0.0.1", port: 9180),
        stateFile: String? = nil
    ) {
        self.socket = socket
        self.metrics = metrics
        self.stateFile = stateFile
    }

    /// The state file path in effect.
    public var effectiveStateFile: String {
        if let stateFile { return stateFile }
        let directory = socket.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return (directory.isEmpty ? "." : directory) + "/state.json"
    }

    init(from node: ConfigNode) throws(ConfigError) {
        let mapping = try node.mapping(allowedKeys: ["socket", "metrics", "state_file"])
        self.init()
        socket = try mapping["socket"]?.string() ?? Self.defaultSocket
        if let node = mapping["metrics"] { metrics = node.isNull ? nil : try node.hostPort() }
        stateFile = try mapping["state_file"]?.string()
    }
}
