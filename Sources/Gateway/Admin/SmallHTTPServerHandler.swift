import NIOCore
import NIOHTTP1

/// A request to one of the gateway's small internal servers (admin API, metrics), body collected whole.
struct SmallRequest: Sendable {
    let method: HTTPMethod
    let path: String
    let body: ByteBuffer
}

/// A response from an internal server.
struct SmallResponse: Sendable {
    var status: HTTPResponseStatus
    var contentType: String = "application/json"
    var body: String
}

/// Serves small internal HTTP APIs: collects a bounded body, calls `respond`, writes the answer. `respond` answers
/// with a future on the connection's event loop (most at once, with no I/O), so answers never wait for the
/// concurrency thread pool; the HTTP server pipeline holds a pipelined request until the previous answer is out.
final class SmallHTTPServerHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Largest accepted request body.
    static let maximumBodySize = 1 << 20

    /// Answers a request; the event loop is the connection's.
    typealias Responder = @Sendable (SmallRequest, any EventLoop) -> EventLoopFuture<SmallResponse>

    let respond: Responder
    var head: HTTPRequestHead?
    var body: ByteBuffer?

    init(respond: @escaping Responder) {
        self.respond = respond
    }

    /// A handler for a synchronous, I/O-free `respond`.
    convenience init(immediate respond: @escaping @Sendable (SmallRequest) -> SmallResponse) {
        self.init { request, eventLoop in eventLoop.makeSucceededFuture(respond(request)) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = context.channel.allocator.buffer(capacity: 0)
        case .body(var chunk):
            if (body?.readableBytes ?? 0) + chunk.readableBytes > Self.maximumBodySize {
                context.close(promise: nil)
                return
            }
            body?.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            let request = SmallRequest(method: head.method, path: head.uri, body: body ?? ByteBuffer())
            self.head = nil
            body = nil
            let keepAlive = head.isKeepAlive
            let answered = respond(request, context.eventLoop)
            answered.hop(to: context.eventLoop).assumeIsolated().whenComplete { result in
                let response = (try? result.get())
                    ?? SmallResponse(status: .internalServerError, body: #"{"error":"internal error"}"#)
                self.write(response, keepAlive: keepAlive, context: context)
            }
        }
    }

    func write(_ response: SmallResponse, keepAlive: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: response.contentType)
        headers.add(name: "content-length", value: String(response.body.utf8.count))
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: response.body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }
}

@available(*, unavailable)
extension SmallHTTPServerHandler: Sendable {}
