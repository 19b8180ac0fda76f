import NIOCore
import Synchronization
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import ShipshapeCore

/// The small web app `shipshape demo` puts behind the gateway, also used as an upstream in tests and
/// benchmarks: `/` (HTML), `/api/hello` (JSON naming its version), `/health`, `/echo` (streams the request
/// body back), `/bytes/N` (N bytes of text), `/status/N`, `/delay/MS`, `/headers` (request headers as JSON) and
/// `/ws` (a WebSocket echo), `/upload` (reads the whole body, then answers with its size).
public final class DemoApp: Sendable {
    /// The version string the app reports (a deploy changes it).
    public let version: String
    let group: any EventLoopGroup
    let channel = Mutex<(any Channel)?>(nil)

    /// An app reporting `version`.
    public init(version: String, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.version = version
        self.group = group
    }

    /// Starts listening; returns the bound port.
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> Int {
        let version = self.version
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1024)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOWebSocketServerUpgrader(
                        shouldUpgrade: { channel, head in
                            channel.eventLoop.makeSucceededFuture(head.uri.hasPrefix("/ws") ? HTTPHeaders() : nil)
                        },
                        upgradePipelineHandler: { channel, _ in
                            channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHandler(WebSocketEchoHandler())
                            }
                        })
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (
                            upgraders: [upgrader],
                            completionHandler: { context in
                                if let handler = try? context.pipeline.syncOperations.handler(type: DemoAppHandler.self) {
                                    context.pipeline.syncOperations.removeHandler(handler, promise: nil)
                                }
                            }
                        ))
                    try channel.pipeline.syncOperations.addHandler(DemoAppHandler(version: version))
                }
            }
            .bind(host: host, port: port)
            .get()
        self.channel.withLock { $0 = channel }
        return channel.localAddress?.port ?? port
    }

    /// Stops listening.
    public func stop() async {
        let channel = self.channel.withLock { $0 }
        try? await channel?.close()
    }
}

final class DemoAppHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let version: String
    var echoing = false
    var uploading: (head: HTTPRequestHead, bytes: Int)?
    var keepAlive = true

    init(version: String) { self.version = version }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            keepAlive = head.isKeepAlive
            let path = String(head.uri.split(separator: "?").first ?? "/")
            if path == "/echo" {
                echoing = true
                var headers = HTTPHeaders()
                headers.add(name: "content-type", value: head.headers.first(name: "content-type") ?? "application/octet-stream")
                if let length = head.headers.first(name: "content-length") { headers.add(name: "content-length", value: length) }
                headers.add(name: "x-app-version", value: version)
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
                return
            }
            echoing = false
            if path == "/upload" {
                uploading = (head, 0)
                return
            }
            respond(to: path, head: head, context: context)
        case .body(let body):
            if echoing { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
            uploading?.bytes += body.readableBytes
        case .end:
            if echoing {
                echoing = false
                finish(context: context)
            }
            if let upload = uploading {
                uploading = nil
                respond(to: "/uploaded/\(upload.bytes)", head: upload.head, context: context)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func respond(to path: String, head: HTTPRequestHead, context: ChannelHandlerContext) {
        var status = HTTPResponseStatus.ok
        var type = "application/json"
        var body: String
        var extra: [(String, String)] = [("Server", "demo/1.0"), ("X-Powered-By", "Shipshape-Demo")]
        switch path {
        case "/":
            type = "text/html; charset=utf-8"
            body = DemoAppHandler.page(version: version)
        case "/health", "/health/":
            body = #"{"status":"ok","version":"\#(version)"}"#
        case "/api/hello", "/api/hello/":
            body = #"{"message":"hello from the demo app","version":"\#(version)"}"#
        case _ where path.hasPrefix("/bytes/"):
            let count = min(Int(path.dropFirst(7)) ?? 0, 64 << 20)
            type = "text/plain"
            body = String(repeating: "shipshape ", count: count / 10 + 1)
            body = String(body.prefix(count))
        case _ where path.hasPrefix("/status/"):
            status = HTTPResponseStatus(statusCode: Int(path.dropFirst(8)) ?? 500)
            body = #"{"status":\#(status.code)}"#
        case _ where path.hasPrefix("/uploaded/"):
            body = #"{"received":\#(path.dropFirst(10))}"#
        case _ where path.hasPrefix("/delay/"):
            let milliseconds = Int64(path.dropFirst(7)) ?? 0
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(milliseconds)) {
                self.respond(to: "/health", head: head, context: context)
            }
            return
        case "/headers":
            var writer = JSONLineWriter()
            for (name, value) in head.headers { writer.field(name.lowercased(), string: value) }
            body = writer.finish()
            extra = []
        default:
            status = .notFound
            body = #"{"error":"not found"}"#
        }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: type)
        headers.add(name: "content-length", value: String(body.utf8.count))
        headers.add(name: "x-app-version", value: version)
        for (name, value) in extra { headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        finish(context: context)
    }

    func finish(context: ChannelHandlerContext) {
        let keepAlive = self.keepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }

    static func page(version: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Shipshape demo</title>
        <style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;line-height:1.5}
        code{background:#eef;padding:.1rem .3rem}</style></head>
        <body><h1>Shipshape demo app</h1>
        <p>This page came through the Shipshape gateway: TLS, security headers, request IDs, compression and an
        access log line for every request. Version: <strong>\(version)</strong>.</p>
        <p>Try <code>/api/hello</code>, <code>/health</code> and the gateway's metrics.</p>
        \(String(repeating: "<!-- padding so the page is worth compressing -->\n", count: 40))
        </body></html>
        """
    }
}

@available(*, unavailable)
extension DemoAppHandler: Sendable {}

/// Echoes WebSocket text and binary frames; answers pings; closes on close.
final class WebSocketEchoHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary, .continuation:
            let reply = WebSocketFrame(fin: frame.fin, opcode: frame.opcode, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: frame.unmaskedData)))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        default:
            break
        }
    }
}

@available(*, unavailable)
extension WebSocketEchoHandler: Sendable {}
