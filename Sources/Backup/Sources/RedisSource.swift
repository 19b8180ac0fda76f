import ShipshapeCore

/// A Redis server; `redis-cli --rdb` asks it for a fresh RDB snapshot (a forked, consistent point in time).
public struct RedisSource: Sendable {
    /// The configured source.
    public let configuration: BackupConfiguration.Redis
    private let password: String?

    /// Reads the password file now so a missing file fails before any dump.
    public init(_ configuration: BackupConfiguration.Redis, resolve: (String) -> String) throws {
        guard configuration.host != nil else {
            throw BackupError(
                .configuration,
                "The redis source names the compose service '\(configuration.service ?? "")'; dumping inside a container needs the Docker Engine client, which this build does not have yet",
                hint: "Publish Redis on 127.0.0.1 and configure `host:` and `port:` instead of `service:`.")
        }
        self.configuration = configuration
        password = try configuration.passwordFile.map { try SecretFile.read(resolve($0), what: "Redis password") }
    }

    /// The snapshot part.
    public func part(name: String) -> BackupPart {
        let host = configuration.host ?? "127.0.0.1"
        var environment: [String: String] = [:]
        // REDISCLI_AUTH keeps the password out of the process list.
        if let password { environment["REDISCLI_AUTH"] = password }
        return BackupPart(
            name: name, kind: "redis",
            command: DumpCommand(
                "redis-cli", ["-h", host, "-p", String(configuration.port), "--no-auth-warning", "--rdb", "-"],
                environment: environment),
            database: nil, origin: "\(host):\(configuration.port)", metadata: nil)
    }
}
