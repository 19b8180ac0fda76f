import Foundation
import ShipshapeCore

/// A PostgreSQL server reached with the local client tools; the password travels in `PGPASSWORD`.
public struct PostgresSource: Sendable {
    /// The configured source.
    public let configuration: BackupConfiguration.Postgres
    private let password: String?
    private let runner: any DumpCommandRunner

    /// Connects as configured, reading the password file now so a missing file fails before any dump.
    public init(
        _ configuration: BackupConfiguration.Postgres, resolve: (String) -> String, runner: any DumpCommandRunner
    ) throws {
        guard configuration.host != nil else {
            throw BackupError(
                .configuration,
                "The postgres source names the compose service '\(configuration.service ?? "")'; dumping inside a container needs the Docker Engine client, which this build does not have yet",
                hint: "Publish the database on 127.0.0.1 and configure `host:` and `port:` instead of `service:`.")
        }
        self.configuration = configuration
        self.runner = runner
        password = try configuration.passwordFile.map { try SecretFile.read(resolve($0), what: "PostgreSQL password") }
    }

    var host: String { configuration.host ?? "127.0.0.1" }
    /// `host:port` for messages.
    public var origin: String { "\(host):\(configuration.port)" }

    /// Connection settings as environment variables, so nothing secret lands in argv.
    func environment(database: String) -> [String: String] {
        var environment = [
            "PGHOST": host, "PGPORT": String(configuration.port), "PGUSER": configuration.user,
            "PGDATABASE": database, "PGCONNECT_TIMEOUT": "10",
        ]
        if let password { environment["PGPASSWORD"] = password }
        return environment
    }

    /// A psql invocation returning unaligned, tuples-only rows.
    func query(_ sql: String, database: String) async throws -> [String] {
        let output = try await runner.capture(
            DumpCommand("psql", ["-X", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql], environment: environment(database: database)))
        return output.split(separator: "\n").map(String.init)
    }

    /// The server's version, e.g. `16.4 (Debian 16.4-1)`.
    public func serverVersion() async throws -> String {
        try await query("SHOW server_version", database: "postgres").first ?? "unknown"
    }

    /// The databases to dump: the configured ones, or every non-template database.
    public func databases() async throws -> [String] {
        if !configuration.databases.isEmpty { return configuration.databases }
        return try await query("SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY 1", database: "postgres")
    }

    /// Exact row counts of every user table, keyed `schema.table`.
    public func rowCounts(database: String) async throws -> [String: Int] {
        // query_to_xml counts every table in one round trip without a server-side function.
        let sql = """
            SELECT n.nspname || '.' || c.relname || '|' ||
              (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname),
                false, true, '')))[1]::text
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1
            """
        var counts: [String: Int] = [:]
        for line in try await query(sql, database: database) {
            let fields = line.split(separator: "|", maxSplits: 1)
            if fields.count == 2, let count = Int(fields[1]) { counts[String(fields[0])] = count }
        }
        return counts
    }

    /// One custom-format dump per database, then the roles and tablespaces.
    public func parts(prefix: String) async throws -> [BackupPart] {
        var parts: [BackupPart] = []
        for database in try await databases() {
            let source = self
            parts.append(
                BackupPart(
                    name: "\(prefix)-\(database)", kind: "postgres",
                    command: DumpCommand("pg_dump", ["-Fc", "--no-password"], environment: environment(database: database)),
                    database: database, origin: origin,
                    metadata: { try await source.rowCounts(database: database) }))
        }
        parts.append(
            BackupPart(
                name: "\(prefix)-globals", kind: "postgres-globals",
                command: DumpCommand("pg_dumpall", ["--globals-only", "--no-password"], environment: environment(database: "postgres")),
                database: nil, origin: origin, metadata: nil))
        return parts
    }

    /// Runs `sql` on `database` and returns the first column of the first row.
    public func scalar(_ sql: String, database: String) async throws -> String? {
        try await query(sql, database: database).first
    }

    /// The runner, for restores.
    var commandRunner: any DumpCommandRunner { runner }
}
