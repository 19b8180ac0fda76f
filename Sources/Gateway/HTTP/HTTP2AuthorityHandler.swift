import NIOCore
import NIOHPACK
import NIOHTTP2

/// Makes an HTTP/2 request's `:authority` the one `Host` its HTTP/1.1 translation carries (RFC 9113 §8.3.1).
/// NIO's translation keeps a `host` field the client sent beside `:authority` and drops the authority, so a
/// client could route by one name and hand the application another; and it refuses a request that names its
/// authority only in `host`, which the RFC allows. Only a stream's first header block is looked at.
final class HTTP2AuthorityHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload

    private var headSeen = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !headSeen, case .headers(var headers) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        headSeen = true
        let authority = headers.headers.first(name: ":authority")
        let host = headers.headers.first(name: "host")
        switch (authority, host) {
        case (.some, .some):
            headers.headers.remove(name: "host")
        case (nil, .some(let host)):
            var fields = HPACKHeaders([(":authority", host)])
            fields.add(contentsOf: headers.headers.filter { $0.name != "host" }.map { ($0.name, $0.value) })
            headers.headers = fields
        default:
            context.fireChannelRead(data)
            return
        }
        context.fireChannelRead(wrapInboundOut(.headers(headers)))
    }
}

@available(*, unavailable)
extension HTTP2AuthorityHandler: Sendable {}
