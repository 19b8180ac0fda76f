import Foundation
import ShipshapeCore
import Testing
import TestSupport

@testable import Backup

/// Names that come from outside (database names, manifests, ids typed by a user) never make a backup or a
/// restore read or write outside the store's or `--to`'s folder.
@Suite("backup paths stay inside the store and the restore directory", .serialized)
struct PathSafetyTests {
    @Test("a database named x/../../../../escaped is stored and restored under a one-component part name")
    func databaseNameWithSlashes() async throws {
        let fixture = try await BackupEndToEndTests.Fixture()
        defer { fixture.stop() }
        let database = "x/../../../../escaped"
        try await fixture.psql("CREATE DATABASE \"\(database)\"", database: "postgres")
        var settings = fixture.settings(store: "store", checks: [])
        // databases: [] = every database, the name comes from the server.
        settings.configuration.sources = [.postgres(.init(host: "127.0.0.1", port: fixture.postgres.port, databases: [], rowCounts: false))]
        let store = try settings.makeStore()
        let manifest = try await BackupRunner(settings: settings, store: store).run()

        let part = try #require(manifest.parts.first { $0.database == database }, "\(manifest.parts.map(\.name))")
        #expect(part.name == "postgres-x%2F..%2F..%2F..%2F..%2Fescaped")
        let root = fixture.directory.path
        let folder = try FileManager.default.contentsOfDirectory(atPath: "\(root)/store/shop/\(manifest.id)")
        #expect(Set(folder) == Set(manifest.parts.map(\.file) + ["manifest.json"]))
        #expect(!FileManager.default.fileExists(atPath: "\(root)/escaped.age"))

        let target = "\(root)/r/a/b"
        let restored = try await BackupRestorer(settings: settings, store: store).restore(id: manifest.id, source: part.name, to: target)
        #expect(restored.map(\.destination) == ["\(target)/\(part.name).pgdump"])
        #expect(FileManager.default.fileExists(atPath: "\(target)/\(part.name).pgdump"))
        #expect(!FileManager.default.fileExists(atPath: "\(root)/escaped.pgdump"))
        // The dump is the right database's: the manifest kept its real name.
        let listing = try await ProcessRunner.run(["pg_restore", "-l", "\(target)/\(part.name).pgdump"])
        #expect(listing.stdout.contains("dbname: \(database)"), "\(listing.stdout.prefix(400))")
    }

    /// A files-only project, backed up once; returns its settings, store and the backup's id.
    static func filesBackup(_ directory: TemporaryDirectory, store path: String = "store") async throws -> (BackupSettings, any BackupStore, String) {
        let identity = X25519Identity.generate()
        try directory.write("key.txt", identity.encoded + "\n")
        try directory.write("data/a.txt", "hello")
        let settings = BackupSettings(
            project: "shop",
            configuration: BackupConfiguration(
                store: path, encryption: .recipients([identity.recipient.description]), sources: [.files(["data"])]),
            baseDirectory: directory.path, identityFile: "key.txt")
        let store = try settings.makeStore()
        return (settings, store, try await BackupRunner(settings: settings, store: store).run().id)
    }

    @Test("a manifest edited to name a part ../../escaped is refused by restore and verify; nothing is written outside --to",
          arguments: ["name", "file"])
    func editedManifest(field: String) async throws {
        let directory = try TemporaryDirectory(prefix: "pathmanifest")
        defer { directory.remove() }
        let (settings, store, id) = try await Self.filesBackup(directory)
        let manifestPath = "\(directory.path)/store/shop/\(id)/manifest.json"
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifestPath))) as? [String: Any])
        var parts = try #require(json["parts"] as? [[String: Any]])
        parts[0][field] = field == "name" ? "../../escaped" : "../../escaped.age"
        json["parts"] = parts
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: manifestPath))

        let target = "\(directory.path)/r/a"
        let error = await #expect(throws: BackupError.self) {
            _ = try await BackupRestorer(settings: settings, store: store).restore(id: id, source: nil, to: target)
        }
        #expect(error?.userMessage.contains("names a part '../../escaped") == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: "\(directory.path)/escaped"))
        #expect(!FileManager.default.fileExists(atPath: "\(directory.path)/r/escaped"))
        await #expect(throws: BackupError.self) { _ = try await BackupVerifier(settings: settings, store: store).verify(id: id) }
    }

    @Test("an id with a path in it (../../other/store/shop/ID) is refused by restore and verify instead of reading another store")
    func idWithPath() async throws {
        let directory = try TemporaryDirectory(prefix: "pathid")
        defer { directory.remove() }
        let (settings, store, _) = try await Self.filesBackup(directory)
        let (_, _, otherID) = try await Self.filesBackup(directory, store: "other/store")
        let id = "../../other/store/shop/\(otherID)"
        let target = "\(directory.path)/r"
        let error = await #expect(throws: BackupError.self) {
            _ = try await BackupRestorer(settings: settings, store: store).restore(id: id, source: nil, to: target)
        }
        #expect(error?.userMessage.contains("'\(id)' is not a backup id") == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: "\(target)/files"))
        let verifyError = await #expect(throws: BackupError.self) {
            _ = try await BackupVerifier(settings: settings, store: store).verify(id: id)
        }
        #expect(verifyError?.userMessage.contains("is not a backup id") == true)
        #expect(!FileManager.default.fileExists(atPath: "\(directory.path)/other/store/shop/\(otherID)/verification.json"))
    }
}
