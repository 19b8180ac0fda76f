import NIOCore
import NIOHTTP1
import NIOHTTPCompression

extension ProxyHandler {
    /// After `101 Switching Protocols`, removes HTTP from both connections and joins them byte for byte.
    func startTunnel(_ exchange: Exchange, context: ChannelHandlerContext) {
        guard let lease = exchange.lease else { return }
        responseTimer?.disarm()
        exchange.lease = nil
        state = .tunnel
        record(exchange, context: context)
        context.flush()
        let (clientGlue, upstreamGlue) = GlueHandler.matchedPair()
        do {
            let client = context.pipeline.syncOperations
            try client.addHandler(clientGlue)
            client.removeHandler(context: try client.context(handlerType: HeadDeadlineHandler.self), promise: nil)
            client.removeHandler(context: try client.context(handlerType: HTTPResponseEncoder.self), promise: nil)
            if let pipelining = try? client.context(handlerType: HTTPServerPipelineHandler.self) {  // redirect listener
                client.removeHandler(context: pipelining, promise: nil)
            }
            if let preference = try? client.context(handlerType: AcceptEncodingHandler.self) {
                client.removeHandler(context: preference, promise: nil)
            }
            if let compressor = try? client.context(handlerType: HTTPResponseCompressor.self) {
                client.removeHandler(context: compressor, promise: nil)
            }
            let upstream = lease.channel.pipeline.syncOperations
            try upstream.addHandler(upstreamGlue)
            let endHold = UpstreamEndHold()
            try upstream.addHandler(endHold, position: .first)
            upstream.removeHandler(context: try upstream.context(handlerType: HTTPRequestEncoder.self), promise: nil)
            let decoderRemoved = lease.channel.eventLoop.makePromise(of: Void.self)
            decoderRemoved.futureResult.assumeIsolated().whenComplete { _ in endHold.release() }
            upstream.removeHandler(
                context: try upstream.context(handlerType: ByteToMessageHandler<HTTPResponseDecoder>.self), promise: decoderRemoved)
            upstream.removeHandler(context: try upstream.context(handlerType: UpstreamHandler.self), promise: nil)
            // Decoders go last: their buffered bytes (the first frames) are forwarded to the glue.
            client.removeHandler(context: try client.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self), promise: nil)
            client.removeHandler(context: context, promise: nil)
            if let target = exchange.target, let color = exchange.color, let service = exchange.service {
                runtime.tunnels.register(client: context.channel, upstream: lease.channel, service: service, color: color, target: target)
            }
        } catch {
            lease.channel.close(promise: nil)
            context.close(promise: nil)
        }
    }
}

/// Holds an upstream's close back while its response decoder leaves the pipeline after a `101`. NIO completes a
/// decoder's removal on a later turn of the event loop, and a decoder that sees the connection end first drops
/// the bytes it still holds (the first frames, sent with the 101) instead of passing them on: an upstream that
/// sent a frame and closed at once lost the frame.
final class UpstreamEndHold: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private var context: ChannelHandlerContext?
    private var holding = true
    private var heldClose = false

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelInactive(context: ChannelHandlerContext) {
        if holding {
            heldClose = true
        } else {
            context.fireChannelInactive()
        }
    }

    /// The decoder is gone (its bytes went to the tunnel): the close, if it came, goes on now.
    func release() {
        holding = false
        guard let context else { return }
        if heldClose { context.fireChannelInactive() }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

@available(*, unavailable)
extension UpstreamEndHold: Sendable {}
