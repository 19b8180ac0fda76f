import NIOCore
import ShipshapeCore

/// One JSON line per request with the contract's fields, batched per event loop: the lines an event loop
/// produces while it handles one round of I/O are written with a single `write(2)` when that round ends, so a
/// busy gateway pays one system call per batch rather than one per request, and an idle one still writes each
/// line at once.
struct AccessLog: Sendable {
    let enabled: Bool
    private let sink: LogSink
    private let buffers: [ObjectIdentifier: NIOLoopBoundBox<AccessLogBuffer>]

    init(sink: LogSink, enabled: Bool, group: any EventLoopGroup) {
        self.sink = sink
        self.enabled = enabled
        var buffers: [ObjectIdentifier: NIOLoopBoundBox<AccessLogBuffer>] = [:]
        if enabled {
            for eventLoop in group.makeIterator() {
                buffers[ObjectIdentifier(eventLoop)] = NIOLoopBoundBox.makeBoxSendingValue(
                    AccessLogBuffer(sink: sink, eventLoop: eventLoop), as: AccessLogBuffer.self, eventLoop: eventLoop)
            }
        }
        self.buffers = buffers
    }

    /// Logs a finished exchange from the event loop that handled it.
    func record(_ exchange: Exchange, on eventLoop: any EventLoop) {
        guard enabled else { return }
        if let buffer = buffers[ObjectIdentifier(eventLoop)] {
            buffer.value.append { Self.write(exchange, to: &$0) }
        } else {
            // A loop outside the gateway's group (not expected): written through.
            var line = JSONLineWriter()
            Self.write(exchange, to: &line)
            sink.write(line.finish())
        }
    }

    /// Writes every loop's pending lines now (at shutdown, after the last request).
    func flushAll() async {
        for buffer in buffers.values {
            try? await buffer.eventLoop.submit { buffer.value.flush() }.get()
        }
    }

    /// The contract's fields; keys and the values the gateway makes itself are written without an escaping pass.
    static func write(_ exchange: Exchange, to line: inout JSONLineWriter) {
        line.field(literal: "timestamp", verbatim: Timestamp.iso8601Now())
        line.field(literal: "level", verbatim: "info")
        line.field(literal: "logger", verbatim: "shipshape.access")
        line.field(literal: "service", string: exchange.service ?? "-")
        line.field(literal: "request_id", string: exchange.requestID)
        line.field(literal: "method", string: exchange.method.rawValue)
        line.field(literal: "path", string: Redaction.redactQuery(exchange.path))
        line.field(literal: "status", int: Int(exchange.status?.code ?? 0))
        line.field(literal: "bytes", int: exchange.bytesSent)
        line.field(literal: "duration_ms", fixedPoint: (exchange.durationNanoseconds + 500) / 1000, fractionDigits: 3)
        if let target = exchange.target {
            line.field(literal: "upstream", hostPort: target)
        } else {
            line.field(literal: "upstream", verbatim: "-")
        }
        line.field(literal: "color", verbatim: exchange.color?.rawValue ?? "-")
        line.field(literal: "client_ip", string: exchange.clientIP)
        line.field(literal: "user_agent", string: exchange.userAgent)
    }
}

/// The access log lines of one event loop waiting for the end of the loop's current round.
final class AccessLogBuffer {
    /// A batch this large is written at once rather than at the end of the round.
    static let maximumBatchBytes = 64 * 1024

    let sink: LogSink
    let eventLoop: any EventLoop
    private var pending: [UInt8] = []
    private var flushScheduled = false

    init(sink: LogSink, eventLoop: any EventLoop) {
        self.sink = sink
        self.eventLoop = eventLoop
        pending.reserveCapacity(Self.maximumBatchBytes)
    }

    /// Appends one line, written by `fill` straight into the batch.
    func append(_ fill: (inout JSONLineWriter) -> Void) {
        var line = JSONLineWriter(appendingTo: &pending)
        fill(&line)
        pending = line.finishLine()
        if pending.count >= Self.maximumBatchBytes {
            flush()
        } else if !flushScheduled {
            // A task submitted from the loop itself runs after the I/O events of this round.
            flushScheduled = true
            eventLoop.assumeIsolated().execute { self.flush() }
        }
    }

    func flush() {
        flushScheduled = false
        guard !pending.isEmpty else { return }
        sink.write(bytes: pending)
        pending.removeAll(keepingCapacity: true)
    }
}

@available(*, unavailable)
extension AccessLogBuffer: Sendable {}
