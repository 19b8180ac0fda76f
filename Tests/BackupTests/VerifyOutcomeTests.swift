import Foundation
import ShipshapeCore
import Testing
import TestSupport

@testable import Backup

/// What `verify` records: damage is a failed verification; an operator's mistake is an error and records nothing.
@Suite("verify outcomes", .serialized)
struct VerifyOutcomeTests {
    @Test("verify with a key that decrypts nothing fails with the error and keeps the earlier good result; header damage is still recorded as failed")
    func wrongKeyRecordsNothing() async throws {
        let fixture = try await BackupEndToEndTests.Fixture()
        defer { fixture.stop() }
        let settings = fixture.settings(store: "store")
        let store = try settings.makeStore()
        let manifest = try await BackupRunner(settings: settings, store: store).run()
        #expect(try await BackupVerifier(settings: settings, store: store).verify(id: manifest.id).passed)

        try fixture.directory.write("other.txt", X25519Identity.generate().encoded)
        let wrong = BackupSettings(project: "shop", configuration: settings.configuration, baseDirectory: settings.baseDirectory, identityFile: "other.txt")
        let error = await #expect(throws: BackupError.self) { _ = try await BackupVerifier(settings: wrong, store: store).verify(id: manifest.id) }
        #expect(error?.kind == .noMatchingIdentity)
        #expect(error?.userMessage.hasPrefix("None of the configured identities can decrypt") == true)
        let entry = try #require(try await BackupCatalog(store: store, project: "shop").entries().first)
        #expect(entry.verification?.passed == true, "the good result was overwritten")
        // The scratch database made before the key was found wrong is gone.
        #expect(try await fixture.psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'shipshape_verify_%'", database: "postgres") == "0")
        // Prune still protects the newest verified backup.
        let plan = try await BackupPruner(store: store, project: "shop", policy: RetentionPolicy(last: 1)).prune(dryRun: true)
        #expect(plan.keep.map(\.id) == [manifest.id])

        // A byte changed in the recipients' stanza also makes the key unusable, but the checksum shows it is damage.
        let path = "\(fixture.directory.path)/store/shop/\(manifest.id)/redis.age"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let stanza = try #require(bytes.firstIndex(of: UInt8(ascii: "\n")))
        bytes[stanza + 12] = bytes[stanza + 12] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let damaged = try await BackupVerifier(settings: settings, store: store).verify(id: manifest.id)
        #expect(!damaged.passed)
        #expect(damaged.checks.contains { !$0.passed && $0.detail?.contains("has SHA-256") == true }, "\(damaged.checks)")
        #expect(try await BackupCatalog(store: store, project: "shop").entries().first?.verification?.passed == false)
    }

    @Test("row counts of \"a.b\".c, a.\"b.c\" and \"pipe|name\" are kept apart; a mismatch names both counts; a failing check shows the server's error")
    func rowCountDetails() async throws {
        let fixture = try await BackupEndToEndTests.Fixture()
        defer { fixture.stop() }
        try await fixture.psql(
            """
            CREATE SCHEMA "a.b"; CREATE SCHEMA a;
            CREATE TABLE "a.b".c (id int); INSERT INTO "a.b".c SELECT generate_series(1, 3);
            CREATE TABLE a."b.c" (id int); INSERT INTO a."b.c" SELECT generate_series(1, 5);
            CREATE TABLE "pipe|name" (id int); INSERT INTO "pipe|name" SELECT generate_series(1, 7);
            """, database: "shop")
        var settings = fixture.settings(store: "store", checks: ["SELECT count(*) > 0 FROM users", "SELECT count(*) > 0 FROM nope"])
        settings.configuration.sources = [.postgres(.init(host: "127.0.0.1", port: fixture.postgres.port, databases: ["shop"]))]
        let store = try settings.makeStore()
        let manifest = try await BackupRunner(settings: settings, store: store).run()
        let counts = try #require(manifest.parts.first?.rowCounts)
        #expect(counts == [
            "public.users": 1500, "public.orders": 42, "\"a.b\".c": 3, "a.\"b.c\"": 5, "public.\"pipe|name\"": 7,
        ])

        let result = try await BackupVerifier(settings: settings, store: store).verify(id: manifest.id)
        #expect(result.checks.contains { $0.name == "postgres-shop: row counts of 5 tables" && $0.passed }, "\(result.checks)")
        let failing = try #require(result.checks.first { $0.name.hasSuffix("FROM nope") })
        #expect(!failing.passed)
        #expect(failing.detail == "returned an error: ERROR:  relation \"nope\" does not exist", "\(String(describing: failing.detail))")

        // A count that differs is shown with both numbers; a manifest with the keys written before names were quoted
        // still compares.
        let manifestPath = "\(fixture.directory.path)/store/shop/\(manifest.id)/manifest.json"
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifestPath))) as? [String: Any])
        var parts = try #require(json["parts"] as? [[String: Any]])
        parts[0]["row_counts"] = ["public.users": 1499, "public.pipe|name": 7, "a.b.c": 3]
        json["parts"] = parts
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: manifestPath))
        let edited = try await BackupVerifier(settings: settings, store: store).verify(id: manifest.id)
        let rows = try #require(edited.checks.first { $0.name.contains("row counts") })
        #expect(rows.detail == "differ for public.users (manifest 1499, restored 1500)", "\(String(describing: rows.detail))")
    }

    @Test("the count parser and the old-key mapping")
    func countParsing() {
        #expect(PostgresSource.parseCount("7|public.\"pipe|name\"") ?? ("", 0) == ("public.\"pipe|name\"", 7))
        #expect(PostgresSource.parseCount("x|public.t") == nil)
        #expect(PostgresSource.legacyKey("\"a.b\".c") == "a.b.c")
        #expect(PostgresSource.legacyKey("public.\"say \"\"hi\"\"\"") == "public.say \"hi\"")
        #expect(PostgresSource.legacyKey("public.users") == "public.users")
    }
}
