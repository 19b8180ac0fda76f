/// The `backup:` section: schedule, store, encryption, retention, sources and verification.
public struct BackupConfiguration: Sendable {
    /// One thing to back up.
    public enum Source: Sendable, Hashable {
        /// PostgreSQL databases, dumped inside a compose service's container or from host:port.
        case postgres(Postgres)
        /// A Redis server's RDB snapshot.
        case redis(Redis)
        /// Files and directories, relative to the config file.
        case files([String])
    }

    /// A PostgreSQL source.
    public struct Postgres: Sendable, Hashable {
        /// The compose service running PostgreSQL (dump runs inside its container).
        public var service: String?
        /// Or a host to connect to with a local pg_dump.
        public var host: String?
        /// The port with `host`.
        public var port: Int
        /// Databases to dump; empty means all non-template databases.
        public var databases: [String]
        /// The role to connect as.
        public var user: String
        /// A file holding the password (never the password itself).
        public var passwordFile: String?
        /// Whether each table's exact row count is recorded (and compared by `verify`). Counting reads every
        /// table beside the dump: free on a server with idle cores, a second scan's CPU on a busy one.
        public var rowCounts: Bool
        /// The dump's zlib level, `pg_dump -Z` (0 = none). The default is 1, like the fast defaults of borg, restic
        /// and WAL-G: pg_dump runs on the database's host, and its default level 6 took twice the CPU and wall
        /// time of level 1 for a 14 % smaller dump of text-heavy tables (BENCHMARKS.md).
        public var compression: Int

        /// The default `compression`.
        public static let defaultCompression = 1

        /// A PostgreSQL source.
        public init(
            service: String? = nil, host: String? = nil, port: Int = 5432, databases: [String] = [],
            user: String = "postgres", passwordFile: String? = nil, rowCounts: Bool = true,
            compression: Int = Postgres.defaultCompression
        ) {
            self.service = service
            self.host = host
            self.port = port
            self.databases = databases
            self.user = user
            self.passwordFile = passwordFile
            self.rowCounts = rowCounts
            self.compression = compression
        }
    }

    /// A Redis source.
    public struct Redis: Sendable, Hashable {
        /// The compose service running Redis.
        public var service: String?
        /// Or a host to connect to.
        public var host: String?
        /// The port with `host`.
        public var port: Int
        /// A file holding the password, if any.
        public var passwordFile: String?

        /// A Redis source.
        public init(service: String? = nil, host: String? = nil, port: Int = 6379, passwordFile: String? = nil) {
            self.service = service
            self.host = host
            self.port = port
            self.passwordFile = passwordFile
        }
    }

    /// How payloads are encrypted.
    public enum Encryption: Sendable, Hashable {
        /// age X25519 recipients (`age1...`).
        case recipients([String])
        /// an age scrypt passphrase read from a file.
        case passphraseFile(String)
    }

    /// How many backups each period keeps (restic `forget` semantics).
    public struct Retention: Sendable, Hashable {
        /// Newest backups kept regardless of period.
        public var last: Int
        /// Days kept.
        public var daily: Int
        /// Weeks kept.
        public var weekly: Int
        /// Months kept.
        public var monthly: Int
        /// Years kept.
        public var yearly: Int

        /// A retention policy; the default keeps 7 daily, 4 weekly and 12 monthly.
        public init(last: Int = 0, daily: Int = 7, weekly: Int = 4, monthly: Int = 12, yearly: Int = 0) {
            self.last = last
            self.daily = daily
            self.weekly = weekly
            self.monthly = monthly
            self.yearly = yearly
        }
    }

    /// Cron expression for scheduled backups inside `shipshape run`.
    public var schedule: String?
    /// A local directory or `s3://bucket/prefix`.
    public var store: String
    /// Payload encryption.
    public var encryption: Encryption
    /// Retention policy for `prune`.
    public var retention: Retention
    /// Whether `retention:` was written in the file (or given): only then does the scheduler prune on its own
    /// after each backup; `backup prune` run by hand uses the defaults either way.
    public var retentionConfigured: Bool
    /// What to back up.
    public var sources: [Source]
    /// An age identity file (secret key) used to decrypt for verify and restore; optional.
    public var identityFile: String?
    /// Cron expression for scheduled verification.
    public var verifySchedule: String?
    /// SQL checks run against the restored scratch database; each must return true.
    public var verifyChecks: [String]

    /// A backup configuration.
    public init(
        schedule: String? = nil, store: String, encryption: Encryption, retention: Retention? = nil,
        sources: [Source], verifySchedule: String? = nil, verifyChecks: [String] = []
    ) {
        self.schedule = schedule
        self.store = store
        self.encryption = encryption
        self.retention = retention ?? .init()
        self.retentionConfigured = retention != nil
        self.sources = sources
        self.verifySchedule = verifySchedule
        self.verifyChecks = verifyChecks
    }

    /// Whether `text` is an age X25519 recipient: Bech32, lowercase, prefix `age`, a 32-byte key.
    static func isAgeRecipient(_ text: String) -> Bool {
        guard let (prefix, data) = Bech32.decode(text) else { return false }
        return prefix == "age" && data.count == 32 && text == text.lowercased()
    }

