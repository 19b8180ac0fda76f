import Foundation
import Testing
import TestSupport

@testable import Backup

/// The real binary running `backup run` of a 28 MiB files source to S3, held in the middle of its multipart
/// upload: the real tar's stream stays open until `release()`, so the run is still uploading however long a
/// loaded machine takes to look at it.
struct HeldUpload {
    /// Three 8 MiB parts and a remainder: the multipart upload has begun before the tar stream ends.
    static let payloadBytes = 28 << 20
    /// Upper bound on waiting for the upload to start (a loaded machine builds and signs slowly).
    static let startTimeout: Double = 180

    let directory: TemporaryDirectory
    let store: S3Store
    let run: ShipshapeProcess
    /// The multipart uploads in progress once the run was seen uploading.
    let pending: [(key: String, uploadID: String)]

    /// Lets the held tar end (the run then finishes its upload, unless it was stopped).
    func release() { _ = FileManager.default.createFile(atPath: directory.path + "/release", contents: nil) }

    /// Writes the project into `directory`, starts the run and returns once its multipart upload has begun.
    static func start(in directory: TemporaryDirectory, environment: [String: String]) async throws -> HeldUpload {
        let generated = try await ProcessRunner.run([
            "sh", "-c", "mkdir -p \"$0/data\" && head -c \(payloadBytes) /dev/urandom > \"$0/data/big.bin\"", directory.path,
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
        try directory.write(
            "held/tar",
            """
            #!/bin/sh
            /usr/bin/tar "$@" || exit
            while [ ! -e '\(directory.path)/release' ]; do sleep 0.1; done
            """)
        chmod("\(directory.path)/held/tar", 0o755)
        var held = environment
        held["PATH"] = "\(directory.path)/held:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let run = try ShipshapeProcess(["backup", "run", "-c", "shipshape.yml"], directory: directory.path, environment: held)
        let deadline = ContinuousClock.now + .seconds(startTimeout)
        var pending: [(key: String, uploadID: String)] = []
        while pending.isEmpty, ContinuousClock.now < deadline, await run.waitForExit(timeout: 0) == nil {
            try await Task.sleep(for: .milliseconds(100))
            pending = try await store.pendingUploads(prefix: "shop/")
        }
        let upload = HeldUpload(directory: directory, store: store, run: run, pending: pending)
        if pending.isEmpty {
            upload.release()
            run.stop()
            throw TestSupportError(message: "the upload never started: \(run.output)")
        }
        return upload
    }
}
