import Foundation
import Gateway
import NIOCore
import NIOPosix
import ShipshapeCore
import Synchronization
import TestSupport
import Testing

/// How the gateway reads what upstreams answer: every framing RFC 9112 allows, cut into pieces, on connections
/// it reuses; and what it refuses. The upstream is a server that answers each request with scripted bytes, which
/// no real server can be made to send.
@Suite("gateway: reading upstream responses", .serialized)
struct UpstreamResponseTests {
    @Test("a chunked response cut into 3-byte pieces, with chunk extensions and trailers, arrives whole on a reused connection")
    func chunkedInPieces() async throws {
        let chunked = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "7;name=value\r\nchunked\r\n19\r\n response, in three parts\r\n0\r\nX-Checksum: abc\r\n\r\n"
        let upstream = ScriptedUpstream([.pieces(chunked, size: 3), .pieces(chunked, size: 1)])
        try await withGateway(upstream) { gateway in
            let response = try await ProcessRunner.run(
                ["curl", "-s", "-S", "--max-time", "10", "\(gateway.http)/one", "\(gateway.http)/two"])
            #expect(response.stdout == "chunked response, in three parts" + "chunked response, in three parts", "\(response.stderr)")
            #expect(upstream.connections == 1, "the connection is reused after a chunked response")
        }
    }

    @Test("a body that ends with the upstream's connection arrives whole, and the next request opens another")
    func closeDelimited() async throws {
        let upstream = ScriptedUpstream([
            .pieces("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the connection ends", size: 5, thenClose: true),
            .pieces("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"),
        ])
        try await withGateway(upstream) { gateway in
            let first = try await CurlResponse.run(["\(gateway.http)/"])
            #expect(first.status == 200)
            #expect(first.body == "until the connection ends")
            let second = try await CurlResponse.run(["\(gateway.http)/"])
            #expect(second.body == "next")
            #expect(upstream.connections == 2)
        }
    }

    @Test("an HTTP/1.0 client gets HTTP/1.0: a body without a length is not chunked but ends with the connection; a length keeps it alive")
    func http10Client() async throws {
        let chunked = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "7\r\nchunked\r\n9\r\n response\r\n0\r\n\r\n"
        let sized = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nsized"
        let upstream = ScriptedUpstream([.pieces(chunked), .pieces(sized), .pieces(sized)])
        try await withGateway(upstream) { gateway in
            // Accept-Encoding too: a compressed body would have no length either, so HTTP/1.0 gets none.
            let answer = try await rawExchange(
                port: gateway.httpPort, chunks: ["GET /a HTTP/1.0\r\nAccept-Encoding: gzip\r\nConnection: keep-alive\r\n\r\n"], timeout: 5)
            let (head, body) = try #require(answer.split(separator: "\r\n\r\n", maxSplits: 1).map(String.init).pair, "\(answer)")
            #expect(head.hasPrefix("HTTP/1.0 200"), "\(head)")
            #expect(!head.lowercased().contains("transfer-encoding") && !head.lowercased().contains("content-encoding"), "\(head)")
            #expect(head.lowercased().contains("connection: close"), "\(head)")
            #expect(body == "chunked response", "the body as it is, ended by the close: \(body)")

            let kept = try await rawExchange(
                port: gateway.httpPort,
                chunks: ["GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET /c HTTP/1.0\r\n\r\n"], pause: 0.3, timeout: 5)
            #expect(kept.components(separatedBy: "HTTP/1.0 200").count == 3, "both answered on one connection: \(kept)")
            #expect(kept.lowercased().contains("connection: keep-alive"), "\(kept)")
        }
    }

