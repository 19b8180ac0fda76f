import Foundation
import ShipshapeCore
import Testing
import TestSupport

@testable import Backup

/// `restore` options as a user gives them.
@Suite("restore options", .serialized)
struct RestoreOptionsTests {
    @Test("--database without --source on a backup of two databases is refused before anything is restored")
    func databaseNeedsSourceWithSeveralDumps() async throws {
        let fixture = try await BackupEndToEndTests.Fixture()
        defer { fixture.stop() }
        try await fixture.psql("CREATE DATABASE shop2", database: "postgres")
        var settings = fixture.settings(store: "store", checks: [])
        settings.configuration.sources = [
            .postgres(.init(host: "127.0.0.1", port: fixture.postgres.port, databases: ["shop", "shop2"], rowCounts: false))
        ]
        let store = try settings.makeStore()
        let manifest = try await BackupRunner(settings: settings, store: store).run()
        let target = "\(fixture.directory.path)/r"
        let error = await #expect(throws: BackupError.self) {
            _ = try await BackupRestorer(settings: settings, store: store).restore(id: manifest.id, source: nil, to: target, database: "newdb")
        }
        #expect(error?.userMessage.contains("holds 2 PostgreSQL dumps (postgres-shop, postgres-shop2)") == true, "\(String(describing: error))")
        #expect(error?.userMessage.contains("--source") == true)
        #expect(try await fixture.psql("SELECT count(*) FROM pg_database WHERE datname = 'newdb'", database: "postgres") == "0")
        #expect(!FileManager.default.fileExists(atPath: target))
        // With --source it restores that one.
        _ = try await BackupRestorer(settings: settings, store: store).restore(id: manifest.id, source: "postgres-shop", to: target, database: "newdb")
        #expect(try await fixture.psql("SELECT count(*) FROM users", database: "newdb") == "1500")
    }

    @Test("--database on a backup without a PostgreSQL dump is an error that names its sources; nothing is restored")
    func databaseWithoutDump() async throws {
        let project = try BackupCommandTests.FilesProject(prefix: "nodump", data: "hello")
        defer { project.directory.remove() }
        let run = try await project.shipshape("run", "--json")
        let id = try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["id"] as? String)
        let restore = try await project.shipshape("restore", id, "--database", "x", "--to", "r4")
        #expect(restore.status != 0)
        #expect(restore.stderr.contains("holds no PostgreSQL dump to restore into database x"), "\(restore.stderr)")
        #expect(restore.stderr.contains("Its sources are: files"), "\(restore.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(project.path)/r4"))
    }

    @Test("--to and --identity are relative to the current directory, not to the config file's")
    func commandLinePathsFromCurrentDirectory() async throws {
        let directory = try TemporaryDirectory(prefix: "relpaths")
        defer { directory.remove() }
        let identity = X25519Identity.generate()
        try directory.write("app/secrets/backup.key", identity.encoded + "\n")
        try directory.write("app/data/a.txt", "hello")
        try directory.write(
            "app/shipshape.yml",
            """
            project: shop
            backup:
              store: store
              encryption: { recipients: [\(identity.recipient.description)] }
              sources:
                - files: [data]
            """)
        let run = try await ShipshapeProcess.run(["backup", "run", "--json", "-c", "app/shipshape.yml"], in: directory.path)
        let manifest = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let id = try #require(manifest?["id"] as? String, "\(run.stdout)\(run.stderr)")

        let verify = try await ShipshapeProcess.run(
            ["backup", "verify", "-c", "app/shipshape.yml", "--identity", "app/secrets/backup.key"], in: directory.path)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let restore = try await ShipshapeProcess.run(
            ["backup", "restore", id, "-c", "app/shipshape.yml", "--identity", "app/secrets/backup.key", "--to", "out"], in: directory.path)
        #expect(restore.status == 0, "\(restore.stdout)\(restore.stderr)")
        #expect(restore.stdout.contains("files → \(directory.path)/out/files"), "\(restore.stdout)")
        #expect(try String(contentsOfFile: "\(directory.path)/out/files/data/a.txt", encoding: .utf8) == "hello")
        #expect(!FileManager.default.fileExists(atPath: "\(directory.path)/app/out"))
    }

    @Test("a SQL_ASCII database holding a 0xE9 byte verifies and restores into a database of its own encoding")
    func nonUTF8Database() async throws {
        let fixture = try await BackupEndToEndTests.Fixture()
        defer { fixture.stop() }
        // The server's default is UTF8, which rejects the byte 0xE9 alone.
        try await fixture.psql("CREATE DATABASE legacy TEMPLATE template0 ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'", database: "postgres")
        try await fixture.psql("CREATE TABLE users (name text); INSERT INTO users VALUES (E'caf\\xe9')", database: "legacy")
        var settings = fixture.settings(store: "store")
        settings.configuration.sources = [.postgres(.init(host: "127.0.0.1", port: fixture.postgres.port, databases: ["legacy"]))]
        let store = try settings.makeStore()
        let manifest = try await BackupRunner(settings: settings, store: store).run()
        #expect(manifest.parts.first?.databaseEncoding == DatabaseEncoding(encoding: "SQL_ASCII", collate: "C", ctype: "C"))

        let result = try await BackupVerifier(settings: settings, store: store).verify(id: manifest.id)
        #expect(result.passed, "\(result.checks)")
        _ = try await BackupRestorer(settings: settings, store: store)
            .restore(id: manifest.id, source: "postgres-legacy", to: fixture.directory.path + "/r", database: "legacy_copy")
        #expect(try await fixture.psql("SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'legacy_copy'", database: "postgres") == "SQL_ASCII")
        #expect(try await fixture.psql("SELECT encode(convert_to(name, 'SQL_ASCII'), 'hex') FROM users", database: "legacy_copy") == "636166e9")
    }

    @Test("--database keeps the dumped owners, so the app's role can use its tables again; keepsOwners off (--no-owner) gives them to the restoring user")
    func ownersKept() async throws {
        let fixture = try await BackupEndToEndTests.Fixture()
        defer { fixture.stop() }
        try await fixture.psql("CREATE ROLE app_user LOGIN; ALTER TABLE users OWNER TO app_user; ALTER SEQUENCE users_id_seq OWNER TO app_user", database: "shop")
        var settings = fixture.settings(store: "store")
        settings.configuration.sources = [.postgres(.init(host: "127.0.0.1", port: fixture.postgres.port, databases: ["shop"]))]
        let store = try settings.makeStore()
        let manifest = try await BackupRunner(settings: settings, store: store).run()

        var restorer = BackupRestorer(settings: settings, store: store)
        _ = try await restorer.restore(id: manifest.id, source: "postgres-shop", to: fixture.directory.path + "/r", database: "shop_copy")
        #expect(try await fixture.psql("SELECT tableowner FROM pg_tables WHERE tablename = 'users'", database: "shop_copy") == "app_user")
        let insert = try await ProcessRunner.run([
            "psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(fixture.postgres.port), "-U", "app_user",
            "-d", "shop_copy", "-c", "INSERT INTO users (name) VALUES ('after the restore') RETURNING id",
        ])
        #expect(insert.status == 0, "the app's role writes to its restored table: \(insert.stderr)")

        restorer.keepsOwners = false
        _ = try await restorer.restore(id: manifest.id, source: "postgres-shop", to: fixture.directory.path + "/r2", database: "shop_plain")
        #expect(try await fixture.psql("SELECT tableowner FROM pg_tables WHERE tablename = 'users'", database: "shop_plain") == "postgres")
    }
}
