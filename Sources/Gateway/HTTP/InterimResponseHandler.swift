import NIOCore
import NIOHTTP1

/// Writes `100 Continue` below the response compressor, which would otherwise count the interim response as
/// the answer to the request. The proxy asks for it with the `SendContinue` outbound event.
final class InterimResponseHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Ask for a `100 Continue` to be sent now.
    struct SendContinue {}

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is SendContinue else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: promise)
    }
}

@available(*, unavailable)
extension InterimResponseHandler: Sendable {}
