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
}
