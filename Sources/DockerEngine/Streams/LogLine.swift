import NIOCore

/// One line of container output.
public struct LogLine: Sendable, Hashable, CustomStringConvertible {
    /// The stream it was written to.
    public var stream: OutputStream
    /// The text without its line ending.
    public var text: String

    /// A line of `text` from `stream`.
    public init(stream: OutputStream, text: String) {
        self.stream = stream
        self.text = text
    }

    /// The text.
    public var description: String { text }
}

/// Joins output chunks into lines per stream (a line may span chunks).
struct LogLineAssembler {
    private var lines: [LogLine] = []
    private var partial: [OutputStream: [UInt8]] = [:]

    mutating func append(_ chunk: OutputChunk) {
        var current = partial[chunk.stream] ?? []
        for byte in chunk.bytes.readableBytesView {
            if byte == UInt8(ascii: "\n") {
                lines.append(LogLine(stream: chunk.stream, text: Self.text(current)))
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(byte)
            }
        }
        partial[chunk.stream] = current
    }

    mutating func finish() -> [LogLine] {
        for stream in [OutputStream.stdout, .stderr, .stdin] {
            if let rest = partial[stream], !rest.isEmpty {
                lines.append(LogLine(stream: stream, text: Self.text(rest)))
            }
        }
        partial = [:]
        return lines
    }

    private static func text(_ bytes: [UInt8]) -> String {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\r") { text.removeLast() }
        return text
    }
}
