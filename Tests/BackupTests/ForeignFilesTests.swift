import Foundation
import ShipshapeCore
import Testing
import TestSupport

@testable import Backup

/// A store's project folder may hold things that are not backups (a `.git`, someone's uploads): only folders
/// named like a backup id are ever listed, cleaned up or pruned.
@Suite("folders that are not backups are never touched", .serialized)
struct ForeignFilesTests {
    /// Files that are not backups, placed under `<store>/shop/`; keys relative to the store.
    static let foreign = [
        "shop/uploads/2026/photo.jpg": "jpeg",
        "shop/.git/config": "[core]",
        // A folder that even has a manifest-like file: not a backup id, so not a backup.
        "shop/notes/manifest.json": "not json",
    ]

    static func settings(_ directory: TemporaryDirectory, store: String) throws -> BackupSettings {
        try directory.write("data/a.txt", "hello")
        return BackupSettings(
            project: "shop",
            configuration: BackupConfiguration(
                store: store, encryption: .recipients([X25519Identity.generate().recipient.description]),
                retention: .init(last: 1), sources: [.files(["data"])]),
            baseDirectory: directory.path)
    }

    /// Runs, lists and prunes twice, then checks every foreign object is still there with its content.
    static func runListAndPrune(_ settings: BackupSettings, store: any BackupStore) async throws {
        for (key, content) in foreign { try await store.put(key: key, bytes: Array(content.utf8)) }
        let first = try await BackupRunner(settings: settings, store: store).run()
        let second = try await BackupRunner(settings: settings, store: store).run(now: Date().addingTimeInterval(1))
        let entries = try await BackupCatalog(store: store, project: "shop").entries()
        #expect(entries.map(\.manifest.id) == [second.id, first.id])
        let plan = try await BackupPruner(store: store, project: "shop", policy: RetentionPolicy(last: 1)).prune(dryRun: false)
        #expect(plan.remove == [first.id])
        for (key, content) in foreign {
            #expect(String(decoding: try await store.get(key: key), as: UTF8.self) == content, "\(key)")
        }
    }

    @Test("a directory store: backup run, list and prune leave .git and uploads folders and their files alone")
    func directoryStore() async throws {
        let directory = try TemporaryDirectory(prefix: "foreign")
        defer { directory.remove() }
        let settings = try Self.settings(directory, store: "store")
        try await Self.runListAndPrune(settings, store: try settings.makeStore())
        #expect(FileManager.default.fileExists(atPath: "\(directory.path)/store/shop/uploads/2026/photo.jpg"))
    }

    @Test("an S3 store: foreign objects and a foreign pending multipart upload survive backup run and prune")
    func s3Store() async throws {
        try await S3StoreTests.withS3 { _, environment in
            let directory = try TemporaryDirectory(prefix: "foreigns3")
            defer { directory.remove() }
            let settings = try Self.settings(directory, store: "s3://\(S3StoreTests.bucket)/prod")
            let store = try S3Store(url: settings.configuration.store, environment: environment, partSize: 5 << 20)
            // Someone else's upload in progress under the project's prefix.
            let upload = try await store.makeWriter(key: "shop/uploads/big.bin")
            try await upload.write([UInt8](repeating: 7, count: 6 << 20)[...])
            try await Self.runListAndPrune(settings, store: store)
            #expect(try await store.pendingUploads(prefix: "shop/").map(\.key) == ["shop/uploads/big.bin"])
            await upload.abort()
        }
    }
}
