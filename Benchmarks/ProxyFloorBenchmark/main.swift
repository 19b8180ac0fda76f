// The smallest HTTP/1.1 reverse proxy SwiftNIO makes possible: NIO's server pipeline (encoder, decoder,
// pipelining handler) to the client, one keep-alive upstream connection per client connection, every part
// forwarded as it is. No routing, headers, limits, logs or metrics. `Benchmarks/proxy.sh` runs it beside the
// gateway and nginx to show how much of the gap to nginx is SwiftNIO's own per-request cost.
//
// Usage: ProxyFloorBenchmark LISTEN_PORT UPSTREAM_PORT   (serves 127.0.0.1 on one event loop thread)
//        FLOOR_NO_PIPELINING=1 leaves NIO's pipelining handler out (it holds reads while a response is due)
import NIOCore
import NIOHTTP1
import NIOPosix
import Glibc

/// Forwards the client's request parts to its upstream connection, opened when the client connects.
final class ClientSide: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let upstreamPort: Int
    private var upstream: (any Channel)?
    /// Parts that arrived before the upstream connection was up.
    private var waiting: [HTTPClientRequestPart] = []

    init(upstreamPort: Int) { self.upstreamPort = upstreamPort }

    func channelActive(context: ChannelHandlerContext) {
        let client = NIOLoopBound((context, self), eventLoop: context.eventLoop)
        ClientBootstrap(group: context.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(UpstreamSide(client: client.value.0))
                }
            }
            .connect(host: "127.0.0.1", port: upstreamPort)
            .whenComplete { result in
                let (context, handler) = client.value
                switch result {
                case .success(let channel):
                    handler.upstream = channel
                    for part in handler.waiting { channel.write(part, promise: nil) }
                    handler.waiting.removeAll()
                    channel.flush()
                    context.channel.closeFuture.whenComplete { _ in channel.close(promise: nil) }
                case .failure:
                    context.close(promise: nil)
                }
            }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part: HTTPClientRequestPart
        switch unwrapInboundIn(data) {
        case .head(let head): part = .head(head)
        case .body(let body): part = .body(.byteBuffer(body))
        case .end(let trailers): part = .end(trailers)
        }
        guard let upstream else { return waiting.append(part) }
        if case .end = part {
            upstream.writeAndFlush(part, promise: nil)
        } else {
            upstream.write(part, promise: nil)
        }
    }
}

/// Forwards the upstream's response parts to the client.
final class UpstreamSide: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let client: ChannelHandlerContext

    init(client: ChannelHandlerContext) { self.client = client }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            client.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        case .body(let body):
            client.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil)
        case .end(let trailers):
            client.writeAndFlush(NIOAny(HTTPServerResponsePart.end(trailers)), promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.close(promise: nil)
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let listenPort = Int(arguments[1]), let upstreamPort = Int(arguments[2]) else {
    fatalError("usage: ProxyFloorBenchmark LISTEN_PORT UPSTREAM_PORT")
}
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let server = try await ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: getenv("FLOOR_NO_PIPELINING") == nil)
            try channel.pipeline.syncOperations.addHandler(ClientSide(upstreamPort: upstreamPort))
        }
    }
    .bind(host: "127.0.0.1", port: listenPort)
    .get()
try await server.closeFuture.get()
