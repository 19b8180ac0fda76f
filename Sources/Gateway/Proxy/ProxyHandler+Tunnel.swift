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
            upstream.removeHandler(context: try upstream.context(handlerType: HTTPRequestEncoder.self), promise: nil)
            upstream.removeHandler(context: try upstream.context(handlerType: ByteToMessageHandler<HTTPResponseDecoder>.self), promise: nil)
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
