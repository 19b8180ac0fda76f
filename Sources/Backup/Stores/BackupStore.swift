/// Where backups live: a local directory or S3-compatible object storage, addressed by `/`-separated keys.
public protocol BackupStore: Sendable {
    /// A human-readable location for messages (`/var/backups/shop`, `s3://bucket/prefix`).
    var location: String { get }
    /// Opens a streaming writer for `key`; the object appears only when the writer finishes.
    func makeWriter(key: String) async throws -> any ObjectWriter
    /// Streams the object at `key` into `sink` (without calling `finish`); throws `.notFound` when absent.
    func read(key: String, into sink: any ByteSink) async throws
    /// Every key under `prefix`, with its size, in any order.
    func list(prefix: String) async throws -> [StoredObject]
    /// Deletes `keys`; missing keys are not an error.
    func delete(keys: [String]) async throws
    /// Writes a small object only if `key` does not exist yet, atomically; false when it already exists.
    func createExclusively(key: String, bytes: [UInt8]) async throws -> Bool
}

/// An object in a store.
public struct StoredObject: Sendable, Equatable {
    /// Its key.
    public var key: String
    /// Its size in bytes.
    public var size: Int

    /// An object.
    public init(key: String, size: Int) {
        self.key = key
        self.size = size
    }
}

/// A streaming upload: bytes in, then `finish` to publish or `abort` to leave nothing behind.
public protocol ObjectWriter: ByteSink {
    /// Removes whatever was written so far (partial file, multipart upload).
    func abort() async
}

extension BackupStore {
    /// Writes a small object in one go.
    public func put(key: String, bytes: [UInt8]) async throws {
        let writer = try await makeWriter(key: key)
        do {
            try await writer.write(bytes[...])
            try await writer.finish()
        } catch {
            await writer.abort()
            throw error
        }
    }

    /// Reads a small object whole, refusing anything above `limit` bytes.
    public func get(key: String, limit: Int = 16 << 20) async throws -> [UInt8] {
        let sink = CollectingSink(limit: limit)
        try await read(key: key, into: sink)
        return sink.bytes
    }
}
