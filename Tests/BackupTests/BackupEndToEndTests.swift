import Foundation
import Synchronization
import ShipshapeCore
import Testing
import TestSupport

@testable import Backup

/// Backups of a real PostgreSQL, a real Redis and real files, to a local directory and to moto's S3.
@Suite("backup run, list, verify, restore and prune against real servers", .serialized)
struct BackupEndToEndTests {
    static func requireTools() throws {
        for tool in ["pg_dump", "pg_dumpall", "pg_restore", "psql", "redis-cli", "tar"] where !ProcessRunner.isInstalled(tool) {
            throw TestSupportError(message: "\(tool) is not installed: run scripts/install-backup-deps.sh")
        }
    }

    /// A PostgreSQL with a `shop` database holding two tables, a Redis with keys, and a files tree.
    struct Fixture {
        let postgres: ExternalServer
        let redis: ExternalServer
        let directory: TemporaryDirectory
        let identity: X25519Identity

        init() async throws {
            try BackupEndToEndTests.requireTools()
            postgres = try await ExternalServer.postgres()
            redis = try await ExternalServer.redis()
            directory = try TemporaryDirectory(prefix: "backup")
            identity = X25519Identity.generate()
            try directory.write("key.txt", identity.encoded + "\n")
            try directory.write("app/media/a.txt", "hello")
            try directory.write("app/media/deep/b.bin", String(repeating: "x", count: 100_000))
            chmod("\(directory.path)/app/media/a.txt", 0o640)
            try await psql("CREATE DATABASE shop", database: "postgres")
            try await psql(
                """
                CREATE TABLE users (id serial PRIMARY KEY, name text);
                INSERT INTO users (name) SELECT 'user' || g FROM generate_series(1, 1500) g;
                CREATE TABLE orders (id serial PRIMARY KEY, total int);
                INSERT INTO orders (total) SELECT g FROM generate_series(1, 42) g;
                """, database: "shop")
            let redisSet = try await ProcessRunner.run(["redis-cli", "-p", String(redis.port), "SET", "greeting", "hello"])
            guard redisSet.status == 0 else { throw TestSupportError(message: "redis-cli SET failed: \(redisSet.stderr)") }
        }

        @discardableResult
        func psql(_ sql: String, database: String) async throws -> String {
            let result = try await ProcessRunner.run([
                "psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(postgres.port), "-U", "postgres",
                "-d", database, "-c", sql,
            ])
            guard result.status == 0 else { throw TestSupportError(message: "psql failed: \(result.stderr)") }
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func settings(store: String, checks: [String] = ["SELECT count(*) > 0 FROM users"]) -> BackupSettings {
            let configuration = BackupConfiguration(
                store: store, encryption: .recipients([identity.recipient.description]),
                retention: .init(daily: 7, weekly: 4, monthly: 12),
                sources: [
                    .postgres(.init(service: nil, host: "127.0.0.1", port: postgres.port, databases: ["shop"], user: "postgres", passwordFile: nil)),
                    .redis(.init(service: nil, host: "127.0.0.1", port: redis.port, passwordFile: nil)),
                    .files(["app/media"]),
                ],
                verifyChecks: checks)
            return BackupSettings(project: "shop", configuration: configuration, baseDirectory: directory.path, identityFile: "key.txt")
        }

        /// The compression a stored dump's archive header records, as `pg_restore -l` prints it.
        func archiveCompression(_ stored: String) async throws -> String? {
            let listing = try await ProcessRunner.run([
                "sh", "-c", "age -d -i \"$1\" \"$2\" | pg_restore -l", "sh", "\(directory.path)/key.txt", stored,
            ])
            let line = listing.stdout.split(separator: "\n").first { $0.contains("Compression:") }
            return line.map { String($0.split(separator: ":").last ?? "").trimmingCharacters(in: .whitespaces) }
        }

        func stop() {
            postgres.stop()
            redis.stop()
            directory.remove()
        }
    }

