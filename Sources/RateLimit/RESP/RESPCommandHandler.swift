import NIOCore

/// One command to send: its arguments, the promise for its reply, and how long it may take.
struct RESPCommand {
    /// The command name and arguments, sent as a RESP array of bulk strings.
    var arguments: [String]
    /// Completed with the reply (including error replies) or failed when the connection fails.
    var promise: EventLoopPromise<RESPValue>
}

/// Pipelines commands on one connection: writes each at once and matches replies to promises in order.
///
/// A command that outlives `commandTimeout` fails, and the connection is closed: later replies could no
/// longer be matched to their commands, and every pending command fails with it.
final class RESPCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RESPCommand
    typealias OutboundOut = ByteBuffer

    /// Whether the connection can still carry commands.
    private enum State {
        /// Open: commands are written and replies awaited. → `.closed` on close, error or timeout.
        case open
        /// Closed or failed: every new command fails with `error`. Terminal.
        case closed(RateLimitError)
    }

    private struct Pending {
        var promise: EventLoopPromise<RESPValue>
        var timeout: Scheduled<Void>?
    }

    private var state: State = .open
    /// True while a flush is scheduled for the end of this event loop tick.
    private var flushScheduled = false
    private var pending = CircularBuffer<Pending>(initialCapacity: RESPCommandHandler.initialPipelineCapacity)
    private let commandTimeout: TimeAmount
    private let address: String

    /// Initial room in the queue of commands awaiting replies.
    static let initialPipelineCapacity = 64

    init(commandTimeout: TimeAmount, address: String) {
        self.commandTimeout = commandTimeout
        self.address = address
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let command = unwrapOutboundIn(data)
        switch state {
        case .closed(let error):
            command.promise.fail(error)
            promise?.fail(error)
        case .open:
            var buffer = context.channel.allocator.buffer(capacity: Self.estimatedSize(of: command.arguments))
            Self.encode(command.arguments, into: &buffer)
            let deadline = commandTimeout
            let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: deadline) { [weak self] () -> Void in
                guard let self else { return }
                self.timedOut(context: context)
            }
            pending.append(Pending(promise: command.promise, timeout: timeout))
            context.write(wrapOutboundOut(buffer), promise: promise)
            scheduleFlush(context: context)
        }
    }

    /// Pipelining: commands written in the same event loop tick leave in one flush (one syscall).
    private func scheduleFlush(context: ChannelHandlerContext) {
        guard !flushScheduled else { return }
        flushScheduled = true
        context.eventLoop.assumeIsolated().execute { [weak self] () -> Void in
            guard let self else { return }
            self.flushScheduled = false
            context.flush()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        guard let head = pending.popFirst() else {
            fail(context: context, with: .protocolViolation("reply without a command"))
            return
        }
        head.timeout?.cancel()
        head.promise.succeed(value)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.storeUnreachable(address: address, reason: "connection closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason = (error as? RateLimitError) ?? .storeUnreachable(address: address, reason: "\(error)")
        fail(context: context, with: reason)
    }

    private func timedOut(context: ChannelHandlerContext) {
        fail(context: context, with: .storeTimeout(address: address, milliseconds: commandTimeout.nanoseconds / 1_000_000))
    }

    private func fail(context: ChannelHandlerContext, with error: RateLimitError) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: RateLimitError) {
        if case .open = state { state = .closed(error) }
        while let entry = pending.popFirst() {
            entry.timeout?.cancel()
            entry.promise.fail(error)
        }
    }

    // MARK: - Encoding

    /// Writes `*N\r\n` then `$len\r\narg\r\n` per argument.
    static func encode(_ arguments: [String], into buffer: inout ByteBuffer) {
        buffer.writeStaticString("*")
        buffer.writeString(String(arguments.count))
        buffer.writeStaticString("\r\n")
        for argument in arguments {
            buffer.writeStaticString("$")
            buffer.writeString(String(argument.utf8.count))
            buffer.writeStaticString("\r\n")
            buffer.writeString(argument)
            buffer.writeStaticString("\r\n")
        }
    }

    /// Room for the encoded command: the arguments plus framing per argument.
    static func estimatedSize(of arguments: [String]) -> Int {
        arguments.reduce(framingBytesPerArgument) { $0 + $1.utf8.count + framingBytesPerArgument }
    }

    /// `$` + up to 10 length digits + two CRLFs.
    static let framingBytesPerArgument = 16
}

@available(*, unavailable)
extension RESPCommandHandler: Sendable {}
