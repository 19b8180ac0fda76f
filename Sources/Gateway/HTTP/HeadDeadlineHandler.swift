import NIOCore
import NIOHTTP1

/// Enforces an absolute deadline for receiving a request's headers and the idle keep-alive timeout.
/// It sits below the HTTP decoder so it sees the first byte of each request: a client trickling one byte a
/// second cannot extend the deadline (an idle-read timer alone would be reset by every byte).
/// Inbound only: writes pass by without a call into it (the 408 is written from its context).
final class HeadDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// idle → receivingHead (first byte) → inRequest (head decoded) → idle (response done).
    enum State {
        case idle
        case receivingHead
        case inRequest
    }

    let headerTimeout: TimeAmount
    let idleTimeout: TimeAmount
    var state = State.idle
    var timer: LazyTimer?
    /// Whether any byte of the current request arrived: a connection that never sent one is closed at the
    /// deadline without a 408 (as nginx does; on TLS no answer could even be written before a handshake).
    var receivedAny = false

    /// The listener's security headers, for the 408.
    let answerHeaders: HTTPHeaders

    init(headerTimeout: TimeAmount, idleTimeout: TimeAmount, answerHeaders: HTTPHeaders = [:]) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.answerHeaders = answerHeaders
    }

    func handlerAdded(context: ChannelHandlerContext) {
        timer = LazyTimer(eventLoop: context.eventLoop) { [weak self] in self?.expire(context: context) }
        if context.channel.isActive { startReceivingHead() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        // A new connection must start its first request within the header deadline.
        startReceivingHead()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .idle = state { startReceivingHead() }
        receivedAny = true
        context.fireChannelRead(data)
    }

    /// The request head was fully received: no deadline until the response ends.
    func headReceived() {
        state = .inRequest
        timer?.disarm()
    }

    /// The response ended and the connection is idle again: the keep-alive timeout runs.
    func responseCompleted() {
        state = .idle
        timer?.arm(in: idleTimeout)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }

    func startReceivingHead() {
        state = .receivingHead
        receivedAny = false
        timer?.arm(in: headerTimeout)
    }

    /// The deadline of the current state passed: answer 408 to a slow head, close an idle connection.
    func expire(context: ChannelHandlerContext) {
        switch state {
        case .receivingHead: expireHead(context)
        case .idle: context.close(promise: nil)
        case .inRequest: break
        }
    }

    func expireHead(_ context: ChannelHandlerContext) {
        guard case .receivingHead = state else { return }
        guard receivedAny else {
            context.close(promise: nil)
            return
        }
        let response = GatewayErrorResponse.requestTimeout.encoded(
            requestID: RequestID.generate(), headers: answerHeaders, allocator: context.channel.allocator)
        context.writeAndFlush(wrapOutboundOut(response)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}

@available(*, unavailable)
extension HeadDeadlineHandler: Sendable {}
