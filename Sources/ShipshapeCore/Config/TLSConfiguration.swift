/// TLS for the HTTPS listener: protocol floor, certificates (chosen by SNI), self-signed or ACME.
public struct TLSConfiguration: Sendable {
    /// The lowest TLS version accepted.
    public enum MinimumVersion: String, Sendable {
        /// TLS 1.2 with ECDHE + AEAD suites only ("intermediate").
        case tls12 = "1.2"
        /// TLS 1.3 only ("modern").
        case tls13 = "1.3"
    }

    /// A certificate chain and its private key, PEM files.
    public struct Certificate: Sendable, Hashable {
        /// The PEM chain, leaf first.
        public var cert: String
        /// The PEM private key.
        public var key: String

        /// A certificate pair.
        public init(cert: String, key: String) {
            self.cert = cert
            self.key = key
        }
    }

    /// ACME (Let's Encrypt and compatible) settings.
    public struct ACME: Sendable, Hashable {
        /// Account contact.
        public var email: String
        /// Names to obtain certificates for.
        public var domains: [String]
        /// The ACME directory URL.
        public var directory: String
        /// A PEM file of CAs trusted for the directory's HTTPS, for a private ACME server (none: the system's).
        public var caFile: String?
        /// Where the account key and issued certificates are kept (default: `acme/` beside the state file).
        public var cache: String?

        /// ACME settings.
        public init(email: String, domains: [String], directory: String = ACME.letsEncrypt, caFile: String? = nil, cache: String? = nil) {
            self.email = email
            self.domains = domains
            self.directory = directory
            self.caFile = caFile
            self.cache = cache
        }

        /// Let's Encrypt's production directory, the default.
        public static let letsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"
    }

    /// The protocol floor; 1.3 by default.
    public var minVersion: MinimumVersion
    /// Certificates from files.
    public var certificates: [Certificate]
    /// Names to put in a certificate generated at start (dev and demo).
    public var selfSigned: [String]
    /// ACME settings, when certificates are obtained automatically.
    public var acme: ACME?

    /// TLS settings.
    public init(
        minVersion: MinimumVersion = .tls13, certificates: [Certificate] = [], selfSigned: [String] = [],
        acme: ACME? = nil
    ) {
        self.minVersion = minVersion
        self.certificates = certificates
        self.selfSigned = selfSigned
        self.acme = acme
    }

    /// True when at least one way of getting a certificate is configured.
    public var hasCertificateSource: Bool { !certificates.isEmpty || !selfSigned.isEmpty || acme != nil }

    init(from node: ConfigNode) throws(ConfigError) {
        let mapping = try node.mapping(allowedKeys: ["min_version", "certificates", "self_signed", "acme"])
        self.init()
        if let node = mapping["min_version"] {
            let text = try node.string()
            guard let version = MinimumVersion(rawValue: text) else {
                throw node.error("'\(text)' is not a supported minimum; use \"1.3\" (modern) or \"1.2\" (intermediate)")
            }
            minVersion = version
        }
        if let node = mapping["certificates"] {
            for element in try node.list() {
                let pair = try element.mapping(allowedKeys: ["cert", "key"])
                certificates.append(
                    Certificate(cert: try pair.required("cert").string(), key: try pair.required("key").string()))
            }
        }
        selfSigned = try mapping["self_signed"]?.stringList() ?? []
        if let node = mapping["acme"] {
            let acme = try node.mapping(allowedKeys: ["email", "domains", "directory", "ca_file", "cache"])
            let domains = try acme.required("domains").stringList()
            if domains.isEmpty { throw try acme.required("domains").error("name at least one domain to obtain a certificate for") }
            self.acme = ACME(
                email: try acme.required("email").string(),
                domains: domains,
                directory: try acme["directory"]?.string() ?? ACME.letsEncrypt,
                caFile: try acme["ca_file"]?.string(),
                cache: try acme["cache"]?.string()
            )
        }
    }
}
