import Foundation
import ShipshapeCore

/// A PostgreSQL server: reached with the local client tools at `host:port`, or with the tools inside a compose
/// service's container (through Docker exec). The password travels in `PGPASSWORD`, never in argv.
public struct PostgresSource: Sendable {
    /// Seconds libpq waits for a connection before giving up.
    static let connectTimeoutSeconds = 10
    /// The configured source.
    public let configuration: BackupConfiguration.Postgres
    private let password: String?
    private let runner: any DumpCommandRunner

    /// Reads the password file now so a missing file fails before any dump. `runner` runs the tools: a local
    /// one for `host:`, a `ContainerExecRunner` for `service:`.
    public init(
        _ configuration: BackupConfiguration.Postgres, resolve: (String) -> String, runner: any DumpCommandRunner
    ) throws {
        guard configuration.host != nil || configuration.service != nil else {
            throw BackupError(
                .configuration, "A postgres source names neither a compose service nor a host",
                hint: "Set `service:` (dump inside its container) or `host:` and `port:`.")
        }
        self.configuration = configuration
        self.runner = runner
        password = try configuration.passwordFile.map { try SecretFile.read(resolve($0), what: "PostgreSQL password") }
    }

    /// `host:port`, or `service <name>`, for messages.
    public var origin: String {
        if let service = configuration.service { return "service \(service)" }
        return "\(configuration.host ?? "127.0.0.1"):\(configuration.port)"
    }

    /// Connection settings as environment variables, so nothing secret lands in argv. Inside a container
    /// `host` is optional (the image's default socket is used without it).
    func environment(database: String) -> [String: String] {
        var environment = [
            "PGPORT": String(configuration.port), "PGUSER": configuration.user,
            "PGDATABASE": database, "PGCONNECT_TIMEOUT": String(Self.connectTimeoutSeconds),
        ]
        if let host = configuration.host { environment["PGHOST"] = host }
        if let password { environment["PGPASSWORD"] = password }
        return environment
    }

    /// A psql invocation returning unaligned, tuples-only rows.
    func query(_ sql: String, database: String, options: String? = nil) async throws -> [String] {
        var environment = environment(database: database)
        if let options { environment["PGOPTIONS"] = options }
        let output = try await runner.capture(
            DumpCommand("psql", ["-X", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql], environment: environment))
        return output.split(separator: "\n").map(String.init)
    }

    /// The server's version, e.g. `16.4 (Debian 16.4-1)`.
    public func serverVersion() async throws -> String {
        try await query("SHOW server_version", database: "postgres").first ?? "unknown"
    }

    /// Where the server's backends run, seen from the runner: in the service's container, on this host (no
    /// host, a socket directory or a loopback address), or elsewhere (nil).
    var backendReach: PostgresSnapshotCounts.BackendReach? {
        if configuration.service != nil { return .runnerNamespace }
        guard let host = configuration.host else { return .localHost }
        if host.hasPrefix("/") || host == "localhost" || host == "::1" || host.hasPrefix("127.") { return .localHost }
        return nil
    }

    /// The databases to dump: the configured ones, or every non-template database.
    public func databases() async throws -> [String] {
        if !configuration.databases.isEmpty { return configuration.databases }
        return try await query("SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY 1", database: "postgres")
    }

    /// The database's size on disk: the progress display's estimate for a dump (an upper bound, since a
    /// custom-format dump is compressed and leaves out indexes).
    public func databaseSize(_ database: String) async throws -> Int? {
        try await scalar("SELECT pg_database_size(current_database())", database: database).flatMap { Int($0) }
    }

