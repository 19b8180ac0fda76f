import Foundation
import Testing
import TestSupport

@testable import Backup

/// The S3 store against moto_server (real HTTP, real multipart and paging semantics).
@Suite("S3 store against an S3-compatible server", .serialized)
struct S3StoreTests {
    static let bucket = "backups"

    /// Runs `body` against a moto that checks signatures; the environment holds the one key it accepts.
    static func withS3(_ body: (ExternalServer, [String: String]) async throws -> Void) async throws {
        guard ProcessRunner.isInstalled("moto_server") else {
            throw TestSupportError(message: "moto_server is not installed: run scripts/install-backup-deps.sh")
        }
        let server = try await ExternalServer.s3CheckingSignatures(bucket: bucket)
        defer { server.stop() }
        let environment = [
            "AWS_SHARED_CREDENTIALS_FILE": server.credentialsFile ?? "", "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_S3": server.location, "HOME": "/nonexistent",
        ]
        try await body(server, environment)
    }

    @Test("a multipart upload streams, reads back identical, pages through listings and deletes")
    func multipartAndPaging() async throws {
        try await Self.withS3 { _, environment in
            // Parts of 5 MiB (S3's minimum) and pages of 2 keys exercise both paths with little data.
            let store = try S3Store(url: "s3://\(Self.bucket)/prod", environment: environment, partSize: 5 << 20, pageSize: 2)
            let payload = (0..<(12 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let writer = try await store.makeWriter(key: "shop/a/big.age")
            var start = 0
            while start < payload.count {
                try await writer.write(payload[start..<min(start + 1_000_003, payload.count)])
                start += 1_000_003
            }
            try await writer.finish()
            for name in ["b", "c", "d", "e"] { try await store.put(key: "shop/\(name)/small", bytes: Array(name.utf8)) }

            let back = CollectingSink(limit: 16 << 20)
            try await store.read(key: "shop/a/big.age", into: back)
            #expect(back.bytes == payload)
            let listed = try await store.list(prefix: "shop/")
            #expect(Set(listed.map(\.key)) == ["shop/a/big.age", "shop/b/small", "shop/c/small", "shop/d/small", "shop/e/small"])
            #expect(listed.first { $0.key == "shop/a/big.age" }?.size == payload.count)

            try await store.delete(keys: ["shop/b/small"])
            #expect(try await store.list(prefix: "shop/").count == 4)
            let error = await #expect(throws: BackupError.self) { _ = try await store.get(key: "shop/b/small") }
            #expect(error?.kind == .notFound)
        }
    }

    @Test("parts grow as an upload goes on (S3 allows 10,000): doubling after every part, 36 MiB goes up in 4 parts, not 8")
    func growingParts() async throws {
        try await Self.withS3 { _, environment in
            let store = try S3Store(
                url: "s3://\(Self.bucket)/prod", environment: environment, partSize: 5 << 20, partsPerSizeStep: 1)
            let payload = (0..<(36 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 11 &+ $0 >> 20) }
            let writer = try await store.makeWriter(key: "shop/a/big.age")
            for start in stride(from: 0, to: payload.count, by: 1 << 20) {
                try await writer.write(payload[start..<min(start + (1 << 20), payload.count)])
            }
            try await writer.finish()
            let back = CollectingSink(limit: 40 << 20)
            try await store.read(key: "shop/a/big.age", into: back)
            #expect(back.bytes == payload)
            // A multipart object's ETag ends in its part count: 5 + 10 + 20 + 1 MiB.
            let head = try await store.send(.HEAD, key: store.objectKey("shop/a/big.age"), operation: "HeadObject")
            let etag = head.headers.first(name: "etag") ?? ""
            #expect(etag.hasSuffix("-4\""), "\(etag)")
            // With the defaults, 10,000 parts hold more than S3's 5 TiB object limit.
            let defaults = try S3Store(url: "s3://\(Self.bucket)", environment: environment)
            #expect((1...S3Store.maximumParts).reduce(0) { $0 + defaults.partSize(forPart: $1) } > 5 << 40)
        }
    }

    @Test("an aborted upload leaves no object and no pending multipart upload")
    func abort() async throws {
        try await Self.withS3 { server, environment in
            let store = try S3Store(url: "s3://\(Self.bucket)", environment: environment, partSize: 5 << 20)
            let writer = try await store.makeWriter(key: "shop/x/part.age")
            try await writer.write([UInt8](repeating: 1, count: 6 << 20)[...])
            #expect(try await store.pendingUploads(prefix: "shop/").map(\.key) == ["shop/x/part.age"])
            await writer.abort()
            #expect(try await store.list(prefix: "shop/").isEmpty)
            #expect(try await store.pendingUploads(prefix: "shop/").isEmpty)
        }
    }

    @Test("the server checks signatures: a wrong secret key is refused with an error naming the credentials")
    func wrongSecret() async throws {
        try await Self.withS3 { server, environment in
            let good = try S3Store(url: "s3://\(Self.bucket)/prod", environment: environment)
            try await good.put(key: "shop/ok", bytes: Array("signed".utf8))
            let credentials = try #require(S3Store.credentials(environment))
            let wrong = try S3Store(url: "s3://\(Self.bucket)/prod", environment: [
                "AWS_ACCESS_KEY_ID": credentials.accessKey, "AWS_SECRET_ACCESS_KEY": credentials.secretKey + "x",
                "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_S3": server.location,
            ])
            let error = await #expect(throws: BackupError.self) { _ = try await wrong.list(prefix: "shop/") }
            #expect(error?.userMessage.contains("SignatureDoesNotMatch") == true, "\(String(describing: error))")
            #expect(error?.userMessage.contains("AWS_SECRET_ACCESS_KEY") == true)
            // Unsigned requests are refused too: the check is real, not a formality.
            let unsigned = try await ProcessRunner.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "\(server.location)/\(Self.bucket)/prod/shop/ok"])
            #expect(unsigned.stdout != "200")
            #expect(String(decoding: try await good.get(key: "shop/ok"), as: UTF8.self) == "signed")
        }
    }

