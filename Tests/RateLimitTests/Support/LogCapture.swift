import Logging
import NIOConcurrencyHelpers

/// Collects log records so tests can assert what an operator would read.
final class LogCapture: Sendable {
    /// One captured record.
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let storage = NIOLockedValueBox<[Record]>([])

    /// Everything logged so far.
    var records: [Record] { storage.withLockedValue { $0 } }

    /// Records whose message contains `text`.
    func count(containing text: String) -> Int {
        records.filter { $0.message.contains(text) }.count
    }

    /// A logger writing into this capture.
    func logger(label: String = "shipshape.ratelimit") -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ record: Record) {
        storage.withLockedValue { $0.append(record) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged: [String: String] = [:]
            for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
                merged[key] = "\(value)"
            }
            capture.append(Record(level: event.level, message: "\(event.message)", metadata: merged))
        }
    }
}
