import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A swift-log handler that writes one JSON object per line: `timestamp`, `level`, `logger`, `message`,
/// then the metadata fields (snake_case), with secrets redacted.
public struct JSONLogHandler: LogHandler {
    /// The environment variable that sets the level (`trace` … `critical`).
    public static let levelVariable = "SHIPSHAPE_LOG_LEVEL"

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let sink: LogSink

    /// A handler writing to `sink` at `level`.
    public init(label: String, level: Logger.Level = JSONLogHandler.levelFromEnvironment(), sink: LogSink = .standardOutput) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    /// The level named by `SHIPSHAPE_LOG_LEVEL`, or `info`.
    public static func levelFromEnvironment() -> Logger.Level {
        guard let raw = getenv(levelVariable) else { return .info }
        return Logger.Level(rawValue: String(cString: raw).lowercased()) ?? .info
    }

    /// Routes every logger of the process to JSON lines on standard output.
    public static func bootstrap(level: Logger.Level = levelFromEnvironment()) {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level, message = event.message, explicit = event.metadata
        var json = JSONLineWriter()
        json.field("timestamp", raw: "\"" + Timestamp.iso8601Now() + "\"")
        json.field("level", string: level.rawValue)
        json.field("logger", string: label)
        json.field("message", string: Redaction.redactText(message.description))
        let merged = explicit.map { self.metadata.merging($0) { _, new in new } } ?? self.metadata
        for key in merged.keys.sorted() {
            guard let value = merged[key] else { continue }
            json.field(key, value: Redaction.isSecretKey(key) ? .string(Redaction.mask) : value)
        }
        sink.write(json.finish())
    }
}

/// Where log lines go: a file descriptor written under a lock so lines never interleave.
public final class LogSink: Sendable {
    /// Standard output.
    public static let standardOutput = LogSink(fileDescriptor: 1)
    /// Standard error.
    public static let standardError = LogSink(fileDescriptor: 2)

    let fileDescriptor: Int32
    let lock = Mutex(())

    /// A sink writing to `fileDescriptor`.
    public init(fileDescriptor: Int32) { self.fileDescriptor = fileDescriptor }

    /// Writes one line (the newline is added).
    public func write(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        write(bytes: bytes)
    }

    /// Writes whole lines already joined (each ending in a newline) in one go, so they never interleave with
    /// another writer's.
    public func write(bytes: [UInt8]) {
        lock.withLock { _ in
            bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                var offset = 0
                while offset < raw.count {
                    let written = systemWrite(fileDescriptor, base + offset, raw.count - offset)
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif
