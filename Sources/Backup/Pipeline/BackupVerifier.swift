import Foundation
import Logging

/// `backup verify`: re-reads every stored file, checks its SHA-256, decrypts it to the end, restores each
/// PostgreSQL dump into a scratch database (created, checked, dropped), compares row counts, runs the SQL
/// checks, and stores the result beside the backup.
public struct BackupVerifier: Sendable {
    let settings: BackupSettings
    let store: any BackupStore
    let runner: any DumpCommandRunner
    let logger: Logger

    /// A verifier.
    public init(
        settings: BackupSettings, store: any BackupStore, runner: any DumpCommandRunner = LocalProcessRunner(),
        logger: Logger = Logger(label: "shipshape.backup")
    ) {
        self.settings = settings
        self.store = store
        self.runner = runner
        self.logger = logger
    }

    /// Verifies backup `id` (the newest when nil) and stores `verification.json` beside it.
    public func verify(id: String? = nil) async throws -> VerificationResult {
        AllocatorTuning.apply
        let catalog = BackupCatalog(store: store, project: settings.project)
        var chosen = id
        if chosen == nil { chosen = try await catalog.entries().first?.manifest.id }
        guard let id = chosen else {
            throw BackupError(.notFound, "There is no complete backup to verify in \(store.location)", hint: "Run `shipshape backup run` first.")
        }
        let manifest = try await catalog.manifest(id)
        let identities = try settings.identities()
        let services = ServiceRunners(project: settings.project, environment: settings.dockerEnvironment)
        do {
            let result = try await verify(manifest, identities: identities, services: services)
            await services.shutdown()
            return result
        } catch {
            await services.shutdown()
            throw error
        }
    }

    private func verify(
        _ manifest: BackupManifest, identities: [any AgeIdentity], services: ServiceRunners
    ) async throws -> VerificationResult {
        let id = manifest.id
        let catalog = BackupCatalog(store: store, project: settings.project)
        let postgres = try await postgresSource(services: services)
        var checks: [VerificationResult.Check] = []
        var checkedPrimary = false
        for part in manifest.parts {
            if part.kind == "postgres", let postgres {
                let scratch = "shipshape_verify_\(UUID().uuidString.lowercased().prefix(8))"
                do {
                    _ = try await postgres.query(PostgresSource.createDatabase(scratch, like: part.databaseEncoding), database: "postgres")
                    checks.append(try await postgres.restore(database: scratch, privileges: false) { sink in
                        try await readPart(part, backup: id, identities: identities, into: sink)
                    })
                    // A source with `row_counts: false` recorded none: the restore itself is then the check.
                    if let expected = part.rowCounts {
                        checks.append(Self.compare(expected, with: try await postgres.rowCounts(database: scratch), part: part.name))
                    }
                    if !checkedPrimary {
                        checkedPrimary = true
                        for sql in settings.configuration.verifyChecks {
                            checks.append(await Self.check(sql, on: postgres, database: scratch, part: part.name))
                        }
                    }
                } catch let error as BackupError where error.kind == .noMatchingIdentity {
                    _ = try? await postgres.query("DROP DATABASE IF EXISTS \(scratch) WITH (FORCE)", database: "postgres")
                    throw error
                } catch let error as BackupError {
                    checks.append(.init(name: "\(part.name): restore into scratch database", passed: false, detail: error.userMessage))
                    // The stored file itself may still be sound: say so separately.
                    if !checks.contains(where: { $0.name.hasPrefix("\(part.name): sha256") }) {
                        checks.append(try await integrity(part, backup: id, identities: identities))
                    }
                }
                _ = try? await postgres.query("DROP DATABASE IF EXISTS \(scratch) WITH (FORCE)", database: "postgres")
            } else {
                checks.append(try await integrity(part, backup: id, identities: identities))
            }
        }
        let result = VerificationResult(id: id, verifiedAt: Date(), passed: checks.allSatisfy(\.passed), checks: checks)
        try await store.put(key: catalog.key(id, VerificationResult.fileName), bytes: Array(try BackupManifest.encoder().encode(result)))
        return result
    }

    /// The row counts of the restored copy against the manifest's, naming each table that differs with both counts.
    /// Manifests written before names were quoted (`a.b.c` for `"a.b".c`) are compared by their old keys.
    static func compare(_ expected: [String: Int], with counts: [String: Int], part: String) -> VerificationResult.Check {
        // Old keys could collide (`"a.b".c` and `a."b.c"` were both `a.b.c`): any table behind one may match.
        var legacy: [String: [Int]] = [:]
        for (key, count) in counts { if let old = PostgresSource.legacyKey(key) { legacy[old, default: []].append(count) } }
        let differing = expected.keys.sorted().compactMap { key -> String? in
            guard let wanted = expected[key] else { return nil }
            let actual = counts[key].map { [$0] } ?? legacy[key]?.sorted() ?? []
            guard !actual.contains(wanted) else { return nil }
            let restored = actual.isEmpty ? "no such table" : actual.map(String.init).joined(separator: " or ")
            return "\(key) (manifest \(wanted), restored \(restored))"
        }
        return .init(
            name: "\(part): row counts of \(expected.count) tables", passed: differing.isEmpty,
            detail: differing.isEmpty ? nil : "differ for \(differing.joined(separator: ", "))")
    }

