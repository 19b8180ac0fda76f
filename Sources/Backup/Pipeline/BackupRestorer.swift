import Foundation

/// `backup restore`: decrypts parts of a backup into a directory, or a PostgreSQL dump into a database.
public struct BackupRestorer: Sendable {
    let settings: BackupSettings
    let store: any BackupStore
    let runner: any DumpCommandRunner

    /// A restorer.
    public init(settings: BackupSettings, store: any BackupStore, runner: any DumpCommandRunner = LocalProcessRunner()) {
        self.settings = settings
        self.store = store
        self.runner = runner
    }

    /// What was restored where.
    public struct Restored: Sendable {
        /// The part.
        public var part: String
        /// The file, directory or database written.
        public var destination: String
    }

    /// Restores `source` (every part when nil) of backup `id` into `directory`: PostgreSQL dumps as
    /// `NAME.pgdump`/`NAME.sql`, Redis as `NAME.rdb`, files extracted under `NAME/`. With `database`,
    /// a PostgreSQL part is restored with pg_restore into that (new) database instead.
    public func restore(id: String, source: String?, to directory: String, database: String? = nil) async throws -> [Restored] {
        let catalog = BackupCatalog(store: store, project: settings.project)
        let manifest = try await catalog.manifest(id)
        let parts = manifest.parts.filter { source == nil || $0.name == source || $0.kind == source }
        guard !parts.isEmpty else {
            throw BackupError(
                .notFound, "Backup \(id) has no source '\(source ?? "")'",
                hint: "Its sources are: \(manifest.parts.map(\.name).joined(separator: ", ")).")
        }
        let identities = try settings.identities()
        let verifier = BackupVerifier(settings: settings, store: store, runner: runner)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var restored: [Restored] = []
        for part in parts {
            let sink: any ByteSink
            let destination: String
            if let database, part.kind == "postgres", let postgres = try verifier.postgresSource() {
                _ = try await postgres.query("CREATE DATABASE \(database)", database: "postgres")
                sink = try await runner.startWithInput(DumpCommand(
                    "pg_restore", ["--no-owner", "--exit-on-error", "--dbname=\(database)"],
                    environment: postgres.environment(database: database)))
                destination = "database \(database)"
            } else if part.kind == "files" {
                destination = "\(directory)/\(part.name)"
                try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
                sink = try await runner.startWithInput(FilesSource.extractCommand(into: destination))
            } else {
                let suffix = ["postgres": "pgdump", "postgres-globals": "sql", "redis": "rdb"][part.kind] ?? "bin"
                destination = "\(directory)/\(part.name).\(suffix)"
                // Never overwrite: the destination might be someone's good copy.
                guard !FileManager.default.fileExists(atPath: destination) else {
                    throw BackupError(.store, "\(destination) already exists", hint: "Restore into an empty directory (--to).")
                }
                sink = try await DirectoryStore(root: directory).makeWriter(key: "\(part.name).\(suffix)")
            }
            _ = try await verifier.readPart(part, backup: id, identities: identities, into: sink)
            restored.append(Restored(part: part.name, destination: destination))
        }
        return restored
    }
}