    @Test("a backup to a directory lists, verifies against a scratch database and restores byte for byte")
    func directoryRoundTrip() async throws {
        let fixture = try await Fixture()
        defer { fixture.stop() }
        let settings = fixture.settings(store: "store")
        let store = try settings.makeStore()
        let manifest = try await BackupRunner(settings: settings, store: store).run()

        #expect(manifest.parts.map(\.name) == ["postgres-shop", "postgres-globals", "redis", "files"])
        let shop = try #require(manifest.parts.first)
        #expect(shop.rowCounts == ["public.users": 1500, "public.orders": 42])
        #expect(manifest.postgresVersion?.isEmpty == false)
        // The stored payload is a real age file the age tool decrypts to a pg_dump archive.
        let stored = "\(fixture.directory.path)/store/shop/\(manifest.id)/postgres-shop.age"
        let age = try await ProcessRunner.run(["sh", "-c", "age -d -i \"$1\" \"$2\" | head -c 5", "sh", "\(fixture.directory.path)/key.txt", stored])
        #expect(age.stdout == "PGDMP")
        // pg_dump compressed it at the default level, 1.
        #expect(try await fixture.archiveCompression(stored) == "1")

        let entries = try await BackupCatalog(store: store, project: "shop").entries()
        #expect(entries.map(\.manifest.id) == [manifest.id])
        #expect(entries.first?.verification == nil)

        let result = try await BackupVerifier(settings: settings, store: store).verify()
        #expect(result.passed, "\(result.checks)")
        #expect(result.checks.contains { $0.name.contains("SELECT count(*) > 0 FROM users") && $0.passed })
        #expect(try await BackupCatalog(store: store, project: "shop").entries().first?.verification?.passed == true)
        // The scratch database was dropped.
        #expect(try await fixture.psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'shipshape_verify_%'", database: "postgres") == "0")

        let target = "\(fixture.directory.path)/restored"
        let restored = try await BackupRestorer(settings: settings, store: store).restore(id: manifest.id, source: nil, to: target)
        #expect(restored.count == 4)
        // The roles part (fetched beside the database dump) is pg_dumpall's output.
        let globals = try String(contentsOfFile: "\(target)/postgres-globals.sql", encoding: .utf8)
        #expect(globals.contains("CREATE ROLE postgres"), "\(globals.prefix(300))")
        #expect(try String(contentsOfFile: "\(target)/files/app/media/a.txt", encoding: .utf8) == "hello")
        let mode = try FileManager.default.attributesOfItem(atPath: "\(target)/files/app/media/a.txt")[.posixPermissions] as? Int
        #expect(mode == 0o640)
        let rdb = try Data(contentsOf: URL(fileURLWithPath: "\(target)/redis.rdb"))
        #expect(String(decoding: rdb.prefix(5), as: UTF8.self) == "REDIS")
        #expect(rdb.range(of: Data("greeting".utf8)) != nil)

        // Restoring the dump into a new database brings the rows back.
        _ = try await BackupRestorer(settings: settings, store: store)
            .restore(id: manifest.id, source: "postgres-shop", to: target + "2", database: "shop_restored")
        #expect(try await fixture.psql("SELECT count(*) FROM users", database: "shop_restored") == "1500")
    }

    @Test("rows written during the backup: the counts are the dump's snapshot's, and verify agrees")
    func countsShareTheDumpSnapshot() async throws {
        let fixture = try await Fixture()
        defer { fixture.stop() }
        let settings = fixture.settings(store: "store")
        let store = try settings.makeStore()
        // Two writers wait for the dump to connect, then add rows while it runs: one holds `orders` locked (the
        // dump waits for it) and inserts 10 orders before committing; the other inserts 100 users at once.
        let waitForDump = """
            DO $$ BEGIN
              FOR i IN 1..6000 LOOP
                PERFORM pg_stat_clear_snapshot();
                EXIT WHEN EXISTS (
                  SELECT FROM pg_stat_activity WHERE application_name LIKE 'shipshape-dump-%' OR application_name = 'pg_dump');
                PERFORM pg_sleep(0.01);
              END LOOP;
            END $$;
            """
        let port = String(fixture.postgres.port)
        let psql = ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "shop", "-c"]
        let locker = Task {
            try await ProcessRunner.run(psql + [
                "BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE; \(waitForDump) SELECT pg_sleep(0.5); "
                    + "INSERT INTO orders (total) SELECT g FROM generate_series(1, 10) g; COMMIT;"
            ])
        }
        let inserter = Task {
            try await ProcessRunner.run(psql + [
                "\(waitForDump) INSERT INTO users (name) SELECT 'late' || g FROM generate_series(1, 100) g;"
            ])
        }
        // The lock is held before the backup starts.
        var locked = false
        for _ in 0..<200 where !locked {
            locked = try await fixture.psql(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'orders' AND l.mode = 'AccessExclusiveLock' AND l.granted",
                database: "shop") == "1"
            if !locked { try await Task.sleep(for: .milliseconds(50)) }
        }
        try #require(locked)