    /// Exact row counts of every user table, keyed `schema.table` with each name quoted as SQL needs it
    /// (`public.users`, `"a.b".c`, `public."pipe|name"`): two tables never share a key.
    public func rowCounts(database: String) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        // Without JIT: compiling the scans costs more than it saves on a count, and the CPU is the dump's.
        for line in try await query(Self.countQuery(prefix: ""), database: database, options: "-c jit=off") {
            if let (key, count) = Self.parseCount(line[...]) { counts[key] = count }
        }
        return counts
    }

    /// One row `PREFIXcount|key` per user table, the key `schema.table` quoted like an identifier (`%I.%I`);
    /// the count comes first so a `|` in a name cannot split it. query_to_xml counts every table in one round
    /// trip without a server-side function.
    static func countQuery(prefix: String) -> String {
        """
        SELECT '\(prefix)' ||
          (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname),
            false, true, '')))[1]::text || '|' || format('%I.%I', n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%' ORDER BY n.nspname, c.relname
        """
    }

    /// `count|key` → (key, count).
    static func parseCount(_ line: Substring) -> (String, Int)? {
        let fields = line.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        guard fields.count == 2, let count = Int(fields[0]), !fields[1].isEmpty else { return nil }
        return (String(fields[1]), count)
    }

    /// The key manifests written before names were quoted used for `key` (`"a.b".c` → `a.b.c`), so their
    /// counts can still be compared; nil when `key` is not a quoted `schema.table`.
    static func legacyKey(_ key: String) -> String? {
        var names: [String] = []
        var rest = key[...]
        while !rest.isEmpty {
            var name = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if character == "\"" {
                        guard rest.first == "\"" else { break }
                        rest = rest.dropFirst()
                    }
                    name.append(character)
                }
            } else {
                let end = rest.firstIndex(of: ".") ?? rest.endIndex
                name = String(rest[..<end])
                rest = rest[end...]
            }
            names.append(name)
            if rest.first == "." { rest = rest.dropFirst() } else if !rest.isEmpty { return nil }
        }
        return names.count == 2 ? names.joined(separator: ".") : nil
    }

    /// One custom-format dump per database, then the roles and tablespaces.
    public func parts(prefix: String) async throws -> [BackupPart] {
        var parts: [BackupPart] = []
        for database in try await databases() {
            let source = self
            var part = BackupPart(
                name: PartName.make(prefix, database), kind: "postgres",
                command: DumpCommand(
                    "pg_dump", ["-Fc", "-Z\(configuration.compression)", "--no-password"], environment: environment(database: database)),
                database: database, origin: origin, runner: runner,
                expectedSize: { try await source.databaseSize(database) })
            part.databaseEncoding = { try await source.encoding(of: database) }
            if configuration.rowCounts {
                let counter = PostgresSnapshotCounts(
                    runner: runner, environment: environment(database: database), countQuery: Self.countQuery(prefix: "count:"),
                    backendReach: backendReach)
                part.snapshotCounts = { try await counter.start() }
            }
            parts.append(part)
        }
        parts.append(
            BackupPart(
                name: "\(prefix)-globals", kind: "postgres-globals",
                command: DumpCommand("pg_dumpall", ["--globals-only", "--no-password"], environment: environment(database: "postgres")),
                database: nil, origin: origin, runner: runner, prefetch: true))
        return parts
    }

    /// The encoding and locale of `database`.
    func encoding(of database: String) async throws -> DatabaseEncoding? {
        let sql = "SELECT pg_encoding_to_char(encoding) || '|' || datcollate || '|' || datctype FROM pg_database WHERE datname = current_database()"
        let fields = try await scalar(sql, database: database)?.split(separator: "|", omittingEmptySubsequences: false) ?? []
        guard fields.count == 3 else { return nil }
        return DatabaseEncoding(encoding: String(fields[0]), collate: String(fields[1]), ctype: String(fields[2]))
    }

    /// `CREATE DATABASE name` (an identifier, quoted as needed), like the dumped database when its encoding is
    /// known: from `template0`, which any encoding and locale may copy.
    static func createDatabase(_ name: String, like encoding: DatabaseEncoding?) -> String {
        func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
        let identifier = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        guard let encoding else { return "CREATE DATABASE \(identifier)" }
        return "CREATE DATABASE \(identifier) TEMPLATE template0 ENCODING \(literal(encoding.encoding)) "
            + "LC_COLLATE \(literal(encoding.collate)) LC_CTYPE \(literal(encoding.ctype))"
    }

    /// Runs `sql` on `database` and returns the first column of the first row.
    public func scalar(_ sql: String, database: String) async throws -> String? {
        try await query(sql, database: database).first
    }

    /// Runs `pg_restore` into `database` while `body` streams a custom-format dump into it.
    /// `owners`: objects keep their dumped owners (the roles must exist: `postgres-globals.sql` creates them).
    func restore<Result>(
        database: String, privileges: Bool, owners: Bool = false, _ body: (any ByteSink) async throws -> Result
    ) async throws -> Result {
        let arguments = (owners ? [] : ["--no-owner"]) + ["--exit-on-error", "--dbname=\(database)"] + (privileges ? [] : ["--no-privileges"])
        return try await runner.feed(DumpCommand("pg_restore", arguments, environment: environment(database: database)), body)
    }
}
