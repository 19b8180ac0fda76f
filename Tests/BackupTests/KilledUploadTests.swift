import Foundation
import Testing
import TestSupport

@testable import Backup

/// The real binary, killed with SIGKILL in the middle of a multipart upload to S3.
@Suite("backup run killed mid-upload", .serialized)
struct KilledUploadTests {
    static let exitTimeout: Double = 10
    static let runTimeout: Double = 180

    @Test("SIGKILL during the upload: list shows nothing, the next run aborts the pending upload and leaves one backup")
    func killedDuringMultipartUpload() async throws {
        try await S3StoreTests.withS3 { _, environment in
            let directory = try TemporaryDirectory(prefix: "killed")
            defer { directory.remove() }
            let upload = try await HeldUpload.start(in: directory, environment: environment)
            let (store, run, pending) = (upload.store, upload.run, upload.pending)
            defer { upload.release(); run.stop() }
            run.signal(SIGKILL)
            #expect(await run.waitForExit(timeout: Self.exitTimeout) == 128 + SIGKILL)

            // What it left: a pending multipart upload and no manifest, so nothing listed.
            upload.release()
            #expect(try await store.pendingUploads(prefix: "shop/").map(\.key) == pending.map(\.key))
            let list = try await ProcessRunner.run(
                [try ShipshapeProcess.binaryPath(), "backup", "list", "-c", "shipshape.yml"], environment: environment,
                currentDirectory: directory.path)
            #expect(list.status == 0, "\(list.stderr)")
            #expect(list.stdout.contains("no complete backups"), "\(list.stdout)")

            // The next run takes over the dead run's lock, cleans up and completes.
            let next = try ShipshapeProcess(["backup", "run", "--json", "-c", "shipshape.yml"], directory: directory.path, environment: environment)
            defer { next.stop() }
            #expect(await next.waitForExit(timeout: Self.runTimeout) == 0, "\(next.output)")
            #expect(try await store.pendingUploads(prefix: "shop/").isEmpty)
            let entries = try await BackupCatalog(store: store, project: "shop").entries()
            #expect(entries.count == 1)
            let id = try #require(entries.first?.manifest.id)
            let stray = try await store.list(prefix: "shop/").filter { !$0.key.hasPrefix("shop/\(id)/") }
            #expect(stray.isEmpty, "\(stray)")
        }
    }
}
