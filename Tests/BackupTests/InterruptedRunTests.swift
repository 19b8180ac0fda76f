import Foundation
import Testing
import TestSupport

@testable import Backup

/// The real binary, stopped with SIGTERM or SIGINT (systemd, `docker stop`, Ctrl-C) in the middle of a
/// multipart upload: it must stop its tools and clean up before exiting, not leave that to the next run.
@Suite("backup run interrupted by a signal", .serialized)
struct InterruptedRunTests {
    /// Three 8 MiB parts and a remainder: the multipart upload has begun before the tar stream ends.
    static let payloadBytes = 28 << 20
    static let startTimeout: Double = 180

    @Test("SIGTERM or SIGINT mid-upload: the tool is stopped, the upload aborted, the lock released; exit 128+N", arguments: [SIGTERM, SIGINT])
    func interruptedDuringUpload(signal: Int32) async throws {
        try await S3StoreTests.withS3 { _, environment in
            let directory = try TemporaryDirectory(prefix: "interrupted")
            defer { directory.remove() }
            let generated = try await ProcessRunner.run([
                "sh", "-c", "mkdir -p \"$0/data\" && head -c \(Self.payloadBytes) /dev/urandom > \"$0/data/big.bin\"", directory.path,
            ])
            try #require(generated.status == 0, "\(generated.stderr)")
            let recipient = X25519Identity.generate().recipient.description
            try directory.write(
                "shipshape.yml",
                """
                project: shop
                backup:
                  store: s3://\(S3StoreTests.bucket)/prod
                  encryption: { recipients: [\(recipient)] }
                  sources:
                    - files: [data]
                """)
            let store = try S3Store(url: "s3://\(S3StoreTests.bucket)/prod", environment: environment)
            // The real tar, whose stream then stays open: the run is still uploading when the signal comes.
            try directory.write(
                "held/tar",
                """
                #!/bin/sh
                /usr/bin/tar "$@" || exit
                while :; do sleep 0.1; done
                """)
            chmod("\(directory.path)/held/tar", 0o755)
            var held = environment
            held["PATH"] = "\(directory.path)/held:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            let run = try ShipshapeProcess(["backup", "run", "-c", "shipshape.yml"], directory: directory.path, environment: held)
            defer { run.stop() }
            let deadline = ContinuousClock.now + .seconds(Self.startTimeout)
            var pending: [(key: String, uploadID: String)] = []
            while pending.isEmpty, ContinuousClock.now < deadline, await run.waitForExit(timeout: 0) == nil {
                try await Task.sleep(for: .milliseconds(100))
                pending = try await store.pendingUploads(prefix: "shop/")
            }
            try #require(!pending.isEmpty, "the upload never started: \(run.output)")

            run.signal(signal)
            #expect(await run.waitForExit(timeout: 20) == 128 + signal, "\(run.output)")
            #expect(run.output.contains("Error: interrupted by SIG"), "\(run.output)")
            // Cleaned up by the run itself: no pending upload, no lock, no object at all; the tool is gone.
            #expect(try await store.pendingUploads(prefix: "shop/").isEmpty)
            #expect(try await store.list(prefix: "shop/").map(\.key) == [])
            let tools = try await ProcessRunner.run(["pgrep", "-f", "\(directory.path)/held/tar"])
            #expect(tools.stdout.isEmpty, "the held tar still runs: \(tools.stdout)")
        }
    }
}