    @Test("HEAD, 204 and 304 answers have no body whatever their headers say, and 1xx answers are not passed on")
    func bodilessResponses() async throws {
        let upstream = ScriptedUpstream([
            .pieces("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
            .pieces("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                + "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"),
            .pieces("HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\nETag: \"x\"\r\n\r\n"),
            .pieces("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfine"),
        ])
        try await withGateway(upstream) { gateway in
            let answer = try await rawExchange(port: gateway.httpPort, chunks: [
                "HEAD /a HTTP/1.1\r\nHost: t\r\n\r\n", "GET /b HTTP/1.1\r\nHost: t\r\n\r\n",
                "GET /c HTTP/1.1\r\nHost: t\r\n\r\n", "GET /d HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
            ], pause: 0.2)
            let statusLines = answer.split(separator: "\r\n").filter { $0.hasPrefix("HTTP/1.1 ") }
            #expect(statusLines == ["HTTP/1.1 200 OK", "HTTP/1.1 204 No Content", "HTTP/1.1 304 Not Modified", "HTTP/1.1 200 OK"], "\(answer)")
            #expect(answer.hasSuffix("\r\n\r\nfine"), "\(answer)")
            #expect(!answer.contains("Early Hints") && !answer.contains("100 Continue"))
            #expect(upstream.connections == 1)
        }
    }

    @Test("a malformed response is a JSON 502 that carries nothing of it, and its connection is not reused")
    func malformedResponses() async throws {
        let malformed = [
            "HTTP/1.1 200 OK\r\nX-Folded: one\r\n two\r\nContent-Length: 2\r\n\r\nok",  // obs-fold
            "HTTP/1.1 200 OK\r\nContent-Length: 12, 13\r\n\r\nsmuggled body",  // lengths that disagree
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok",
            "HTTP/2 200 OK\r\nContent-Length: 2\r\n\r\nok",  // not HTTP/1.x
            "HTTP/1.1 200 OK\r\nX-Bad: a\u{0}b\r\nContent-Length: 2\r\n\r\nok",  // NUL in a value
            "HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 2\r\n\r\nok",  // space in a name
        ]
        let badChunk = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\nzz\r\nsmuggled\r\n0\r\n\r\n"
        // The first malformed answer comes on a connection a good answer left open for reuse: the request is not
        // sent again on a fresh one (it would take the next scripted answer).
        let upstream = ScriptedUpstream(
            [.pieces("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst")] + malformed.map { .pieces($0) }
                + [.pieces(badChunk), .pieces("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood")])
        try await withGateway(upstream) { gateway in
            // One client connection, so one event loop and its pooled upstream connection.
            let reused = try await ProcessRunner.run(["curl", "-s", "--max-time", "10", "\(gateway.http)/", "\(gateway.http)/"])
            #expect(reused.stdout.hasPrefix("first") && reused.stdout.contains("the upstream's response was malformed"))
            for text in malformed.dropFirst() {
                let response = try await CurlResponse.run(["\(gateway.http)/"])
                #expect(response.status == 502, "\(text.debugDescription)")
                #expect(response.body.contains(#""error":"bad_gateway""#))
                #expect(response.body.contains("the upstream's response was malformed"))
                #expect(!response.body.contains("smuggled") && response.headers["x-folded"] == nil)
            }
            // A body found malformed after the head was accepted: the client's connection is cut, nothing of the
            // broken body is passed on.
            let cut = try await ProcessRunner.run(["curl", "-s", "--max-time", "10", "\(gateway.http)/"])
            #expect(cut.status != 0 && !cut.stdout.contains("smuggled"), "\(cut.stdout)")
            let good = try await CurlResponse.run(["\(gateway.http)/"])
            #expect(good.body == "good")
            #expect(upstream.connections == malformed.count + 2, "every malformed answer ended its connection")
        }
    }

    @Test("a 101 to a request that asked for no upgrade (any HTTP/2 request) is a 502, never passed on")
    func unsolicitedSwitch() async throws {
        let switching = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        let upstream = ScriptedUpstream([.pieces(switching), .pieces(switching)])
        try await withGateway(upstream, tls: true) { gateway in
            let http1 = try await CurlResponse.run(["-k", "--http1.1", "\(gateway.https)/ws"])
            #expect(http1.status == 502, "\(http1.body)")
            // HTTP/2 has no 101: passed on, it failed the client's whole connection (PROTOCOL_ERROR).
            let http2 = try await CurlResponse.run(["-k", "--http2", "-H", "Upgrade: websocket", "-H", "Connection: Upgrade", "\(gateway.https)/ws"])
            #expect(http2.httpVersion == "2")
            #expect(http2.status == 502, "\(http2.body)")
            #expect(http2.body.contains("the upstream's response was malformed"))
        }
    }

    @Test("a response head too large for one HTTP/2 HEADERS frame is a JSON 502 to an HTTP/2 client, never a body without a head")
    func oversizedHeadForHTTP2() async throws {
        let big = "HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "a", count: 28_000) + "\r\nContent-Length: 3\r\n\r\nabc"
        let upstream = ScriptedUpstream([.pieces(big), .pieces(big)])
        try await withGateway(upstream, tls: true) { gateway in
            let http2 = try await CurlResponse.run(["-k", "--http2", "\(gateway.https)/big"])
            #expect(http2.httpVersion == "2")
            #expect(http2.status == 502, "\(http2.body)")
            #expect(http2.body.contains("the upstream's response headers are too large for HTTP/2"))
            try await Task.sleep(for: .milliseconds(200))
            #expect(try gateway.accessLog().last?["status"] as? Int == 502)
            // HTTP/1.1 has no frame limit: the same answer passes.
            let http1 = try await CurlResponse.run(["-k", "--http1.1", "\(gateway.https)/big"])
            #expect(http1.status == 200 && http1.body == "abc")
        }
    }

    @Test("a kept-alive connection the upstream closes without answering: a GET is sent again on a fresh one, a POST is not")
    func staleConnectionRetry() async throws {
        let upstream = ScriptedUpstream([
            .pieces("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst"),
            .pieces("", thenClose: true),  // the GET on the kept-alive connection
            .pieces("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nretried"),
            .pieces("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nthird"),
            .pieces("", thenClose: true),  // the POST on the kept-alive connection
            .pieces("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlast"),
        ])
        try await withGateway(upstream) { gateway in
            // One client connection each time, so one event loop and its pooled upstream connection.
            let get = try await ProcessRunner.run(["curl", "-s", "--max-time", "10", "\(gateway.http)/", "\(gateway.http)/"])
            #expect(get.stdout == "firstretried")
            #expect(upstream.connections == 2)
            let post = try await ProcessRunner.run([
                "curl", "-s", "--max-time", "10", "\(gateway.http)/",
                "--next", "-s", "--max-time", "10", "-d", "", "\(gateway.http)/",  // a POST with Content-Length: 0
            ])
            #expect(post.stdout.hasPrefix("third") && post.stdout.contains(#""error":"bad_gateway""#), "\(post.stdout)")
            #expect(try await CurlResponse.run(["\(gateway.http)/"]).body == "last", "the POST was not sent again")
        }
    }

    @Test("a response framed by both Transfer-Encoding and Content-Length is refused: it may be splitting responses")
    func transferEncodingWithLength() async throws {
        let upstream = ScriptedUpstream([
            .pieces("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nwhole\r\n0\r\n\r\n"),
            .pieces("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"),
        ])
        try await withGateway(upstream) { gateway in
            let first = try await CurlResponse.run(["\(gateway.http)/"])
            #expect(first.status == 502)
            #expect(first.body.contains("the upstream's response was malformed"))
            let second = try await CurlResponse.run(["\(gateway.http)/"])
            #expect(second.body == "next")
            #expect(upstream.connections == 2)
        }
    }

    @Test("bytes an upstream sends on the heels of its 101 reach the client through the tunnel")
    func bytesAfterSwitchingProtocols() async throws {
        let upstream = ScriptedUpstream([
            .pieces("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nfirst frame from upstream", thenClose: true)
        ])
        try await withGateway(upstream) { gateway in
            let answer = try await rawExchange(port: gateway.httpPort, chunks: [
                "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ], timeout: 5)
            #expect(answer.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"), "\(answer)")
            #expect(answer.hasSuffix("\r\n\r\nfirst frame from upstream"), "\(answer)")
        }
    }

    @Test("a frame an upstream sends with its 101 just before closing reaches the client before the close")
    func frameWithSwitchingProtocolsThenClose() async throws {
        // TCP_CORK holds the answer until the close, so the 101, the frame and the FIN arrive in one segment and
        // the gateway reads the end in the same turn as the answer: the timing in which the frame used to be lost.
        let port = try ProcessRunner.freePort()
        let directory = try TemporaryDirectory(prefix: "cork")
        defer { directory.remove() }
        let ready = "\(directory.path)/ready"
        let script = """
            import socket, sys
            server = socket.socket(); server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", int(sys.argv[1]))); server.listen(4); open(sys.argv[2], "w").close()
            connection, _ = server.accept(); request = b""
            while b"\\r\\n\\r\\n" not in request: request += connection.recv(65536)
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
            connection.sendall(b"HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n\\r\\nlast words")
            connection.close()
            """
        async let upstream = ProcessRunner.run(["python3", "-c", script, String(port), ready])
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: ready) {
            try await Task.sleep(for: .milliseconds(25))
        }
        try await GatewayHarness.with(configure: { config, _ in
            config.services["app"] = ServiceConfiguration(name: "app", targets: [HostPort(host: "127.0.0.1", port: port)])
        }) { gateway in
            let answer = try await rawExchange(port: gateway.httpPort, chunks: [
                "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ], timeout: 5)
            #expect(answer.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"), "\(answer)")
            #expect(answer.hasSuffix("\r\n\r\nlast words"), "\(answer)")
        }
        _ = try await upstream
    }

    @Test("an upstream that sends more than the response asked for loses its connection; the next request is answered right")
    func unsolicitedBytes() async throws {
        let upstream = ScriptedUpstream([
            .pieces("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nwrong"),
            .pieces("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nright"),
        ])
        try await withGateway(upstream) { gateway in
            let first = try await CurlResponse.run(["\(gateway.http)/"])
            #expect(first.body == "ok")
            let second = try await CurlResponse.run(["\(gateway.http)/"])
            #expect(second.body == "right")
            #expect(upstream.connections == 2)
        }
    }

    @Test("a response cut short by the upstream is a 502 before its head and a cut connection after it")
    func truncatedResponses() async throws {
        let upstream = ScriptedUpstream([
            .pieces("HTTP/1.1 200 OK\r\nContent-Len", thenClose: true),
            .pieces("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", thenClose: true),
        ])
        try await withGateway(upstream) { gateway in
            let first = try await CurlResponse.run(["\(gateway.http)/"])
            #expect(first.status == 502)
            let second = try await ProcessRunner.run(["curl", "-s", "--max-time", "10", "\(gateway.http)/"])
            #expect(second.status == 18, "curl: transfer closed with outstanding read data remaining")
        }
    }

    private func withGateway(
        _ upstream: ScriptedUpstream, tls: Bool = false, _ body: (GatewayHarness) async throws -> Void
    ) async throws {
        let port = try await upstream.start()
        do {
            try await GatewayHarness.with(tls: tls, configure: { config, _ in
                config.services["app"] = ServiceConfiguration(name: "app", targets: [HostPort(host: "127.0.0.1", port: port)])
            }, body)
        } catch {
            try await upstream.stop()
            throw error
        }
        try await upstream.stop()
    }
}

/// An upstream that answers the Nth request it receives (on any connection) with the Nth scripted answer,
/// written in pieces with a pause between them so that they arrive as separate reads.
final class ScriptedUpstream: Sendable {
    struct Answer: Sendable {
        let pieces: [[UInt8]]
        let thenClose: Bool

        static func pieces(_ text: String, size: Int = .max, thenClose: Bool = false) -> Answer {
            let bytes = Array(text.utf8)
            let step = min(size, max(bytes.count, 1))
            let pieces = stride(from: 0, to: bytes.count, by: step).map { Array(bytes[$0..<min($0 + step, bytes.count)]) }
            return Answer(pieces: pieces, thenClose: thenClose)
        }
    }

    private let answers: [Answer]
    private let state = Mutex((next: 0, connections: 0))
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let channel = Mutex<(any Channel)?>(nil)

    init(_ answers: [Answer]) { self.answers = answers }

    /// Connections accepted so far.
    var connections: Int { state.withLock { $0.connections } }

    func start() async throws -> Int {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    self.state.withLock { $0.connections += 1 }
                    try channel.pipeline.syncOperations.addHandler(ScriptedAnswerHandler(upstream: self))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        channel.withLock { $0 = server }
        return server.localAddress?.port ?? 0
    }

    func stop() async throws {
        try await channel.withLock { $0 }?.close()
        try await group.shutdownGracefully()
    }

    fileprivate func nextAnswer() -> Answer? {
        state.withLock { state in
            defer { state.next += 1 }
            return state.next < answers.count ? answers[state.next] : nil
        }
    }
}

/// Answers each request head with the upstream's next scripted answer. Requests must have no body, or an empty
/// one framed by `Content-Length: 0`: the end of a chunked body would be taken for another request.
private final class ScriptedAnswerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let upstream: ScriptedUpstream
    private var received: [UInt8] = []

    init(upstream: ScriptedUpstream) { self.upstream = upstream }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += unwrapInboundIn(data).readableBytesView
        while let end = received.firstRange(of: Array("\r\n\r\n".utf8)) {
            received.removeSubrange(..<end.upperBound)
            guard let answer = upstream.nextAnswer() else {
                context.close(promise: nil)
                return
            }
            let channel = context.channel
            for (index, piece) in answer.pieces.enumerated() {
                channel.eventLoop.scheduleTask(in: .milliseconds(Int64(index) * 2)) {
                    channel.writeAndFlush(ByteBuffer(bytes: piece), promise: nil)
                }
            }
            if answer.thenClose {
                channel.eventLoop.scheduleTask(in: .milliseconds(Int64(answer.pieces.count) * 2 + 20)) {
                    channel.close(promise: nil)
                }
            }
        }
    }
}

extension Array {
    /// The two elements of a two-element array.
    fileprivate var pair: (Element, Element)? { count == 2 ? (self[0], self[1]) : nil }
}
