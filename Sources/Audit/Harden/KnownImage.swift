/// What harden knows about a well-known image: how to check its health, which capabilities it needs
/// after `cap_drop: [ALL]`, where it writes, and which secret variables it can read from files.
struct KnownImage: Sendable {
    /// The healthcheck test.
    var healthcheck: [String]
    /// Capabilities the image's entrypoint needs (for example to switch to its own user).
    var capabilities: [String]
    /// Paths the image writes besides its data directory: tmpfs when the root is read-only.
    var writablePaths: [String]
    /// The data directory that must be a volume before the root can be read-only; nil when stateless.
    var dataPath: String?
    /// Secret variables the image also reads as `NAME_FILE`.
    var fileSecrets: Set<String>

    /// Capabilities an entrypoint needs to fix ownership of its data and drop to its own user.
    static let ownershipCapabilities = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"]

    /// The known image named `name` (as `ComposeService.imageName`).
    static func named(_ name: String) -> KnownImage? {
        switch name {
        case "postgres", "postgis", "timescaledb":
            KnownImage(
                healthcheck: ["CMD-SHELL", "pg_isready -U \"$${POSTGRES_USER:-postgres}\" -d \"$${POSTGRES_DB:-postgres}\""],
                capabilities: ownershipCapabilities, writablePaths: ["/var/run/postgresql", "/tmp"],
                dataPath: "/var/lib/postgresql/data", fileSecrets: ["POSTGRES_PASSWORD", "POSTGRES_USER", "POSTGRES_DB"])
        case "redis", "valkey", "keydb":
            KnownImage(
                healthcheck: ["CMD", name == "valkey" ? "valkey-cli" : "redis-cli", "ping"],
                capabilities: ["SETGID", "SETUID"], writablePaths: ["/tmp"], dataPath: "/data", fileSecrets: [])
        case "mysql":
            KnownImage(
                healthcheck: ["CMD", "mysqladmin", "ping", "-h", "127.0.0.1"], capabilities: ownershipCapabilities,
                writablePaths: ["/var/run/mysqld", "/tmp"], dataPath: "/var/lib/mysql",
                fileSecrets: ["MYSQL_ROOT_PASSWORD", "MYSQL_PASSWORD", "MYSQL_USER", "MYSQL_DATABASE"])
        case "mariadb":
            KnownImage(
                healthcheck: ["CMD", "healthcheck.sh", "--connect", "--innodb_initialized"],
                capabilities: ownershipCapabilities, writablePaths: ["/run/mysqld", "/tmp"], dataPath: "/var/lib/mysql",
                fileSecrets: ["MARIADB_ROOT_PASSWORD", "MARIADB_PASSWORD", "MYSQL_ROOT_PASSWORD", "MYSQL_PASSWORD"])
        case "mongo":
            KnownImage(
                healthcheck: ["CMD", "mongosh", "--quiet", "--eval", "db.adminCommand('ping').ok"],
                capabilities: ownershipCapabilities, writablePaths: ["/tmp"], dataPath: "/data/db",
                fileSecrets: ["MONGO_INITDB_ROOT_PASSWORD", "MONGO_INITDB_ROOT_USERNAME"])
        case "nginx":
            KnownImage(
                healthcheck: ["CMD-SHELL", "curl -fsS -o /dev/null http://127.0.0.1/ || wget -q -O /dev/null http://127.0.0.1/ || exit 1"],
                capabilities: ["CHOWN", "SETGID", "SETUID", "NET_BIND_SERVICE"],
                writablePaths: ["/var/cache/nginx", "/var/run", "/tmp"], dataPath: nil, fileSecrets: [])
        case "memcached":
            KnownImage(
                healthcheck: ["CMD-SHELL", "echo stats | nc -w 1 127.0.0.1 11211 | grep -q uptime"], capabilities: [],
                writablePaths: [], dataPath: nil, fileSecrets: [])
        default:
            nil
        }
    }
}
