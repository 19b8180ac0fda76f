/// Rate limit policies (`gateway.rate_limits`), the shared store and JWT keys used by `jwt:` keys.
public struct RateLimitConfiguration: Sendable {
    /// Where GCRA state lives.
    public enum Store: Sendable, Hashable {
        /// In this process.
        case memory
        /// In Redis, shared by gateway replicas (`redis://host:port/db`).
        case redis(url: String)
    }

    /// One policy: requests matching it are limited per key.
    public struct Policy: Sendable, Hashable {
        /// The name shown in headers, 429 bodies and metrics.
        public var name: String
        /// Path prefix the request must start with.
        public var match: String
        /// Optional HTTP methods the policy applies to (upper case); empty means all.
        public var methods: [String]
        /// Optional host the request must be for.
        public var host: String?
        /// Optional client CIDRs the policy applies to (for exemptions of internal ranges).
        public var clients: [String]
        /// How requests are grouped: `ip`, `header:NAME`, `jwt:CLAIM`, or a `+` combination.
        public var key: String
        /// The sustained rate, or unlimited (exempt).
        public var rate: Rate
        /// How many requests may arrive at once; defaults to the rate's count.
        public var burst: Int?
        /// Count and log, never reject.
        public var dryRun: Bool

        /// A policy.
        public init(
            name: String, match: String, methods: [String] = [], host: String? = nil, clients: [String] = [],
            key: String = "ip", rate: Rate, burst: Int? = nil, dryRun: Bool = false
        ) {
            self.name = name
            self.match = match
            self.methods = methods
            self.host = host
            self.clients = clients
            self.key = key
            self.rate = rate
            self.burst = burst
            self.dryRun = dryRun
        }
    }

    /// Keys that verify JWTs for `jwt:CLAIM` rate limit keys.
    public struct JWTKeys: Sendable, Hashable {
        /// Files holding HS256 shared secrets.
        public var hmacSecretFiles: [String]
        /// PEM files holding RS256/ES256 public keys.
        public var publicKeyFiles: [String]
        /// A JWKS document on disk.
        public var jwksFile: String?

        /// JWT keys.
        public init(hmacSecretFiles: [String] = [], publicKeyFiles: [String] = [], jwksFile: String? = nil) {
            self.hmacSecretFiles = hmacSecretFiles
            self.publicKeyFiles = publicKeyFiles
            self.jwksFile = jwksFile
        }
    }

    /// What to do when the shared store is unreachable.
    public enum FailureMode: String, Sendable {
        /// Keep serving with local limits.
        case open
        /// Reject with 503 until the store is back.
        case closed
    }

    /// The policies in file order.
    public var policies: [Policy]
    /// Where state lives.
    public var store: Store
    /// Behaviour when the shared store is down.
    public var failureMode: FailureMode
    /// JWT verification keys.
    public var jwt: JWTKeys

    /// Rate limit settings.
    public init(policies: [Policy] = [], store: Store = .memory, failureMode: FailureMode = .open, jwt: JWTKeys = .init()) {
        self.policies = policies
        self.store = store
        self.failureMode = failureMode
        self.jwt = jwt
    }

    static let policyKeys = ["name", "match", "method", "host", "clients", "key", "rate", "burst", "dry_run"]

    init(gatewayMapping mapping: ConfigMapping) throws(ConfigError) {
        self.init()
        if let node = mapping["rate_limit_store"] {
            let text = try node.string()
            if text == "memory" {
                store = .memory
            } else if text.hasPrefix("redis://") {
                do {
                    _ = try RedisAddress(url: text)
                } catch {
                    throw node.error(
                        "'\(error.redactedURL)' is not a Redis URL; write redis://[:password@]host[:port][/db], port 1–65535")
                }
                store = .redis(url: text)
            } else {
                // Shown without a password, should the text hold one.
                throw node.error("'\(RedisAddress.redacted(text))' is not a store; use memory or redis://host:6379/0")
            }
        }
        if let node = mapping["rate_limit_failure"] {
            let text = try node.string()
            guard let mode = FailureMode(rawValue: text) else {
                throw node.error("'\(text)' is not a failure mode; use open (serve with local limits) or closed (503)")
            }
            failureMode = mode
        }
        if let node = mapping["jwt"] {
            let keys = try node.mapping(allowedKeys: ["hs256_secret_files", "public_key_files", "jwks_file"])
            jwt = JWTKeys(
                hmacSecretFiles: try keys["hs256_secret_files"]?.stringList() ?? [],
                publicKeyFiles: try keys["public_key_files"]?.stringList() ?? [],
                jwksFile: try keys["jwks_file"]?.string()
            )
        }
        guard let node = mapping["rate_limits"] else { return }
        var names = Set<String>()
        for element in try node.list() {
            let policy = try element.mapping(allowedKeys: Self.policyKeys)
            let nameNode = try policy.required("name")
            let name = try nameNode.string()
            guard names.insert(name).inserted else { throw nameNode.error("duplicate policy name '\(name)'") }
            let matchNode = try policy.required("match")
            let match = try matchNode.string()
            guard match.hasPrefix("/") else { throw matchNode.error("match must be a path prefix starting with '/'") }
            let keyNode = policy["key"]
            let key = try keyNode?.string() ?? "ip"
            for part in key.split(separator: "+") {
                let valid = part == "ip" || part.hasPrefix("header:") && part.count > 7 || part.hasPrefix("jwt:") && part.count > 4
                if !valid {
                    throw (keyNode ?? element).error(
                        "'\(key)' is not a key; use ip, header:NAME, jwt:CLAIM or a combination like ip+header:X-API-Key")
                }
            }
            var burst: Int?
            if let burstNode = policy["burst"] {
                burst = try burstNode.int()
                guard let value = burst, value >= 1 else { throw burstNode.error("burst must be at least 1") }
            }
            var clients: [String] = []
            if let clientsNode = policy["clients"] {
                clients = try clientsNode.stringList()
                for (index, cidr) in clients.enumerated() where CIDR(cidr) == nil {
                    throw try clientsNode.list()[index].error("'\(cidr)' is not a CIDR such as 10.0.0.0/8")
                }
            }
            policies.append(
                Policy(
                    name: name, match: match,
                    methods: try policy["method"]?.stringList().map { $0.uppercased() } ?? [],
                    host: try policy["host"]?.string().lowercased(),
                    clients: clients, key: key,
                    rate: try policy.required("rate").rate(),
                    burst: burst,
                    dryRun: try policy["dry_run"]?.bool() ?? false
                ))
        }
    }
}