    init(from node: ConfigNode) throws(ConfigError) {
        let mapping = try node.mapping(allowedKeys: [
            "schedule", "store", "encryption", "retention", "sources", "verify",
        ])
        let encryptionNode = try mapping.required("encryption")
        let encryptionMapping = try encryptionNode.mapping(allowedKeys: ["recipients", "passphrase_file", "identity_file"])
        let encryption: Encryption
        if let recipients = encryptionMapping["recipients"] {
            // age encrypts to recipients or to a passphrase, never both (a passphrase stanza must be alone).
            if let passphrase = encryptionMapping["passphrase_file"] {
                throw passphrase.error("is set beside recipients; age encrypts to recipients or to a passphrase, not both: keep one")
            }
            let list = try recipients.stringList()
            for (index, recipient) in list.enumerated() where !Self.isAgeRecipient(recipient) {
                throw try recipients.list()[index].error(
                    "'\(recipient.prefix(16))…' is not an age X25519 recipient (the age1… public key `age-keygen` prints)")
            }
            encryption = .recipients(list)
        } else if let file = encryptionMapping["passphrase_file"] {
            encryption = .passphraseFile(try file.string())
        } else {
            throw encryptionNode.error("set recipients: [age1...] or passphrase_file: FILE")
        }
        var retention = Retention()
        if let retentionNode = mapping["retention"] {
            let values = try retentionNode.mapping(allowedKeys: ["last", "daily", "weekly", "monthly", "yearly"])
            func count(_ key: String) throws(ConfigError) -> Int {
                guard let node = values[key] else { return 0 }
                let value = try node.int()
                guard value >= 0 else {
                    throw node.error("must be 0 or more (restic's -1 for 'keep every one' is not supported: write a large number)")
                }
                return value
            }
            retention = Retention(
                last: try count("last"), daily: try count("daily"), weekly: try count("weekly"),
                monthly: try count("monthly"), yearly: try count("yearly"))
            guard retention.last + retention.daily + retention.weekly + retention.monthly + retention.yearly > 0 else {
                throw retentionNode.error("keeps nothing, a policy prune refuses to apply; set at least one of last, daily, weekly, monthly, yearly above 0")
            }
        }
        var sources: [Source] = []
        for element in try mapping.required("sources").list() {
            let entry = try element.mapping(allowedKeys: ["postgres", "redis", "files"])
            guard entry.keys.count == 1, let kind = entry.keys.first, let body = entry[kind] else {
                throw element.error("each source is one of postgres:, redis: or files:")
            }
            switch kind {
            case "postgres":
                let values = try body.mapping(allowedKeys: [
                    "service", "host", "port", "databases", "user", "password_file", "row_counts", "compression",
                ])
                let compression = try values["compression"]?.int() ?? Postgres.defaultCompression
                if !(0...9).contains(compression), let node = values["compression"] {
                    throw node.error("is \(compression); pg_dump's zlib levels are 0 (none) to 9 (smallest)")
                }
                let source = Postgres(
                    service: try values["service"]?.string(),
                    host: try values["host"]?.string(),
                    port: try values["port"]?.int() ?? 5432,
                    databases: try values["databases"]?.stringList() ?? [],
                    user: try values["user"]?.string() ?? "postgres",
                    passwordFile: try values["password_file"]?.string(),
                    rowCounts: try values["row_counts"]?.bool() ?? true,
                    compression: compression
                )
                // With a service, `host` is optional: the address inside its container (e.g. a socket directory).
                if source.service == nil, source.host == nil {
                    throw body.error("a postgres source names a compose 'service' (dumped inside its container) or a 'host'")
                }
                sources.append(.postgres(source))
            case "redis":
                let values = try body.mapping(allowedKeys: ["service", "host", "port", "password_file"])
                let source = Redis(
                    service: try values["service"]?.string(),
                    host: try values["host"]?.string(),
                    port: try values["port"]?.int() ?? 6379,
                    passwordFile: try values["password_file"]?.string()
                )
                if (source.service == nil) == (source.host == nil) {
                    throw body.error("a redis source names either a compose 'service' or a 'host'")
                }
                sources.append(.redis(source))
            default:
                sources.append(.files(try body.stringList()))
            }
        }
        var verifySchedule: String?
        var verifyChecks: [String] = []
        if let verifyNode = mapping["verify"] {
            let verify = try verifyNode.mapping(allowedKeys: ["schedule", "checks"])
            verifySchedule = try verify["schedule"]?.cronSchedule()
            verifyChecks = try verify["checks"]?.stringList() ?? []
        }
        let identityFile = try encryptionMapping["identity_file"]?.string()
        self.init(
            schedule: try mapping["schedule"]?.cronSchedule(),
            store: try mapping.required("store").string(),
            encryption: encryption,
            retention: mapping["retention"] == nil ? nil : retention,
            sources: sources,
            verifySchedule: verifySchedule,
            verifyChecks: verifyChecks
        )
        self.identityFile = identityFile
    }
}

extension BackupConfiguration {
    /// A `files` entry `SERVICE:/absolute/path` (a path inside a compose service's container) split into its
    /// service and path; nil for a host path.
    public static func containerPath(_ entry: String) -> (service: String, path: String)? {
        let pieces = entry.split(separator: ":", maxSplits: 1)
        guard pieces.count == 2, pieces[1].hasPrefix("/"),
            pieces[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." })
        else { return nil }
        return (String(pieces[0]), String(pieces[1]))
    }
}

extension ConfigNode {
    /// The node as a cron expression's text, checked: a schedule that cannot run is an error here, at its line,
    /// not when `shipshape run` starts.
    func cronSchedule() throws(ConfigError) -> String {
        let text = try string()
        do {
            _ = try CronExpression(text)
        } catch {
            throw self.error(error.userMessage)
        }
        return text
    }
}
