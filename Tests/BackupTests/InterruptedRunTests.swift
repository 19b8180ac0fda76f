import Foundation
import Testing
import TestSupport

@testable import Backup

/// The real binary, stopped with SIGTERM or SIGINT (systemd, `docker stop`, Ctrl-C) in the middle of a
/// multipart upload: it must stop its tools and clean up before exiting, not leave that to the next run.
@Suite("backup run interrupted by a signal", .serialized)
struct InterruptedRunTests {
    @Test("SIGTERM or SIGINT mid-upload: the tool is stopped, the upload aborted, the lock released; exit 128+N", arguments: [SIGTERM, SIGINT])
    func interruptedDuringUpload(signal: Int32) async throws {
        try await S3StoreTests.withS3 { _, environment in
            let directory = try TemporaryDirectory(prefix: "interrupted")
            defer { directory.remove() }
            let upload = try await HeldUpload.start(in: directory, environment: environment)
            let (store, run) = (upload.store, upload.run)
            defer { upload.release(); run.stop() }

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