        let manifest = try await BackupRunner(settings: settings, store: store).run()
        let lockerResult = try await locker.value
        let inserterResult = try await inserter.value
        #expect(lockerResult.status == 0 && inserterResult.status == 0, "\(lockerResult.stderr) \(inserterResult.stderr)")
        #expect(try await fixture.psql("SELECT (SELECT count(*) FROM users) || '/' || (SELECT count(*) FROM orders)", database: "shop") == "1600/52")
        // Both writes came after the snapshot the counts and the dump share.
        #expect(manifest.parts.first?.rowCounts == ["public.users": 1500, "public.orders": 42])
        let result = try await BackupVerifier(settings: settings, store: store).verify()
        #expect(result.passed, "\(result.checks)")
        #expect(result.checks.contains { $0.name == "postgres-shop: row counts of 2 tables" && $0.passed })
        // The session that exported the snapshot is gone.
        #expect(try await fixture.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_export_snapshot%' AND pid <> pg_backend_pid()", database: "postgres") == "0")
    }

    @Test("row_counts: false records no counts, compression: 0 stores the dump uncompressed; verify restores it and runs the checks without counting")
    func withoutRowCountsOrCompression() async throws {
        let fixture = try await Fixture()
        defer { fixture.stop() }
        var settings = fixture.settings(store: "store")
        settings.configuration.sources = [
            .postgres(.init(host: "127.0.0.1", port: fixture.postgres.port, databases: ["shop"], rowCounts: false, compression: 0))
        ]
        let store = try settings.makeStore()
        let manifest = try await BackupRunner(settings: settings, store: store).run()
        #expect(manifest.parts.map(\.name) == ["postgres-shop", "postgres-globals"])
        #expect(manifest.parts.allSatisfy { $0.rowCounts == nil })
        #expect(try await fixture.archiveCompression("\(fixture.directory.path)/store/shop/\(manifest.id)/postgres-shop.age") == "0")

        let result = try await BackupVerifier(settings: settings, store: store).verify()
        #expect(result.passed, "\(result.checks)")
        #expect(!result.checks.contains { $0.name.contains("row counts") })
        #expect(result.checks.contains { $0.name.contains("SELECT count(*) > 0 FROM users") && $0.passed })
    }

    @Test("progress estimates: a tar's exact size first, then every part's size in the newest backup")
    func progressEstimates() async throws {
        let fixture = try await Fixture()
        defer { fixture.stop() }
        let settings = fixture.settings(store: "store")
        let store = try settings.makeStore()
        let first = ProgressLog()
        let manifest = try await BackupRunner(settings: settings, store: store).run(progress: first.record)
        let files = try #require(manifest.parts.first { $0.name == "files" })
        // The tar's size is computed beside it: once known, it is exact.
        #expect(first.reports("files").allSatisfy { $0.expected == nil || $0.expected == files.plainSize })
        // Redis on the host says nothing about its RDB's size; the first run has no estimate for it.
        #expect(first.reports("redis").last?.expected == nil)
        #expect(first.reports("redis").last?.done == true)

        let second = ProgressLog()
        _ = try await BackupRunner(settings: settings, store: store).run(progress: second.record)
        for part in manifest.parts where part.name != "files" {
            #expect(second.reports(part.name).last?.expected == part.plainSize, "\(part.name)")
        }
    }

