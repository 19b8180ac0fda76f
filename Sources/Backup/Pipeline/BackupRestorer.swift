import Foundation

/// `backup restore`: decrypts parts of a backup into a directory, or a PostgreSQL dump into a database.
public struct BackupRestorer: Sendable {
    let settings: BackupSettings
    let store: any BackupStore
    /// With `--database`: objects keep the owners they had (the app's role can use its tables again). Off
    /// (`--no-owner`), the restoring user owns everything, for a server where the dump's roles do not exist.
    public var keepsOwners = true
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
        AllocatorTuning.apply
        // `--to restored/` names the same directory as `restored`: no `//` in the paths printed.
        let directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let catalog = BackupCatalog(store: store, project: settings.project)
        let manifest = try await catalog.manifest(id)
        let parts = manifest.parts.filter { source == nil || $0.name == source || $0.kind == source }
        guard !parts.isEmpty else {
            throw BackupError(
                .notFound, "Backup \(id) has no source '\(source ?? "")'",
                hint: "Its sources are: \(manifest.parts.map(\.name).joined(separator: ", ")).")
        }
        let dumps = parts.filter { $0.kind == "postgres" }
        if let database, dumps.isEmpty {
            // Restoring the other parts to files instead would look like success.
            throw BackupError(
                .notFound,
                "Backup \(id) holds no PostgreSQL dump\(source.map { " in source '\($0)'" } ?? "") to restore into database \(database)",
                hint: "Its sources are: \(manifest.parts.map(\.name).joined(separator: ", ")); without --database they are restored as files.")
        }
        if let database, dumps.count > 1 {
            // One new database takes one dump: restoring the next into it would fail half way ("already exists").
            throw BackupError(
                .configuration,
                "Backup \(id) holds \(dumps.count) PostgreSQL dumps (\(dumps.map(\.name).joined(separator: ", "))) and --database \(database) takes one",
                hint: "Add --source with the one to restore, e.g. --source \(dumps[0].name).")
        }
        let identities = try settings.identities()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let services = ServiceRunners(project: settings.project, environment: settings.dockerEnvironment)
        do {
            let restored = try await restore(parts, of: id, identities: identities, to: directory, database: database, services: services)
            await services.shutdown()
            return restored
        } catch {
            await services.shutdown()
            throw error
        }
    }

    private func restore(
        _ parts: [BackupManifest.Part], of id: String, identities: [any AgeIdentity], to directory: String,
        database: String?, services: ServiceRunners
    ) async throws -> [Restored] {
        let verifier = BackupVerifier(settings: settings, store: store, runner: runner)
        var restored: [Restored] = []
        for part in parts {
            let destination: String
            if let database, part.kind == "postgres" {
                guard let postgres = try await verifier.postgresSource(services: services) else {
                    throw BackupError(
                        .configuration, "--database \(database) needs a postgres source in shipshape.yml to connect to",
                        hint: "Add the server under backup.sources (- postgres: { service: … } or { host: … }), or restore without --database to get the dump as a file.")
                }
                try await restore(part, of: id, identities: identities, into: database, postgres: postgres, verifier: verifier)
                destination = "database \(database)"
            } else if part.kind == "files" {
                destination = "\(directory)/\(part.name)"
                try await extract(part, of: id, identities: identities, to: destination, verifier: verifier)
            } else {
                let suffix = ["postgres": "pgdump", "postgres-globals": "sql", "redis": "rdb"][part.kind] ?? "bin"
                destination = "\(directory)/\(part.name).\(suffix)"
                // Never overwrite: the destination might be someone's good copy.
                guard !FileManager.default.fileExists(atPath: destination) else {
                    throw BackupError(.store, "\(destination) already exists", hint: "Restore into an empty directory (--to).")
                }
                // Written as `.partial` and renamed once whole and checked, like a store's objects.
                let sink = try await DirectoryStore(root: directory).makeWriter(key: "\(part.name).\(suffix)")
                do {
                    _ = try await verifier.readPart(part, backup: id, identities: identities, into: sink)
                } catch {
                    await sink.abort()
                    throw error
                }
            }
            restored.append(Restored(part: part.name, destination: destination))
        }
        return restored
    }

    /// Extracts a files part into `destination`, which must not exist or be empty. tar writes into a hidden
    /// sibling directory that is renamed into place only once the part was read whole and its checksum
    /// matched, so a damaged backup leaves no half tree that looks restored.
    private func extract(
        _ part: BackupManifest.Part, of id: String, identities: [any AgeIdentity], to destination: String,
        verifier: BackupVerifier
    ) async throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        let exists = manager.fileExists(atPath: destination, isDirectory: &isDirectory)
        if exists, !isDirectory.boolValue || (try? manager.contentsOfDirectory(atPath: destination))?.isEmpty != true {
            throw BackupError(.store, "\(destination) already exists and is not empty", hint: "Restore into an empty directory (--to).")
        }
        let parent = (destination as NSString).deletingLastPathComponent
        let staging = "\(parent)/.\((destination as NSString).lastPathComponent).partial-\(UUID().uuidString.prefix(8).lowercased())"
        try manager.createDirectory(atPath: staging, withIntermediateDirectories: true)
        do {
            _ = try await runner.feed(FilesSource.extractCommand(into: staging)) { sink in
                try await verifier.readPart(part, backup: id, identities: identities, into: sink)
            }
            if exists { try manager.removeItem(atPath: destination) }  // an empty directory, as checked above
            try manager.moveItem(atPath: staging, toPath: destination)
        } catch {
            try? manager.removeItem(atPath: staging)
            throw error
        }
    }

    /// Restores a PostgreSQL part into `database`, which this creates; a restore that fails drops it again, so
    /// a half-restored database is never left looking like a good one.
    private func restore(
        _ part: BackupManifest.Part, of id: String, identities: [any AgeIdentity], into database: String,
        postgres: PostgresSource, verifier: BackupVerifier
    ) async throws {
        let name = "\"" + database.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        _ = try await postgres.query(PostgresSource.createDatabase(database, like: part.databaseEncoding), database: "postgres")
        do {
            try await postgres.restore(database: database, privileges: true, owners: keepsOwners) { sink in
                _ = try await verifier.readPart(part, backup: id, identities: identities, into: sink)
            }
        } catch {
            _ = try? await postgres.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", database: "postgres")
            throw error
        }
    }
}
