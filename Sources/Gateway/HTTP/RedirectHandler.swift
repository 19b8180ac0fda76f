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
    /// For the headers every response carries (security headers, the request ID).
    let runtime: GatewayRuntime
    var redirecting = false

    init(httpsPort: Int, deadline: HeadDeadlineHandler?, runtime: GatewayRuntime) {
        self.httpsPort = httpsPort
        self.deadline = deadline
        self.runtime = runtime
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
            // The request target and Host as the proxy takes them (absolute form, HTTP/1.0 without Host); one the
            // proxy would refuse goes on to it for its 400, never into a Location.
            var target = head
            guard RequestTarget.normalize(&target, localAddress: context.channel.localAddress) == nil,
                let host = target.headers.first(name: "host")
            else {
                redirecting = false
                context.fireChannelRead(data)
                return
            }
            redirecting = true
            deadline?.headReceived()
            let name = RequestTarget.hostWithoutPort(host).lowercased()
            var headers = HTTPHeaders()
            headers.add(name: "location", value: "https://\(name)\(httpsPort == 443 ? "" : ":\(httpsPort)")\(target.uri)")
            headers.add(name: "content-length", value: "0")
            let incomingID = head.headers.first(name: RequestID.headerName)
            runtime.decorate(
                &headers, requestID: incomingID.flatMap { RequestID.isWellFormed($0) ? $0 : nil } ?? RequestID.generate(),
                secure: false, extra: [])
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