    @Test("a bit flipped in a stored file fails verify with a checksum error and keeps the backup; a damaged dump leaves no restored database")
    func bitFlip() async throws {
        let fixture = try await Fixture()
        defer { fixture.stop() }
        let settings = fixture.settings(store: "store")
        let store = try settings.makeStore()
        let manifest = try await BackupRunner(settings: settings, store: store).run()
        let path = "\(fixture.directory.path)/store/shop/\(manifest.id)/redis.age"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0x04
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let result = try await BackupVerifier(settings: settings, store: store).verify(id: manifest.id)
        #expect(!result.passed)
        let failed = result.checks.filter { !$0.passed }
        #expect(failed.count == 1)
        #expect(failed.first?.name.hasPrefix("redis") == true)
        #expect(failed.first?.detail?.contains("SHA-256") == true)
        #expect(FileManager.default.fileExists(atPath: path))
        // A damaged dump restored into a new database fails and drops that database again; an existing
        // database is never restored into.
        let dump = "\(fixture.directory.path)/store/shop/\(manifest.id)/postgres-shop.age"
        var dumpBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dump)))
        dumpBytes[dumpBytes.count - 20] ^= 0x01
        try Data(dumpBytes).write(to: URL(fileURLWithPath: dump))
        await #expect(throws: BackupError.self) {
            _ = try await BackupRestorer(settings: settings, store: store)
                .restore(id: manifest.id, source: "postgres-shop", to: fixture.directory.path + "/r", database: "shop_damaged")
        }
        #expect(try await fixture.psql("SELECT count(*) FROM pg_database WHERE datname = 'shop_damaged'", database: "postgres") == "0")
        await #expect(throws: BackupError.self) {
            _ = try await BackupRestorer(settings: settings, store: store)
                .restore(id: manifest.id, source: "postgres-shop", to: fixture.directory.path + "/r", database: "shop")
        }
        #expect(try await fixture.psql("SELECT count(*) FROM users", database: "shop") == "1500")
        // A wrong key is a clear error, not a crash or a partial restore.
        let wrong = BackupSettings(project: "shop", configuration: settings.configuration, baseDirectory: settings.baseDirectory, identityFile: "other.txt")
        try fixture.directory.write("other.txt", X25519Identity.generate().encoded)
        let error = await #expect(throws: BackupError.self) {
            _ = try await BackupRestorer(settings: wrong, store: store).restore(id: manifest.id, source: "files", to: fixture.directory.path + "/r")
        }
        #expect(error?.kind == .noMatchingIdentity)
    }

    @Test("an unreachable database fails the run, leaves nothing listed, and the next run cleans leftovers")
    func interruptedRun() async throws {
        let fixture = try await Fixture()
        defer { fixture.stop() }
        let settings = fixture.settings(store: "store")
        let store = try settings.makeStore()
        // What a run killed mid-upload leaves: a folder with a partial payload and no manifest.
        try fixture.directory.write("store/shop/20260101T020000Z-dead00/postgres-shop.age.partial", "half")
        try fixture.directory.write("store/shop/20260101T020000Z-dead00/redis.age", "whole")
        #expect(try await BackupCatalog(store: store, project: "shop").entries().isEmpty)

        fixture.postgres.stop()
        let error = await #expect(throws: BackupError.self) { _ = try await BackupRunner(settings: settings, store: store).run() }
        #expect(error?.kind == .command)
        #expect(try await BackupCatalog(store: store, project: "shop").entries().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "\(fixture.directory.path)/store/shop/20260101T020000Z-dead00"))
        let leftovers = try await store.list(prefix: "shop/")
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}

