import Foundation

/// The append-only history of deploys: one JSON object per line, appended with a single `write` and
/// flushed to disk, so a crash can at worst leave a torn last line, which reading skips and reports.
public struct DeployHistory: Sendable {
    /// The file name used inside Shipshape's state directory.
    public static let defaultFileName = "deploys.jsonl"
    /// Permissions of a new history file: the owner writes, others may read (it holds no secrets).
    static let fileMode: mode_t = 0o644

    /// What reading the history found.
    public struct Contents: Sendable, Hashable {
        /// The readable records, oldest first.
        public var records: [DeployRecord]
        /// 1-based numbers of lines that could not be decoded (a torn write after a crash, a hand edit).
        public var damagedLines: [Int]
    }

    /// The history file's path.
    public let path: String

    /// A history stored at `path` (created on the first append).
    public init(path: String) {
        self.path = path
    }

    /// The encoder for history lines and `--json` output: snake_case keys, ISO 8601 dates, sorted keys.
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Self.timestampFormat.format(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The decoder matching `makeEncoder()`.
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = try? Self.timestampFormat.parse(text) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "bad date \(text)"))
            }
            return date
        }
        return decoder
    }

    private static let timestampFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// Appends one record as a line and flushes it to disk.
    public func append(_ record: DeployRecord) throws(DeployError) {
        var line: Data
        do { line = try Self.makeEncoder().encode(record) } catch {
            throw historyError("cannot encode the deploy record: \(error)")
        }
        line.append(UInt8(ascii: "\n"))
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw historyError("cannot create \(directory): \(error.localizedDescription)")
        }
        let descriptor = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, Self.fileMode)
        guard descriptor >= 0 else { throw historyError("cannot open it for appending: \(Self.errnoText())") }
        defer { close(descriptor) }
        // A torn last line (a crash mid-write, a hand edit) must not swallow this record: end it first. Two
        // writers racing here at worst leave an empty line, which reading skips.
        if !Self.endsWithNewline(descriptor) { line.insert(UInt8(ascii: "\n"), at: line.startIndex) }
        // One write call per record: with O_APPEND concurrent writers never interleave within a line.
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count else { throw historyError("cannot append to it: \(Self.errnoText())") }
        guard fsync(descriptor) == 0 else { throw historyError("cannot flush it to disk: \(Self.errnoText())") }
    }

    /// Every readable record (oldest first) and the numbers of damaged lines; an absent file is empty.
    public func read() throws(DeployError) -> Contents {
        guard FileManager.default.fileExists(atPath: path) else { return Contents(records: [], damagedLines: []) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw historyError("cannot read it: \(error.localizedDescription)")
        }
        let decoder = Self.makeDecoder()
        var contents = Contents(records: [], damagedLines: [])
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated()
        where !line.isEmpty {
            if let record = try? decoder.decode(DeployRecord.self, from: line) {
                contents.records.append(record)
            } else {
                contents.damagedLines.append(index + 1)
            }
        }
        return contents
    }

    /// The records of `service` (all services when nil), newest first, at most `limit`.
    public func records(service: String? = nil, limit: Int? = nil) throws(DeployError) -> [DeployRecord] {
        let matching = try read().records.filter { service == nil || $0.service == service }.reversed()
        return Array(limit.map { matching.prefix($0) } ?? matching[...])
    }

    /// The newest successful deploy of `service`, if any (what `rollback` returns to).
    public func lastSuccessful(service: String) throws(DeployError) -> DeployRecord? {
        try records(service: service).first { $0.outcome == .succeeded }
    }

    /// True when the file is empty or its last byte is a newline.
    static func endsWithNewline(_ descriptor: Int32) -> Bool {
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size > 0 else { return true }
        var last: UInt8 = 0
        guard pread(descriptor, &last, 1, status.st_size - 1) == 1 else { return true }
        return last == UInt8(ascii: "\n")
    }

    private func historyError(_ reason: String) -> DeployError {
        DeployError(
            kind: .history,
            userMessage: """
                The deploy history at \(path) is unusable: \(reason). Check the file's permissions and the \
                disk's free space; the history is plain JSON lines and can be inspected or moved aside.
                """)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
