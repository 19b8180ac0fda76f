import Synchronization

/// The last lines a process wrote, kept in a bounded ring so a chatty process costs fixed memory.
final class LogTail: Sendable {
    /// The longest line kept whole; longer ones are cut (a binary blob on stdout must not grow memory).
    static let maximumLineLength = 4096

    private struct State {
        var lines: [String] = []
        var partial: [UInt8] = []
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

    /// The kept lines, oldest first, including an unfinished last line.
    func lines() -> [String] {
        state.withLock { state in
            var lines = state.lines
            if !state.partial.isEmpty { lines.append(String(decoding: state.partial, as: UTF8.self)) }
            return Array(lines.suffix(capacity))
        }
    }

    private static func push(_ state: inout State, capacity: Int) {
        var line = String(decoding: state.partial, as: UTF8.self)
        if line.hasSuffix("\r") { line.removeLast() }
        state.lines.append(line)
        if state.lines.count > capacity { state.lines.removeFirst(state.lines.count - capacity) }
        state.partial.removeAll(keepingCapacity: true)
    }
}
