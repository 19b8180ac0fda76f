import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import ShipshapeCore

/// Streams an object to S3: one PUT when it fits a part, else a multipart upload whose parts grow with the
/// object (`S3Store.partSize(forPart:)`), aborted on failure so no half object and no billed orphan parts remain.
///
/// One part uploads while the next fills (two part buffers at most), so the dump and encryption are not
/// stalled for every part's round trip; a failed upload surfaces at the next part or at `finish`.
final class S3MultipartWriter: ObjectWriter {
    private let store: S3Store
    private let key: String
    private var buffer: [UInt8] = []
    private var uploadID: String?
    private var etags: [String] = []
    private var inFlight: Task<String, any Error>?

    init(store: S3Store, key: String) {
        self.store = store
        self.key = key
        buffer.reserveCapacity(store.partSize)
    }

    func write(_ bytes: ArraySlice<UInt8>) async throws {
        var rest = bytes
        while !rest.isEmpty {
            // The buffer fills the part after those done and the one in flight.
            let size = store.partSize(forPart: etags.count + (inFlight == nil ? 1 : 2))
            let take = min(size - buffer.count, rest.count)
            buffer += rest.prefix(take)
            rest = rest.dropFirst(take)
            if buffer.count == size { try await uploadPart() }
        }
    }

    func finish() async throws {
        guard let uploadID else {
            _ = try await store.send(.PUT, key: key, body: buffer, operation: "PutObject")
            buffer = []
            return
        }
        if !buffer.isEmpty { try await uploadPart() }
        try await settleInFlight()
        let parts = etags.enumerated().map { "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\(S3XML.escape($0.element))</ETag></Part>" }
        let body = Array("<CompleteMultipartUpload>\(parts.joined())</CompleteMultipartUpload>".utf8)
        let response: HTTPClientResponse
        do {
            response = try await store.send(
                .POST, key: key, query: [("uploadId", uploadID)], body: body, operation: "CompleteMultipartUpload")
        } catch let error as BackupError where error.kind == .notFound {
            // A completion whose answer was lost, then retried: S3 no longer knows the finished upload. The
            // object it made carries the multipart ETag of exactly these parts.
            guard let expected = Self.multipartETag(etags), try await store.objectETag(key: key) == expected else { throw error }
            return
        }
        // S3 may report a failed completion inside a 200 response.
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        if text.contains("<Error>") {
            throw BackupError(
                .store, "S3 CompleteMultipartUpload of \(key) failed: \(S3XML.values("Code", in: text[...]).first ?? text)",
                hint: "Retry the backup; existing backups were not changed.")
        }
    }

    /// S3's ETag of a completed multipart object: the MD5 of the parts' binary MD5s, then `-` and the part
    /// count, quoted. nil when a part's ETag is not a plain MD5 (servers that encrypt with KMS differ).
    static func multipartETag(_ partETags: [String]) -> String? {
        var digests: [UInt8] = []
        for etag in partETags {
            let hex = Array(etag.utf8.filter { $0 != UInt8(ascii: "\"") })
            guard hex.count == 32 else { return nil }
            for index in stride(from: 0, to: 32, by: 2) {
                guard let byte = UInt8(String(decoding: hex[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
                digests.append(byte)
            }
        }
        let digest = Insecure.MD5.hash(data: digests).map { String(format: "%02x", $0) }.joined()
        return "\"\(digest)-\(partETags.count)\""
    }

    func abort() async {
        buffer = []
        // Let the part in flight end first (not cancelled mid-body): an abort must come after it on the
        // server, or the server could still be storing that part once the upload is gone.
        _ = await inFlight?.result
        inFlight = nil
        guard let uploadID else { return }
        let (store, key) = (store, key)
        _ = try? await uncancelled {
            try await store.send(.DELETE, key: key, query: [("uploadId", uploadID)], operation: "AbortMultipartUpload")
        }
    }

    /// Starts uploading the filled buffer as the next part, after the previous part's upload has finished.
    private func uploadPart() async throws {
        let id = try await startIfNeeded()
        try await settleInFlight()
        let (store, key, number, body) = (store, key, etags.count + 1, buffer)
        guard number <= S3Store.maximumParts else {
            throw BackupError(
                .store, "S3 upload of \(key) needs more than \(S3Store.maximumParts) parts",
                hint: "The object is beyond S3's 5 TiB limit; split the source into smaller ones.")
        }
        // A fresh buffer: the old one now belongs to the upload.
        buffer = []
        buffer.reserveCapacity(store.partSize(forPart: number + 1))
        inFlight = Task {
            let response = try await store.send(
                .PUT, key: key, query: [("partNumber", String(number)), ("uploadId", id)], body: body, operation: "UploadPart")
            guard let etag = response.headers.first(name: "etag") else {
                throw BackupError(.store, "S3 UploadPart of \(key) returned no ETag", hint: "Check the S3-compatible server.")
            }
            return etag
        }
    }

    /// Waits for the part in flight, recording its ETag.
    private func settleInFlight() async throws {
        guard let task = inFlight else { return }
        inFlight = nil
        etags.append(try await task.value)
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
