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
}
