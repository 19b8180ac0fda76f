import NIOCore

/// Enforces an absolute deadline for receiving a request's headers and the idle keep-alive timeout.
/// It sits below the HTTP decoder so it sees the first byte of each request: a client trickling one byte a
/// second cannot extend the deadline (an idle-read timer alone would be reset by every byte).
final class HeadDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Events the proxy sends down the pipeline to move this state machine.
    enum Event {
        /// The request head was fully received.
        case headReceived
        /// The response ended and the connection is idle again.
        case responseCompleted
    }

    /// idle → receivingHead (first byte) → inRequest (head decoded) → idle (response done).
    enum State {
        case idle
        case receivingHead
        case inRequest
    }

    let headerTimeout: TimeAmount
    let idleTimeout: TimeAmount
    var state = State.idle
    var timer: Scheduled<Void>?

    init(headerTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
    }

    func channelActive(context: ChannelHandlerContext) {
        // A new connection must start its first request within the header deadline.
        state = .receivingHead
        arm(headerTimeout, context: context, onExpiry: expireHead)
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            state = .receivingHead
            arm(headerTimeout, context: context, onExpiry: expireHead)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .idle = state {
            state = .receivingHead
            arm(headerTimeout, context: context, onExpiry: expireHead)
        }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let event = event as? Event else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        switch event {
        case .headReceived:
            state = .inRequest
            timer?.cancel()
            timer = nil
        case .responseCompleted:
            state = .idle
            arm(idleTimeout, context: context) { context in context.close(promise: nil) }
        }
        promise?.succeed()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func arm(_ delay: TimeAmount, context: ChannelHandlerContext, onExpiry: @escaping (ChannelHandlerContext) -> Void) {
        timer?.cancel()
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            self.timer = nil
            onExpiry(context)
        }
    }

    func expireHead(_ context: ChannelHandlerContext) {
        guard case .receivingHead = state else { return }
        let response = GatewayErrorResponse.requestTimeout.encoded(
            requestID: RequestID.generate(), allocator: context.channel.allocator)
        context.writeAndFlush(wrapOutboundOut(response)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}

@available(*, unavailable)
extension HeadDeadlineHandler: Sendable {}
