import NIOCore

/// Joins two channels byte for byte after a protocol upgrade (WebSocket): each side is read only while its
/// partner is writable, and closing one side closes the other.
final class GlueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    /// Makes a connected pair.
    static func matchedPair() -> (GlueHandler, GlueHandler) {
        let first = GlueHandler()
        let second = GlueHandler()
        first.partner = second
        second.partner = first
        return (first, second)
    }

    var partner: GlueHandler?
    var context: ChannelHandlerContext?
    var pendingRead = false

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner?.context?.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.context?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        guard let partnerContext = partner?.context else { return }
        // What this side sent before it closed may still wait unflushed on the partner (bytes an upstream sent
        // with its 101 arrive with the end of the decoder, after the read's flush): out first, then the close.
        let end = partnerContext.channel.allocator.buffer(capacity: 0)
        partnerContext.writeAndFlush(NIOAny(end)).assumeIsolated().whenComplete { _ in partnerContext.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let partner, partner.pendingRead {
            partner.pendingRead = false
            partner.context?.read()
        }
    }

    func read(context: ChannelHandlerContext) {
        if let partnerChannel = partner?.context?.channel, !partnerChannel.isWritable {
            pendingRead = true
        } else {
            context.read()
        }
    }
}

@available(*, unavailable)
extension GlueHandler: Sendable {}
