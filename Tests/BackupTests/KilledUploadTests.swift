import Foundation
import Testing
import TestSupport

@testable import Backup

/// The real binary, killed with SIGKILL in the middle of a multipart upload to S3.
@Suite("backup run killed mid-upload", .serialized)
struct KilledUploadTests {
    /// Three 8 MiB parts and a remainder: the multipart upload has begun before the tar stream ends.
    static let payloadBytes = 28 << 20
    static let pollInterval: Duration = .milliseconds(100)
    /// Upper bound on waiting for the upload to start (a loaded machine builds and signs slowly).
    static let startTimeout: Double = 180
    static let exitTimeout: Double = 10
    static let runTimeout: Double = 180

    @Test("SIGKILL during the upload: list shows nothing, the next run aborts the pending upload and leaves one backup")
    func killedDuringMultipartUpload() async throws {
        try await S3StoreTests.withS3 { _, environment in
            let directory = try TemporaryDirectory(prefix: "killed")
            defer { directory.remove() }
            let generated = try await ProcessRunner.run([
                "sh", "-c", "mkdir -p \"$0/data\" && head -c \(Self.payloadBytes) /dev/urandom > \"$0/data/big.bin\"", directory.path,
            ])
            try #require(generated.status == 0, "\(generated.stderr)")
            // An X25519 recipient: a passphrase's scrypt would only slow the debug binary's start.
            let recipient = X25519Identity.generate().recipient.description
            try directory.write(
                "shipshape.yml",
                """
                project: shop
                backup:
                  store: s3://\(S3StoreTests.bucket)/prod
                  encryption: { recipients: [\(recipient)] }
                  retention: { daily: 7 }
                  sources:
                    - files: [data]
                """)
            let store = try S3Store(url: "s3://\(S3StoreTests.bucket)/prod", environment: environment)

            // The real tar, whose stream then stays open until the test releases it: the run is still uploading
            // however long a loaded machine takes to look, and is killed in the middle of the multipart upload.
            let release = "\(directory.path)/release"
            try directory.write(
                "held/tar",
                """
                #!/bin/sh
                /usr/bin/tar "$@" || exit
                while [ ! -e '\(release)' ]; do sleep 0.1; done
                """)
            chmod("\(directory.path)/held/tar", 0o755)
            defer { _ = FileManager.default.createFile(atPath: release, contents: nil) }
            var held = environment
            held["PATH"] = "\(directory.path)/held:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            let run = try ShipshapeProcess(["backup", "run", "-c", "shipshape.yml"], directory: directory.path, environment: held)
            defer { run.stop() }
            let deadline = ContinuousClock.now + .seconds(Self.startTimeout)
            var pending: [(key: String, uploadID: String)] = []
            while pending.isEmpty, ContinuousClock.now < deadline, await run.waitForExit(timeout: 0) == nil {
                try await Task.sleep(for: Self.pollInterval)
                pending = try await store.pendingUploads(prefix: "shop/")
            }
            try #require(!pending.isEmpty, "the upload never started: \(run.output)")
            run.signal(SIGKILL)
            #expect(await run.waitForExit(timeout: Self.exitTimeout) == 128 + SIGKILL)

            // What it left: a pending multipart upload and no manifest, so nothing listed.
            _ = FileManager.default.createFile(atPath: release, contents: nil)
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