    /// Runs one `verify.checks` query; a query that fails shows the server's error line.
    static func check(_ sql: String, on postgres: PostgresSource, database: String, part: String) async -> VerificationResult.Check {
        let name = "\(part): \(sql)"
        do {
            let value = try await postgres.scalar(sql, database: database)
            let passed = value == "t" || value == "true"
            return .init(name: name, passed: passed, detail: passed ? nil : "returned \(value ?? "no row")")
        } catch let error as BackupError {
            let server = error.what.split(whereSeparator: \.isNewline).first { $0.contains("ERROR:") }
                .map { line in String(line[(line.range(of: "ERROR:")?.lowerBound ?? line.startIndex)...]) }
            return .init(name: name, passed: false, detail: "returned an error: \(server ?? error.what)")
        } catch {
            return .init(name: name, passed: false, detail: "returned an error: \(error)")
        }
    }

    /// Checksum and decryption of a part read to the end, as a check (damage becomes a failed check). A key that
    /// decrypts nothing is the operator's mistake, not the backup's: it is thrown, and no result is stored.
    func integrity(_ part: BackupManifest.Part, backup id: String, identities: [any AgeIdentity]) async throws -> VerificationResult.Check {
        do {
            return try await readPart(part, backup: id, identities: identities, into: DiscardingSink())
        } catch let error as BackupError where error.kind == .noMatchingIdentity {
            throw error
        } catch {
            return .init(name: "\(part.name): decrypt", passed: false, detail: (error as? BackupError)?.userMessage ?? "\(error)")
        }
    }

    /// Streams a part from the store through SHA-256 and age into `sink`; returns the checksum check.
    func readPart(
        _ part: BackupManifest.Part, backup id: String, identities: [any AgeIdentity], into sink: any ByteSink
    ) async throws -> VerificationResult.Check {
        let catalog = BackupCatalog(store: store, project: settings.project)
        let reader = AgeReader(identities: identities, downstream: sink)
        let digest = HashingTee(reader)
        do {
            try await store.read(key: catalog.key(id, part.file), into: digest)
        } catch let error as BackupError where error.kind == .notFound {
            throw BackupError(
                .notFound, "\(part.file) of backup \(id) is missing from the store (\(store.location))",
                hint: "The backup is incomplete; restore from another backup (`shipshape backup list` shows them).")
        } catch let error as BackupError where error.kind == .noMatchingIdentity {
            // A wrong key, or a damaged header: the file's checksum tells which.
            let whole = HashingTee(DiscardingSink())
            try await store.read(key: catalog.key(id, part.file), into: whole)
            try checkSHA(whole.hexDigest(), of: part, backup: id)
            throw error
        }
        try checkSHA(digest.hexDigest(), of: part, backup: id)
        try await digest.finish()
        return .init(name: "\(part.name): sha256 and decryption", passed: true, detail: nil)
    }

    private func checkSHA(_ hash: String, of part: BackupManifest.Part, backup id: String) throws(BackupError) {
        guard hash == part.sha256 else {
            throw BackupError(
                .verification, "\(part.file) of backup \(id) has SHA-256 \(hash), the manifest says \(part.sha256)",
                hint: "The stored file was modified or damaged; restore from another backup.")
        }
    }

    /// The first PostgreSQL source, with its tools run where the backup ran them (host or container).
    func postgresSource(services: ServiceRunners) async throws -> PostgresSource? {
        for case .postgres(let configuration) in settings.configuration.sources {
            var runner = self.runner
            if let service = configuration.service { runner = try await services.runner(for: service) }
            return try PostgresSource(configuration, resolve: settings.resolve, runner: runner)
        }
        return nil
    }
}

/// Hashes bytes on their way to `downstream`; unlike `DigestingSink`, the hash is ready before `finish`.
final class HashingTee: ByteSink {
    private let downstream: any ByteSink
    private var hasher = SHA256Hasher()

    init(_ downstream: any ByteSink) { self.downstream = downstream }

    func write(_ bytes: ArraySlice<UInt8>) async throws {
        hasher.update(bytes)
        try await downstream.write(bytes)
    }

    func finish() async throws { try await downstream.finish() }

    func hexDigest() -> String { hasher.finalizeHex() }
}
