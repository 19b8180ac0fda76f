import NIOCore
import NIOHTTP2

/// The life of an HTTP/2 connection past its streams:
/// - Graceful shutdown: on `ChannelShouldQuiesceEvent` it sends a GOAWAY naming the last stream the client opened
///   (those are still answered; newer ones are refused, so the client retries them on another connection) and
///   closes the connection once its open streams have finished. Without it an idle HTTP/2 client would hold the
///   gateway's drain until `shutdown_timeout`.
/// - `idle_timeout`: a connection without an open stream for that long gets the same GOAWAY and is closed, as an
///   idle HTTP/1 keep-alive connection is.
/// - A connection error (a header block over the limit, a protocol violation): NIOHTTP2 sends its GOAWAY; the
///   connection is then closed rather than left open with nothing more to say.
final class HTTP2QuiesceHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private var openStreams = Set<HTTP2StreamID>()
    private var lastStreamID = HTTP2StreamID.rootStream
    private var quiescing = false
    private var context: ChannelHandlerContext?
    private let runtime: GatewayRuntime
    private var idleTimer: LazyTimer?

    init(runtime: GatewayRuntime) { self.runtime = runtime }

    /// The delegate to give the connection's HTTP/2 handler, so this handler hears of streams opening and closing.
    func streamTracker(on eventLoop: any EventLoop) -> any NIOHTTP2StreamDelegate {
        StreamTracker(handler: NIOLoopBound(self, eventLoop: eventLoop))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        idleTimer = LazyTimer(eventLoop: context.eventLoop) {
            guard let context = handler.value.context, handler.value.openStreams.isEmpty else { return }
            handler.value.quiesce(context: context)
        }
        armIdleTimer()
        // Accepted as the gateway began to stop, this connection missed NIO's quiesce event (it is configured only
        // after the TLS handshake). Its client gets the grace period to open its first streams, then the GOAWAY.
        guard runtime.shuttingDown.load(ordering: .sequentiallyConsistent) else { return }
        context.eventLoop.scheduleTask(in: GatewayRuntime.lateRequestGrace) {
            guard let context = handler.value.context else { return }
            handler.value.quiesce(context: context)
        }
    }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        idleTimer?.cancel()
        idleTimer = nil
    }

    private func armIdleTimer() {
        idleTimer?.arm(in: .nanoseconds(runtime.configuration.limits.idleTimeout.nanoseconds))
    }

    func streamCreated(_ id: HTTP2StreamID) {
        openStreams.insert(id)
        lastStreamID = max(lastStreamID, id)
        idleTimer?.disarm()
    }

    func streamClosed(_ id: HTTP2StreamID) {
        openStreams.remove(id)
        if openStreams.isEmpty { armIdleTimer() }
        guard quiescing, openStreams.isEmpty, let context else { return }
        // The stream closed when its last frame was written, before the flush that sends it: close a loop tick
        // later, or that frame would be dropped.
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.execute { loopBound.value.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // What reaches the connection's pipeline is a connection error: its GOAWAY is already written.
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent { quiesce(context: context) }
        context.fireUserInboundEventTriggered(event)
    }

    /// Sends the GOAWAY and closes once no stream is open (at once when none is).
    func quiesce(context: ChannelHandlerContext) {
        guard !quiescing else { return }
        quiescing = true
        let goAway = HTTP2Frame(
            streamID: .rootStream, payload: .goAway(lastStreamID: lastStreamID, errorCode: .noError, opaqueData: nil))
        context.writeAndFlush(wrapOutboundOut(goAway), promise: nil)
        if openStreams.isEmpty { context.close(promise: nil) }
    }

    /// Called by NIOHTTP2 on the connection's event loop.
    struct StreamTracker: NIOHTTP2StreamDelegate {
        let handler: NIOLoopBound<HTTP2QuiesceHandler>

        func streamCreated(_ id: HTTP2StreamID, channel: any Channel) { handler.value.streamCreated(id) }
        func streamClosed(_ id: HTTP2StreamID, channel: any Channel) { handler.value.streamClosed(id) }
    }
}

@available(*, unavailable)
extension HTTP2QuiesceHandler: Sendable {}
