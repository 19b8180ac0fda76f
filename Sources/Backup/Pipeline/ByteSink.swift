/// The push side of a streaming pipeline (source → encryption → store): bytes go in, in order, then `finish`.
///
/// Sinks are used by one task at a time; each stage holds at most one bounded buffer, so memory stays flat
/// whatever the size of the dump.
public protocol ByteSink: AnyObject {
    /// Consumes the next bytes.
    func write(_ bytes: ArraySlice<UInt8>) async throws
    /// Signals the end of the stream; flushes and completes the downstream.
    func finish() async throws
}

/// A sink that only counts and hashes what passes through on its way to `downstream`.
public final class DigestingSink: ByteSink {
    private let downstream: any ByteSink
    private var hasher = SHA256Hasher()
    /// Bytes written so far.
    public private(set) var byteCount = 0

    /// Wraps `downstream`.
    public init(_ downstream: any ByteSink) { self.downstream = downstream }

    public func write(_ bytes: ArraySlice<UInt8>) async throws {
        hasher.update(bytes)
        byteCount += bytes.count
        try await downstream.write(bytes)
    }

    public func finish() async throws { try await downstream.finish() }

    /// The lowercase hex SHA-256 of everything written (call once, after `finish`).
    public func hexDigest() -> String { hasher.finalizeHex() }
}

/// A sink that keeps everything in memory; only for small objects such as manifests.
public final class CollectingSink: ByteSink {
    /// Everything written.
    public private(set) var bytes: [UInt8] = []
    private let limit: Int

    /// Collects up to `limit` bytes and fails beyond, so a wrong key cannot make us buffer a whole dump.
    public init(limit: Int) { self.limit = limit }

    public func write(_ chunk: ArraySlice<UInt8>) async throws {
        guard bytes.count + chunk.count <= limit else {
            throw BackupError(
                .store, "An object expected to be small is larger than \(limit) bytes",
                hint: "Check that the key names a manifest, not a payload.")
        }
        bytes += chunk
    }

    public func finish() async throws {}
}

/// A sink that drops everything (used to check a file's integrity without keeping its plaintext).
public final class DiscardingSink: ByteSink {
    /// Bytes discarded.
    public private(set) var byteCount = 0
    /// A sink that keeps nothing.
    public init() {}
    public func write(_ bytes: ArraySlice<UInt8>) async throws { byteCount += bytes.count }
    public func finish() async throws {}
}
