import NIOCore
import NIOHTTP1

/// Answers malformed requests (bad framing, CL+TE, bad chunk sizes, oversized heads) with a JSON 400 or 431
/// and closes: such requests are never forwarded.
final class ProtocolErrorHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    var responseInProgress = false
    /// The connection's deadlines, told directly when a head arrives and a response ends (a pipeline event
    /// per request would cost a traversal and a dynamic cast in every handler on the way).
    let deadline: HeadDeadlineHandler?

    init(deadline: HeadDeadlineHandler?) {
        self.deadline = deadline
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        if !responseInProgress {
            let response: GatewayErrorResponse
            switch parserError {
            case .headerOverflow: response = .headersTooLarge
            default: response = .badRequest("malformed request: \(parserError)")
            }
            let requestID = RequestID.generate()
            let body = response.jsonBody(requestID: requestID)
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "application/json")
            headers.add(name: "content-length", value: String(body.utf8.count))
            headers.add(name: "connection", value: "close")
            headers.add(name: RequestID.headerName, value: requestID)
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200 || head.status == .switchingProtocols:
            responseInProgress = true
        case .end:
            responseInProgress = false
            deadline?.responseCompleted()
        default:
            break
        }
        context.write(data, promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            deadline?.headReceived()
        }
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension ProtocolErrorHandler: Sendable {}
