/// Timeouts and size limits of the gateway.
public struct LimitsConfiguration: Sendable {
    /// Default absolute deadline for receiving a request's headers.
    public static let defaultHeaderTimeout: Duration = .seconds(10)
    /// Default idle keep-alive timeout.
    public static let defaultIdleTimeout: Duration = .seconds(75)
    /// Default largest request head.
    public static let defaultMaxHeaderSize = ByteSize.kilobytes(16)
    /// Default largest request body.
    public static let defaultMaxBodySize = ByteSize.megabytes(10)
    /// Default most concurrent client connections.
    public static let defaultMaxConnections = 10_000
    /// Default upstream connect timeout.
    public static let defaultUpstreamConnectTimeout: Duration = .seconds(5)
    /// Default time to wait for an upstream's response head.
    public static let defaultUpstreamTimeout: Duration = .seconds(60)
    /// Default time in-flight requests get to finish at shutdown.
    public static let defaultShutdownTimeout: Duration = .seconds(30)

    /// Absolute deadline from a request's first byte to the end of its headers (408 after it).
    public var headerTimeout: Duration
    /// How long an idle keep-alive connection stays open.
    public var idleTimeout: Duration
    /// Largest request head (431 above it).
    public var maxHeaderSize: ByteSize
    /// Largest request body (413 above it).
    public var maxBodySize: ByteSize
    /// Most concurrent client connections; more wait in the accept queue.
    public var maxConnections: Int
    /// Upstream connect timeout (502 after it).
    public var upstreamConnectTimeout: Duration
    /// Time to wait for an upstream's response head (504 after it).
    public var upstreamTimeout: Duration
    /// Time in-flight requests get to finish on SIGTERM.
    public var shutdownTimeout: Duration

    /// Limits with the named defaults.
    public init(
        headerTimeout: Duration = Self.defaultHeaderTimeout,
        idleTimeout: Duration = Self.defaultIdleTimeout,
        maxHeaderSize: ByteSize = Self.defaultMaxHeaderSize,
        maxBodySize: ByteSize = Self.defaultMaxBodySize,
        maxConnections: Int = Self.defaultMaxConnections,
        upstreamConnectTimeout: Duration = Self.defaultUpstreamConnectTimeout,
        upstreamTimeout: Duration = Self.defaultUpstreamTimeout,
        shutdownTimeout: Duration = Self.defaultShutdownTimeout
    ) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.maxHeaderSize = maxHeaderSize
        self.maxBodySize = maxBodySize
        self.maxConnections = maxConnections
        self.upstreamConnectTimeout = upstreamConnectTimeout
        self.upstreamTimeout = upstreamTimeout
        self.shutdownTimeout = shutdownTimeout
    }

    init(from node: ConfigNode) throws(ConfigError) {
        let mapping = try node.mapping(allowedKeys: [
            "header_timeout", "idle_timeout", "max_header_size", "max_body_size", "max_connections",
            "upstream_connect_timeout", "upstream_timeout", "shutdown_timeout",
        ])
        self.init()
        // A zero limit here would refuse or cut every request; it is never what was meant (nginx's
        // `client_max_body_size 0` means "unlimited", a likely source of a 0 here).
        headerTimeout = try mapping["header_timeout"]?.positiveDuration(zero: "answer every request 408") ?? headerTimeout
        idleTimeout = try mapping["idle_timeout"]?.positiveDuration(zero: "close every connection between requests") ?? idleTimeout
        maxHeaderSize = try mapping["max_header_size"]?.positiveByteSize(zero: "answer every request 431") ?? maxHeaderSize
        maxBodySize =
            try mapping["max_body_size"]?.positiveByteSize(
                zero: "refuse every request body with 413; unlike nginx's 0, it is not 'unlimited'") ?? maxBodySize
        if let node = mapping["max_connections"] {
            maxConnections = try node.int()
            guard maxConnections > 0 else { throw node.error("must be at least 1") }
        }
        upstreamConnectTimeout =
            try mapping["upstream_connect_timeout"]?.positiveDuration(zero: "fail every connection to an upstream")
            ?? upstreamConnectTimeout
        upstreamTimeout = try mapping["upstream_timeout"]?.positiveDuration(zero: "answer every request 504") ?? upstreamTimeout
        shutdownTimeout = try mapping["shutdown_timeout"]?.duration() ?? shutdownTimeout
    }
}
