import Foundation
import Testing
import TestSupport

@testable import Backup

/// The S3 store against moto_server (real HTTP, real multipart and paging semantics).
@Suite("S3 store against an S3-compatible server", .serialized)
struct S3StoreTests {
    static let bucket = "backups"

    /// Runs `body` against a moto that checks signatures; the environment holds the one key it accepts.
    static func withS3(_ body: (LaunchedServer, [String: String]) async throws -> Void) async throws {
        guard ProcessRunner.isInstalled("moto_server") else {
            throw TestSupportError(message: "moto_server is not installed: run scripts/install-backup-deps.sh")
        }
        let server = try ServerLauncher.s3(bucket: bucket)
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
}