/// The same pipeline with S3 as the store.
@Suite("backup to S3 against moto", .serialized)
struct BackupToS3Tests {
    @Test("a backup to S3 verifies and prunes; a dump killed mid-upload leaves nothing listed or pending")
    func s3RoundTrip() async throws {
        let fixture = try await BackupEndToEndTests.Fixture()
        defer { fixture.stop() }
        try await S3StoreTests.withS3 { server, environment in
            let settings = fixture.settings(store: "s3://\(S3StoreTests.bucket)/prod")
            let store = try S3Store(url: settings.configuration.store, environment: environment, partSize: 5 << 20)
            let manifest = try await BackupRunner(settings: settings, store: store).run()
            let result = try await BackupVerifier(settings: settings, store: store).verify(id: manifest.id)
            #expect(result.passed, "\(result.checks)")

            // A dump that dies after 12 MiB: two parts uploaded, then the process is killed.
            var dying = settings
            dying.configuration.sources = [.files(["app"])]
            let killer = KilledDumpRunner()
            let error = await #expect(throws: BackupError.self) {
                _ = try await BackupRunner(settings: dying, store: store, runner: killer).run()
            }
            #expect(error?.kind == .command)
            let entries = try await BackupCatalog(store: store, project: "shop").entries()
            #expect(entries.map(\.manifest.id) == [manifest.id])
            #expect(try await store.pendingUploads(prefix: "shop/").isEmpty)

            // The newest verified backup survives even a policy that would keep nothing else of it.
            let plan = try await BackupPruner(store: store, project: "shop", policy: RetentionPolicy(last: 1)).prune(dryRun: false)
            #expect(plan.keep.map(\.id) == [manifest.id])
        }
    }
}

/// A runner whose dump writes 12 MiB and then dies of SIGKILL, as a dump does when the host kills it.
struct KilledDumpRunner: DumpCommandRunner {
    let local = LocalProcessRunner()
    func stream(_ command: DumpCommand, into sink: any ByteSink) async throws {
        try await local.stream(DumpCommand("sh", ["-c", "head -c 12582912 /dev/urandom; kill -KILL $$"]), into: sink)
    }
    func feed<Result>(_ command: DumpCommand, _ body: (any ByteSink) async throws -> Result) async throws -> Result {
        try await local.feed(command, body)
    }
    func capture(_ command: DumpCommand) async throws -> String { try await local.capture(command) }
}

/// The progress reports of a run, by part.
final class ProgressLog: Sendable {
    private let log = Mutex<[BackupRunner.Progress]>([])

    var record: @Sendable (BackupRunner.Progress) -> Void { { progress in self.log.withLock { $0.append(progress) } } }

    func reports(_ part: String) -> [BackupRunner.Progress] { log.withLock { $0.filter { $0.part == part } } }
}

@Suite("the row-count session that exports the dump's snapshot", .serialized)
struct SnapshotCountSessionTests {
    @Test("a session whose dump never comes ends on the server as soon as it is cancelled")
    func cancelledSessionEndsOnTheServer() async throws {
        try BackupEndToEndTests.requireTools()
        let postgres = try await ExternalServer.postgres()
        defer { postgres.stop() }
        func psql(_ sql: String) async throws -> String {
            let result = try await ProcessRunner.run([
                "psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(postgres.port), "-U", "postgres",
                "-d", "postgres", "-c", sql,
            ])
            guard result.status == 0 else { throw TestSupportError(message: "psql failed: \(result.stderr)") }
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        _ = try await psql("CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 7)")
        let counter = PostgresSnapshotCounts(
            runner: LocalProcessRunner(),
            environment: ["PGHOST": "127.0.0.1", "PGPORT": String(postgres.port), "PGUSER": "postgres", "PGDATABASE": "postgres"],
            countQuery: PostgresSource.countQuery(prefix: "count:"), backendReach: .localHost)
        let session = try await counter.start()
        #expect(try await session.counts.value == ["public.items": 7])
        let waiting = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_stat_clear_snapshot%' AND pid <> pg_backend_pid()"
        #expect(try await psql(waiting) == "1")

        // The counting backend runs at the lowest CPU priority, so on busy cores it takes only what the dump leaves.
        let backend = try await psql(
            "SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_stat_clear_snapshot%' AND pid <> pg_backend_pid()")
        var niceness = ""
        for _ in 0..<40 where niceness != "19" {
            niceness = try await ProcessRunner.run(["ps", "-o", "ni=", "-p", backend]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            if niceness != "19" { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(niceness == "19", "backend \(backend)")

        // The dump failed to start: the runner cancels the session, and the server-side wait (60 s) ends with it.
        session.task.cancel()
        var remaining = "1"
        for _ in 0..<50 where remaining != "0" {
            try await Task.sleep(for: .milliseconds(100))
            remaining = try await psql(waiting)
        }
        #expect(remaining == "0", "the session still waits on the server 5 s after its client was cancelled")
    }
}
