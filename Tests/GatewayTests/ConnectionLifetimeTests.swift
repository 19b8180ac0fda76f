import Foundation
import ShipshapeCore
import TestSupport
import Testing

/// Connections that never send a request, or stop using one: each is closed in time, on every listener and
/// protocol, and none is answered in a form its client cannot read.
@Suite("gateway: connection lifetimes", .serialized)
struct ConnectionLifetimeTests {
    @Test("a connection that sends nothing is closed at header_timeout without an answer, on the plain and the TLS listener")
    func silentConnections() async throws {
        try await GatewayHarness.with(tls: true, configure: { config, _ in config.gateway.limits.headerTimeout = .seconds(1) }) { gateway in
            for port in [gateway.httpPort, gateway.httpsPort] {
                // On TLS the client never finished (never began) its handshake: a 408 could not even be written.
                let (answer, elapsed) = try await timedRawExchange(port: port, chunks: [], timeout: 20)
                #expect(answer.isEmpty, "closed without a word: \(answer.prefix(100))")
                #expect(elapsed > 0.8 && elapsed < 10, "closed at the 1 s deadline: \(elapsed)")
            }
        }
    }

    @Test("over max_connections a TLS client's connection is closed at once, never answered in plaintext")
    func overloadedTLS() async throws {
        try await GatewayHarness.with(tls: true, configure: { config, _ in
            config.gateway.limits.maxConnections = 2
            config.gateway.limits.headerTimeout = .seconds(8)
        }) { gateway in
            let (answer, elapsed) = try await Self.thirdConnection(port: gateway.httpsPort, chunks: [])
            #expect(answer.isEmpty, "no plaintext 503 into a TLS connection: \(answer.prefix(100))")
            #expect(elapsed < 5, "closed at once, not at the header deadline: \(elapsed)")
        }
    }

    /// With `max_connections: 2` held by two silent connections, a third connection's exchange (its answer,
    /// seconds until closed).
    static func thirdConnection(port: Int, chunks: [String]) async throws -> (String, Double) {
        async let first = timedRawExchange(port: port, chunks: [], timeout: 20)
        async let second = timedRawExchange(port: port, chunks: [], timeout: 20)
        try await Task.sleep(for: .milliseconds(700))
        let third = try await timedRawExchange(port: port, chunks: chunks, timeout: 20)
        _ = try await (first, second)
        return third
    }

    @Test("over max_connections a plain-HTTP client gets a JSON 503 with Retry-After and the security headers, then the close")
    func overloadedPlain() async throws {
        try await GatewayHarness.with(configure: { config, _ in
            config.gateway.limits.maxConnections = 2
            config.gateway.limits.headerTimeout = .seconds(8)
        }) { gateway in
            let (answer, elapsed) = try await Self.thirdConnection(port: gateway.httpPort, chunks: ["GET / HTTP/1.1\r\nHost: t\r\n\r\n"])
            let lowercased = answer.lowercased()
            #expect(answer.hasPrefix("HTTP/1.1 503"), "\(answer.prefix(100))")
            #expect(answer.contains(#""error":"overloaded""#))
            #expect(lowercased.contains("retry-after: 1") && lowercased.contains("x-request-id: "))
            #expect(lowercased.contains("x-content-type-options: nosniff") && lowercased.contains("x-frame-options: "))
            #expect(!lowercased.contains("strict-transport-security"), "no HSTS over plain HTTP")
            #expect(elapsed < 5, "answered at once: \(elapsed)")
        }
    }

    @Test("an HTTP/2 connection without streams gets a GOAWAY and is closed after idle_timeout; a connection error closes it")
    func http2Lifetimes() async throws {
        try await GatewayHarness.with(tls: true, configure: { config, _ in config.gateway.limits.idleTimeout = .seconds(1) }) { gateway in
            let script = #"""
                import socket, ssl, sys, time
                import h2.config, h2.connection, h2.events
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                context.set_alpn_protocols(["h2"])
                sock = context.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="localhost")
                sock.settimeout(20)
                connection = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
                connection.initiate_connection()
                sock.sendall(connection.data_to_send())
                started, goaway = time.monotonic(), False
                try:
                    while True:
                        data = sock.recv(65536)
                        if not data:
                            break
                        for event in connection.receive_data(data):
                            goaway = goaway or isinstance(event, h2.events.ConnectionTerminated)
                        sock.sendall(connection.data_to_send())
                except (socket.timeout, ConnectionResetError, ssl.SSLError):
                    pass
                print("%.3f %s" % (time.monotonic() - started, goaway))
                """#
            let idle = try await ProcessRunner.run(["python3", "-c", script, String(gateway.httpsPort)])
            let fields = idle.stdout.split(separator: " ")
            let elapsed = Double(fields.first ?? "") ?? -1
            #expect(elapsed > 0.8 && elapsed < 10, "closed at the 1 s idle timeout: \(idle.stdout) \(idle.stderr)")
            #expect(fields.last?.hasPrefix("True") == true, "a GOAWAY first: \(idle.stdout)")

            // A header block over max_header_size is a connection error: the client learns it at once.
            let started = ContinuousClock.now
            let big = try await ProcessRunner.run([
                "curl", "-k", "-s", "-o", "/dev/null", "--http2", "--max-time", "30", "-H", "X-Big: " + String(repeating: "a", count: 17_000),
                "\(gateway.https)/api/hello",
            ])
            #expect(big.status != 0 && big.status != 28, "refused, not hung until curl's timeout: exit \(big.status)")
            #expect(ContinuousClock.now - started < .seconds(15))
        }
    }
}
