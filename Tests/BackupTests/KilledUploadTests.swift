import Foundation
import Testing
import TestSupport

@testable import Backup

/// The real binary, killed with SIGKILL in the middle of a multipart upload to S3.
@Suite("backup run killed mid-upload", .serialized)
struct KilledUploadTests {
    /// Large enough for many 8 MiB parts, so the upload is seen in progress.
    static let payloadBytes = 64 << 20
    static let pollInterval: Duration = .milliseconds(100)
    /// How long each look at the run's exit waits.
    static let exitPoll = 0.01
    /// The slowed tar passes 1 MiB every 0.1 s (~10 MB/s): the 64 MiB upload stays open for seconds.
    static let throttleChunk = 1 << 20
    static let throttlePause = 0.1
    /// Upper bound on waiting for the upload to start (a loaded machine builds and signs slowly).
    static let startTimeout: Duration = .seconds(180)
    static let exitTimeout: Double = 10
    static let runTimeout: Double = 180

    @Test("SIGKILL during the upload: list shows nothing, the next run aborts the pending upload and leaves one backup")
    func killedDuringMultipartUpload() async throws {
        try await S3StoreTests.withS3 { _, environment in
            let directory = try TemporaryDirectory(prefix: "killed")
            defer { directory.remove() }
            let generated = try ProcessRunner.run([
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

            // The real tar, slowed down, so the upload is still running when the test (sharing a loaded machine
            // with the other suites) gets to look; the second run uses the plain one.
            try directory.write(
                "slow/tar",
                """
                #!/bin/sh
                /usr/bin/tar "$@" | python3 -c '
                import sys, time
                while chunk := sys.stdin.buffer.read(\(Self.throttleChunk)):
                    sys.stdout.buffer.write(chunk); sys.stdout.buffer.flush(); time.sleep(\(Self.throttlePause))
                '
                """)
            chmod("\(directory.path)/slow/tar", 0o755)
            var slowed = environment
            slowed["PATH"] = "\(directory.path)/slow:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            let run = try ShipshapeProcess(["backup", "run", "-c", "shipshape.yml"], directory: directory.path, environment: slowed)
            defer { run.stop() }
            let clock = ContinuousClock()
            let deadline = clock.now + Self.startTimeout
            var pending: [(key: String, uploadID: String)] = []
            while pending.isEmpty, clock.now < deadline, run.waitForExit(timeout: Self.exitPoll) == nil {
                try await Task.sleep(for: Self.pollInterval)
                pending = try await store.pendingUploads(prefix: "shop/")
            }
            try #require(!pending.isEmpty, "the upload never started: \(run.output)")
            run.signal(SIGKILL)
            #expect(run.waitForExit(timeout: Self.exitTimeout) == 128 + SIGKILL)

            // What it left: a pending multipart upload (or, when the kill landed just after the last part was
            // completed, an unlisted data object), and no manifest, so nothing listed.
            let pendingAfterKill = try await store.pendingUploads(prefix: "shop/")
            let objectsAfterKill = try await store.list(prefix: "shop/").filter { !$0.key.hasSuffix("/lock.json") }
            #expect(!pendingAfterKill.isEmpty || !objectsAfterKill.isEmpty, "the killed run left nothing to clean up: \(run.output)")
            let list = try ProcessRunner.run(
                [try ShipshapeProcess.binaryPath(), "backup", "list", "-c", "shipshape.yml"], environment: environment,
                currentDirectory: directory.path)
            #expect(list.status == 0, "\(list.stderr)")
            #expect(list.stdout.contains("no complete backups"), "\(list.stdout)")

            // The next run takes over the dead run's lock, cleans up and completes.
            let next = try ShipshapeProcess(["backup", "run", "--json", "-c", "shipshape.yml"], directory: directory.path, environment: environment)
            defer { next.stop() }
            #expect(next.waitForExit(timeout: Self.runTimeout) == 0, "\(next.output)")
            #expect(try await store.pendingUploads(prefix: "shop/").isEmpty)
            let entries = try await BackupCatalog(store: store, project: "shop").entries()
            #expect(entries.count == 1)
            let id = try #require(entries.first?.manifest.id)
            let stray = try await store.list(prefix: "shop/").filter { !$0.key.hasPrefix("shop/\(id)/") }
            #expect(stray.isEmpty, "\(stray)")
        }
    }
}