    @Test("a lock object is created only once: a second exclusive create is refused")
    func exclusiveCreate() async throws {
        try await Self.withS3 { _, environment in
            let store = try S3Store(url: "s3://\(Self.bucket)/prod", environment: environment)
            #expect(try await store.createExclusively(key: "shop/lock.json", bytes: Array("a".utf8)))
            #expect(try await !store.createExclusively(key: "shop/lock.json", bytes: Array("b".utf8)))
            #expect(String(decoding: try await store.get(key: "shop/lock.json"), as: UTF8.self) == "a")
        }
    }

    @Test("a missing bucket gives an error naming it")
    func missingBucket() async throws {
        try await Self.withS3 { _, environment in
            let store = try S3Store(url: "s3://no-such-bucket", environment: environment)
            let error = await #expect(throws: BackupError.self) { _ = try await store.list(prefix: "") }
            #expect(error?.userMessage.contains("no-such-bucket") == true)
        }
    }
    /// Runs `body` with a store whose requests go through `scripts/s3-faults.py` in `mode` to the moto of
    /// `withS3`; `body` also gets the proxy's log ("METHOD PATH fault|forwarded STATUS" per request).
    static func withFaults(
        _ mode: String, _ body: (S3Store, @Sendable () throws -> [String]) async throws -> Void
    ) async throws {
        try await withS3 { server, environment in
            let directory = try TemporaryDirectory(prefix: "s3faults")
            defer { directory.remove() }
            let port = try ProcessRunner.freePort()
            let log = "\(directory.path)/requests.log"
            let proxy = try SpawnedProcess(
                ["python3", "\(ProcessRunner.packageRoot)/scripts/s3-faults.py", String(port), String(server.port), mode, log],
                stderr: "\(directory.path)/stderr")
            defer {
                proxy.signal(SIGTERM)
                proxy.wait()
            }
            // Ready once it accepts connections (curl: 7 is "refused"; the probe's own fault is logged, not counted).
            for _ in 0..<100 {
                let probe = try await ProcessRunner.run(["curl", "-s", "-o", "/dev/null", "http://127.0.0.1:\(port)/probe"])
                if probe.status != 7 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            var faulty = environment
            faulty["AWS_ENDPOINT_URL_S3"] = "http://127.0.0.1:\(port)"
            let store = try S3Store(url: "s3://\(bucket)/prod", environment: faulty, partSize: 5 << 20)
            try await body(store) {
                try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
                    .filter { $0.contains("/\(bucket)") }
            }
        }
    }

    @Test(
        "the first try of every request answered 503 SlowDown or dropped: each is retried once and the upload is intact",
        arguments: ["slowdown", "drop"])
    func transientFaults(mode: String) async throws {
        try await Self.withFaults(mode) { store, requests async throws in
            // Three parts, a small object, a listing, two reads and a delete: every kind of request a backup sends.
            let payload = (0..<(11 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 13) }
            let writer = try await store.makeWriter(key: "shop/a/big.age")
            try await writer.write(payload[...])
            try await writer.finish()
            try await store.put(key: "shop/a/manifest.json", bytes: Array("{}".utf8))
            #expect(Set(try await store.list(prefix: "shop/").map(\.key)) == ["shop/a/big.age", "shop/a/manifest.json"])
            let back = CollectingSink(limit: 16 << 20)
            try await store.read(key: "shop/a/big.age", into: back)
            #expect(back.bytes == payload)
            try await store.delete(keys: ["shop/a/manifest.json"])
            #expect(try await store.list(prefix: "shop/a/").map(\.key) == ["shop/a/big.age"])

            // Each distinct request failed once and then reached the server exactly once, successfully.
            let lines = try requests()
            let faults = lines.filter { $0.hasSuffix(" fault") }.map { String($0.dropLast(" fault".count)) }
            let forwarded = lines.filter { $0.contains(" forwarded ") }
            #expect(faults.count >= 9, "\(lines)")
            #expect(Set(faults).count == faults.count)
            for request in faults {
                let answers = forwarded.filter { $0.hasPrefix(request + " forwarded ") }
                #expect(answers.count == 1, "\(request): \(answers)")
                #expect(answers.allSatisfy { $0.hasSuffix(" 200") || $0.hasSuffix(" 204") }, "\(answers)")
            }
        }
    }

    @Test("a download cut off halfway resumes with a Range request where it stopped, and the bytes are intact")
    func resumedDownload() async throws {
        try await Self.withFaults("cut") { store, requests async throws in
            let payload = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ $0 >> 16) }
            try await store.put(key: "shop/a/big.age", bytes: payload)
            let back = CollectingSink(limit: 4 << 20)
            try await store.read(key: "shop/a/big.age", into: back)
            #expect(back.bytes == payload)
            let lines = try requests().filter { $0.hasPrefix("GET ") }
            #expect(lines == ["GET /backups/prod/shop/a/big.age fault", "GET /backups/prod/shop/a/big.age forwarded 206"], "\(lines)")
        }
    }

    @Test("answers lost after the server acted: every request is retried, a completed upload is recognised by its ETag")
    func lostAnswers() async throws {
        try await Self.withFaults("lose") { store, requests async throws in
            let payload = (0..<(11 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 12) }
            let writer = try await store.makeWriter(key: "shop/a/big.age")
            try await writer.write(payload[...])
            // The completion happens on the first try; its retry finds no upload and checks the object instead.
            try await writer.finish()
            let back = CollectingSink(limit: 12 << 20)
            try await store.read(key: "shop/a/big.age", into: back)
            #expect(back.bytes == payload)
            let lines = try requests()
            #expect(lines.contains { $0.hasPrefix("POST /backups/prod/shop/a/big.age?uploadId=") && $0.hasSuffix("fault 200") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("POST /backups/prod/shop/a/big.age?uploadId=") && $0.hasSuffix("NoSuchUpload 404") }, "\(lines)")
            // The create whose answer was lost left an upload nobody completes: the next run's clean-up aborts it.
            #expect(try await store.pendingUploads(prefix: "shop/").count == 1)
            try await store.abortMultipartUploads(prefix: "shop/", keepingUnder: nil)
            #expect(try await store.pendingUploads(prefix: "shop/").isEmpty)
        }
    }

    @Test("a conditional create is not retried after a dropped connection, but is after a 503")
    func conditionalCreateRetries() async throws {
        try await Self.withFaults("drop") { store, requests async throws in
            // Dropped after it was sent: it may have been applied, so the error goes to the caller.
            let error = await #expect(throws: BackupError.self) {
                _ = try await store.createExclusively(key: "shop/lock.json", bytes: Array("a".utf8))
            }
            #expect(error?.userMessage.contains("the server closed the connection") == true, "\(String(describing: error))")
            #expect(try requests().count == 1)
        }
        try await Self.withFaults("slowdown") { store, requests async throws in
            #expect(try await store.createExclusively(key: "shop/lock.json", bytes: Array("a".utf8)))
            #expect(try requests().count == 2)
        }
    }

    @Test("an endpoint nobody listens on fails after a few quick retries, naming the endpoint and the cause")
    func unreachableEndpoint() async throws {
        let port = try ProcessRunner.freePort()
        let store = try S3Store(url: "s3://\(Self.bucket)/prod", environment: [
            "AWS_ACCESS_KEY_ID": "key", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:\(port)",
        ])
        let error = await #expect(throws: BackupError.self) { _ = try await store.list(prefix: "shop/") }
        #expect(error?.userMessage.contains("Connection refused (endpoint http://127.0.0.1:\(port))") == true, "\(String(describing: error))")
    }
}
