import NIOCore
import NIOHTTP1

/// Leaves `deflate` out of `Accept-Encoding` when the client also accepts gzip: the compressor picks deflate
/// on a tie, and gzip is the coding every client, cache and CDN handles the same way.
final class AcceptEncodingHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        let tokens = head.headers[canonicalForm: "accept-encoding"].map(String.init)
        let acceptsGzip = tokens.contains { $0.lowercased().hasPrefix("gzip") && !$0.replacingOccurrences(of: " ", with: "").hasSuffix("q=0") }
        if acceptsGzip, tokens.contains(where: { $0.lowercased().hasPrefix("deflate") }) {
            let kept = tokens.filter { !$0.lowercased().hasPrefix("deflate") }
            head.headers.replaceOrAdd(name: "accept-encoding", value: kept.joined(separator: ", "))
            context.fireChannelRead(wrapInboundOut(.head(head)))
            return
        }
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension AcceptEncodingHandler: Sendable {}
