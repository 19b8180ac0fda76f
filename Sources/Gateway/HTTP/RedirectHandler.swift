import NIOCore
import NIOHTTP1

/// The plain-HTTP listener when HTTPS is on: `301` to the same URL on HTTPS, except ACME HTTP-01 challenges
/// and the gateway's own health endpoint, which go on to the proxy.
final class RedirectHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let acmeChallengePrefix = "/.well-known/acme-challenge/"

    let httpsPort: Int
    /// The connection's deadlines: the redirect is a complete exchange of its own.
    let deadline: HeadDeadlineHandler?
    var redirecting = false

    init(httpsPort: Int, deadline: HeadDeadlineHandler?) {
        self.httpsPort = httpsPort
        self.deadline = deadline
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let head):
            if head.uri.hasPrefix(Self.acmeChallengePrefix) || head.uri == GatewayRuntime.healthPath {
                redirecting = false
                context.fireChannelRead(data)
                return
            }
            redirecting = true
            deadline?.headReceived()
            let host = head.headers.first(name: "host").map(Router.normalizedHost) ?? "localhost"
            let authority = httpsPort == 443 ? host : "\(host):\(httpsPort)"
            let formatted = authority.contains(":") && !authority.contains("]") && httpsPort == 443 ? "[\(authority)]" : authority
            var headers = HTTPHeaders()
            headers.add(name: "location", value: "https://\(formatted)\(head.uri)")
            headers.add(name: "content-length", value: "0")
            if !head.isKeepAlive { headers.add(name: "connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .movedPermanently, headers: headers))), promise: nil)
            let keepAlive = head.isKeepAlive
            deadline?.responseCompleted()
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                if !keepAlive { context.close(promise: nil) }
            }
        case .body, .end:
            if !redirecting { context.fireChannelRead(data) }
        }
    }
}

@available(*, unavailable)
extension RedirectHandler: Sendable {}
