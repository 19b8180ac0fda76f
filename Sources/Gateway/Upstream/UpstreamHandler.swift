import NIOCore
import NIOHTTP1

/// What the client side of an exchange hears from its upstream connection. Called on the shared event loop.
protocol UpstreamResponseDelegate: AnyObject {
    func upstreamResponseHead(_ head: HTTPResponseHead)
    func upstreamResponseBody(_ body: ByteBuffer)
    func upstreamResponseEnd(_ trailers: HTTPHeaders?)
    func upstreamReadComplete()
    func upstreamFailed(_ error: any Error)
    func upstreamWritabilityChanged(isWritable: Bool)
}

/// The last handler of an upstream connection: hands response parts to the leasing exchange and reads only
/// while the client side can take more (backpressure in the upstream → client direction).
final class UpstreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// The exchange currently using this connection; nil while idle in the pool.
    weak var delegate: (any UpstreamResponseDelegate)?
    /// Whether the client side can take more bytes; reads are held while it cannot.
    var clientWritable = true {
        didSet { if clientWritable, readPending, let context { readPending = false; context.read() } }
    }
    /// Called once when the connection closes, so the pool forgets it.
    var onClose: (() -> Void)?
    /// True while a response is being received; a connection is reusable only between responses.
    private(set) var inResponse = false
    /// Set when the upstream said `Connection: close` or spoke HTTP/1.0.
    private(set) var closeAfterResponse = false
    private var readPending = false
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if head.status.code >= 200 || head.status == .switchingProtocols { inResponse = true }
            closeAfterResponse = closeAfterResponse || !head.isKeepAlive
            delegate?.upstreamResponseHead(head)
        case .body(let body):
            delegate?.upstreamResponseBody(body)
        case .end(let trailers):
            inResponse = false
            let delegate = self.delegate
            self.delegate = nil
            delegate?.upstreamResponseEnd(trailers)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if clientWritable {
            context.read()
        } else {
            readPending = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        delegate?.upstreamWritabilityChanged(isWritable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let delegate = self.delegate
        self.delegate = nil
        onClose?()
        onClose = nil
        delegate?.upstreamFailed(UpstreamError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let delegate = self.delegate
        self.delegate = nil
        delegate?.upstreamFailed(error)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension UpstreamHandler: Sendable {}

/// Failures talking to an upstream target.
enum UpstreamError: Error {
    /// The upstream closed or reset the connection before the response ended.
    case connectionClosed
    /// No response head within `upstream_timeout`.
    case responseTimeout
}
