// The smallest HTTP/1.1 reverse proxy SwiftNIO makes possible: NIO's server pipeline (encoder, decoder,
// pipelining handler) to the client, NIO's client pipeline to the upstream (without the outbound header validator,
// as in the gateway), one keep-alive upstream connection per client connection, every part
// forwarded as it is. No routing, headers, limits, logs or metrics. `Benchmarks/proxy.sh` runs it beside the
// gateway and nginx to show how much of the gap to nginx is SwiftNIO's own per-request cost.
//
// Usage: ProxyFloorBenchmark LISTEN_PORT UPSTREAM_PORT   (serves 127.0.0.1 on one event loop thread)
//        FLOOR_NO_PIPELINING=1 leaves NIO's pipelining handler out (it holds reads while a response is due)
//        FLOOR_TCP=1 parses nothing: bytes are copied between the client and its upstream connection as they come,
//        the bound for any HTTP proxy on NIO's channels, whatever its codec (it cannot route, check or rewrite)
//        FLOOR_RAW_RESPONSE=1 parses requests with NIO but copies the upstream's response bytes to the client
//        unparsed: what NIO's response decoder and encoder cost (not a working proxy: it never frames a response)
import NIOCore
import NIOHTTP1
import NIOPosix
import Glibc

/// Forwards the client's request parts to its upstream connection, opened when the client connects.
final class ClientSide: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let upstreamPort: Int
    /// For `FLOOR_RAW_RESPONSE`: the upstream's bytes go back to the client as they come, unparsed.
    private let rawResponses: Bool
    private var upstream: (any Channel)?
    /// Parts that arrived before the upstream connection was up.
    private var waiting: [HTTPClientRequestPart] = []

    init(upstreamPort: Int, rawResponses: Bool = false) {
        self.upstreamPort = upstreamPort
        self.rawResponses = rawResponses
    }

    func channelActive(context: ChannelHandlerContext) {
        let client = NIOLoopBound((context, self), eventLoop: context.eventLoop)
        let (clientChannel, rawResponses) = (context.channel, self.rawResponses)
        ClientBootstrap(group: context.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    if rawResponses {
                        try operations.addHandler(HTTPRequestEncoder())
                        try operations.addHandler(BytePipe(upstreamPort: nil, peer: clientChannel))
                    } else {
                        try operations.addHTTPClientHandlers(enableOutboundHeaderValidation: false)
                        try operations.addHandler(UpstreamSide(client: client.value.0))
                    }
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

/// Copies bytes from one connection to its peer, for `FLOOR_TCP`.
final class BytePipe: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let upstreamPort: Int?
    var peer: (any Channel)?
    private var waiting: [ByteBuffer] = []

    /// `upstreamPort` for the client's side, which opens the upstream connection; nil for the upstream's side.
    init(upstreamPort: Int?, peer: (any Channel)? = nil) {
        self.upstreamPort = upstreamPort
        self.peer = peer
    }

    func channelActive(context: ChannelHandlerContext) {
        if let upstreamPort {
            let client = NIOLoopBound((context, self), eventLoop: context.eventLoop)
            let clientChannel = context.channel
            ClientBootstrap(group: context.eventLoop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(BytePipe(upstreamPort: nil, peer: clientChannel))
                    }
                }
                .connect(host: "127.0.0.1", port: upstreamPort)
                .whenComplete { result in
                    let (context, handler) = client.value
                    switch result {
                    case .success(let channel):
                        handler.peer = channel
                        for buffer in handler.waiting { channel.write(buffer, promise: nil) }
                        handler.waiting.removeAll()
                        channel.flush()
                    case .failure:
                        context.close(promise: nil)
                    }
                }
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard let peer else { return waiting.append(buffer) }
        peer.writeAndFlush(buffer, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer?.close(promise: nil)
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
            if getenv("FLOOR_RAW_RESPONSE") != nil {
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder()))
                return try channel.pipeline.syncOperations.addHandler(ClientSide(upstreamPort: upstreamPort, rawResponses: true))
            }
            if getenv("FLOOR_TCP") != nil {
                return try channel.pipeline.syncOperations.addHandler(BytePipe(upstreamPort: upstreamPort))
            }
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: getenv("FLOOR_NO_PIPELINING") == nil)
            try channel.pipeline.syncOperations.addHandler(ClientSide(upstreamPort: upstreamPort))
        }
    }
    .bind(host: "127.0.0.1", port: listenPort)
    .get()
try await server.closeFuture.get()
