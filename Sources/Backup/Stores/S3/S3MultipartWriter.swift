import Foundation
import NIOCore

/// Streams an object to S3: one PUT when it fits a part, else a multipart upload of `partSize` parts,
/// aborted on failure so no half object and no billed orphan parts remain.
final class S3MultipartWriter: ObjectWriter {
    private let store: S3Store
    private let key: String
    private var buffer: [UInt8] = []
    private var uploadID: String?
    private var etags: [String] = []

    init(store: S3Store, key: String) {
        self.store = store
        self.key = key
        buffer.reserveCapacity(store.partSize)
    }

    func write(_ bytes: ArraySlice<UInt8>) async throws {
        var rest = bytes
        while !rest.isEmpty {
            let take = min(store.partSize - buffer.count, rest.count)
            buffer += rest.prefix(take)
            rest = rest.dropFirst(take)
            if buffer.count == store.partSize { try await uploadPart() }
        }
    }

    func finish() async throws {
        guard let uploadID else {
            _ = try await store.send(.PUT, key: key, body: buffer, operation: "PutObject")
            buffer = []
            return
        }
        if !buffer.isEmpty { try await uploadPart() }
        let parts = etags.enumerated().map { "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\(S3XML.escape($0.element))</ETag></Part>" }
        let body = Array("<CompleteMultipartUpload>\(parts.joined())</CompleteMultipartUpload>".utf8)
        let response = try await store.send(
            .POST, key: key, query: [("uploadId", uploadID)], body: body, operation: "CompleteMultipartUpload")
        // S3 may report a failed completion inside a 200 response.
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        if text.contains("<Error>") {
            throw BackupError(
                .store, "S3 CompleteMultipartUpload of \(key) failed: \(S3XML.values("Code", in: text[...]).first ?? text)",
                hint: "Retry the backup; existing backups were not changed.")
        }
    }

    func abort() async {
        buffer = []
        guard let uploadID else { return }
        _ = try? await store.send(.DELETE, key: key, query: [("uploadId", uploadID)], operation: "AbortMultipartUpload")
    }

    private func uploadPart() async throws {
        let id = try await startIfNeeded()
        let response = try await store.send(
            .PUT, key: key, query: [("partNumber", String(etags.count + 1)), ("uploadId", id)], body: buffer,
            operation: "UploadPart")
        guard let etag = response.headers.first(name: "etag") else {
            throw BackupError(.store, "S3 UploadPart of \(key) returned no ETag", hint: "Check the S3-compatible server.")
        }
        etags.append(etag)
        buffer.removeAll(keepingCapacity: true)
    }

    private func startIfNeeded() async throws -> String {
        if let uploadID { return uploadID }
        let response = try await store.send(.POST, key: key, query: [("uploads", "")], operation: "CreateMultipartUpload")
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        guard let id = S3XML.values("UploadId", in: text[...]).first else {
            throw BackupError(.store, "S3 CreateMultipartUpload of \(key) returned no UploadId", hint: "Check the S3-compatible server.")
        }
        uploadID = id
        return id
    }
}
