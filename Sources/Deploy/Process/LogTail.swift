import Foundation
import Synchronization

/// The last lines a process wrote, kept in a bounded ring so a chatty process costs fixed memory.
final class LogTail: Sendable {
    /// The longest line kept whole; longer ones are cut (a binary blob on stdout must not grow memory).
    static let maximumLineLength = 4096

    private struct State {
        var lines: [String] = []
        var partial: [UInt8] = []
        var ended = false
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Adds bytes read from the process; complete lines enter the ring.
    func append(_ bytes: UnsafeRawBufferPointer) {
        state.withLock { state in
            for byte in bytes {
                if byte == UInt8(ascii: "\n") {
                    Self.push(&state, capacity: capacity)
                } else if state.partial.count < Self.maximumLineLength {
                    state.partial.append(byte)
                }
            }
        }
    }

    /// Marks the end of the output: the writing end of the pipe was closed by everyone holding it.
    func end() {
        state.withLock { $0.ended = true }
    }

    /// Whether all the output has been read (a process's last lines can still be in the pipe after it exits).
    var hasEnded: Bool { state.withLock { $0.ended } }

    /// The kept lines, oldest first, including an unfinished last line.
    func lines() -> [String] {
        state.withLock { state in
            var lines = state.lines
            if !state.partial.isEmpty { lines.append(String(decoding: state.partial, as: UTF8.self)) }
            return Array(lines.suffix(capacity))
        }
    }

    /// The kept lines as a sentence to end an error message with (each line indented and marked).
    func quoted() -> String {
        let lines = lines()
        guard !lines.isEmpty else { return " It printed nothing." }
        return " Its last output lines:\n" + lines.map { "  | \($0)" }.joined(separator: "\n")
    }

    /// How much of a log file's end is read to find its last lines.
    static let fileTailBytes = 64 * 1024

    /// The last `count` lines of a log file (empty when it cannot be read).
    static func lastLines(ofFile path: String, count: Int) -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = size > UInt64(fileTailBytes) ? size - UInt64(fileTailBytes) : 0
        guard (try? handle.seek(toOffset: start)) != nil, let data = try? handle.readToEnd() else { return [] }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0.prefix(maximumLineLength)) }
        if start > 0, !lines.isEmpty { lines.removeFirst() }  // cut mid-line
        if lines.last == "" { lines.removeLast() }
        return Array(lines.suffix(max(1, count)))
    }

    private static func push(_ state: inout State, capacity: Int) {
        var line = String(decoding: state.partial, as: UTF8.self)
        if line.hasSuffix("\r") { line.removeLast() }
        state.lines.append(line)
        if state.lines.count > capacity { state.lines.removeFirst(state.lines.count - capacity) }
        state.partial.removeAll(keepingCapacity: true)
    }
}
