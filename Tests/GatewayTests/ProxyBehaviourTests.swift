import AsyncHTTPClient
import Foundation
import Gateway
import NIOCore
import NIOSSL
import ShipshapeCore
import TestSupport
import Testing

@Suite("gateway: proxying, headers and errors", .serialized)
struct ProxyBehaviourTests {
    @Test("proxies a request and adds the security headers, the request ID, and no Server header")
    func proxiesWithHeaders() async throws {
        try await GatewayHarness.with { gateway in
            let response = try await CurlResponse.run(["\(gateway.http)/api/hello"])
            #expect(response.status == 200)
            #expect(response.body.contains("hello from the demo app"))
            #expect(response.headers["x-content-type-options"] == "nosniff")
            #expect(response.headers["x-frame-options"] == "DENY")
            #expect(response.headers["referrer-policy"] == "strict-origin-when-cross-origin")
            #expect(response.headers["content-security-policy"]?.contains("default-src") == true)
            #expect(response.headers["permissions-policy"] != nil)
            #expect(response.headers["cross-origin-opener-policy"] == "same-origin")
            #expect(response.headers["cross-origin-resource-policy"] == "same-origin")
            #expect(response.headers["x-xss-protection"] == "0")
            #expect(response.headers["strict-transport-security"] == nil, "HSTS is only sent over HTTPS")
            #expect(response.headers["server"] == nil)
            #expect(response.headers["x-powered-by"] == nil)
            #expect(response.headers["x-request-id"]?.count == 32)
        }
    }

    @Test("the upstream sees forwarding headers, the request ID and a trace context, never hop-by-hop headers")
    func forwardingHeaders() async throws {
        try await GatewayHarness.with { gateway in
            let response = try await CurlResponse.run([
                "-H", "X-Request-ID: req-123", "-H", "X-Forwarded-For: 6.6.6.6", "-H", "Connection: keep-alive, X-Secret",
                "-H", "X-Secret: hop", "-H", "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "\(gateway.http)/headers",
            ])
            let seen = try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: String])
            #expect(seen["x-request-id"] == "req-123")
            #expect(response.headers["x-request-id"] == "req-123")
            #expect(seen["x-forwarded-for"] == "127.0.0.1", "an untrusted client's X-Forwarded-For is replaced")
            #expect(seen["x-real-ip"] == "127.0.0.1")
            #expect(seen["x-forwarded-proto"] == "http")
            #expect(seen["x-forwarded-host"] == "127.0.0.1:\(gateway.httpPort)")
            #expect(seen["traceparent"] == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
            #expect(seen["x-secret"] == nil)
            #expect(seen["connection"] == nil || seen["connection"] == "keep-alive")
        }
    }

    @Test("standard hop-by-hop headers stop at the gateway; Connection: keep-alive names no header to drop")
    func standardHopByHopHeaders() async throws {
        try await GatewayHarness.with { gateway in
            let response = try await CurlResponse.run([
                "-H", "Connection: Keep-Alive", "-H", "Keep-Alive: timeout=5", "-H", "Proxy-Connection: keep-alive",
                "-H", "TE: trailers", "-H", "Proxy-Authorization: Basic c2VjcmV0", "-H", "X-Other: kept", "\(gateway.http)/headers",
            ])
            let seen = try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: String])
            for name in ["connection", "keep-alive", "proxy-connection", "te", "proxy-authorization"] {
                #expect(seen[name] == nil, "\(name) reached the upstream")
            }
            #expect(seen["x-other"] == "kept")
        }
    }

    @Test("a request with no forwarding or tracing headers of its own gets each of them once")
    func forwardingHeadersAdded() async throws {
        try await GatewayHarness.with { gateway in
            let response = try await CurlResponse.run(["\(gateway.http)/headers"])
            let seen = try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: String])
            #expect(seen["x-forwarded-for"] == "127.0.0.1")
            #expect(seen["x-real-ip"] == "127.0.0.1")
            #expect(seen["x-forwarded-proto"] == "http")
            #expect(seen["x-forwarded-host"] == "127.0.0.1:\(gateway.httpPort)")
            #expect(seen["x-request-id"] == response.headers["x-request-id"])
            #expect(seen["x-request-id"]?.count == 32)
            #expect(seen["traceparent"]?.hasPrefix("00-") == true && seen["traceparent"]?.count == 55)
            for name in ["x-forwarded-for", "x-real-ip", "x-forwarded-proto", "x-forwarded-host", "x-request-id", "traceparent"] {
                #expect(response.body.components(separatedBy: "\"\(name)\":").count == 2, "\(name) once in \(response.body)")
            }
        }
    }

    @Test("a malformed request ID is replaced and a missing trace context is started")
    func malformedRequestID() async throws {
        try await GatewayHarness.with { gateway in
            let response = try await CurlResponse.run(["-H", "X-Request-ID: bad id with spaces", "\(gateway.http)/headers"])
            let seen = try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: String])
            #expect(seen["x-request-id"] != "bad id with spaces")
            #expect(seen["x-request-id"]?.count == 32)
            #expect(seen["traceparent"]?.hasPrefix("00-") == true)
        }
    }

    @Test("X-Forwarded-For from a trusted proxy is believed")
    func trustedProxy() async throws {
        try await GatewayHarness.with(configure: { config, _ in config.gateway.trustedProxies = ["127.0.0.0/8"] }) { gateway in
            let response = try await CurlResponse.run(["-H", "X-Forwarded-For: 203.0.113.9", "\(gateway.http)/headers"])
            let seen = try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: String])
            #expect(seen["x-real-ip"] == "203.0.113.9")
            #expect(seen["x-forwarded-for"] == "203.0.113.9, 127.0.0.1")
        }
    }

    @Test("no route gives a JSON 404 with the request ID")
    func noRoute() async throws {
        try await GatewayHarness.with(configure: { config, _ in
            config.gateway.routes = [RouteConfiguration(match: "/api/", service: "app")]
        }) { gateway in
            let response = try await CurlResponse.run(["-H", "X-Request-ID: abc-1", "\(gateway.http)/nothing"])
            #expect(response.status == 404)
            #expect(response.headers["content-type"] == "application/json")
            #expect(response.body.contains(#""request_id":"abc-1""#))
            let status3 = try await CurlResponse.run(["\(gateway.http)/api/hello"]).status
            #expect(status3 == 200)
            let status4 = try await CurlResponse.run(["\(gateway.http)/apiary"]).status
            #expect(status4 == 404, "prefixes match whole segments")
        }
    }

    @Test("an upstream that refuses connections gives a JSON 502")
    func badGateway() async throws {
        let closedPort = try ProcessRunner.freePort()
        try await GatewayHarness.with(configure: { config, _ in
            config.services["app"] = ServiceConfiguration(name: "app", targets: [HostPort(host: "127.0.0.1", port: closedPort)])
        }) { gateway in
            let response = try await CurlResponse.run(["\(gateway.http)/"])
            #expect(response.status == 502)
            #expect(response.body.contains(#""error":"bad_gateway""#))
        }
    }

    @Test("a slow upstream gives a JSON 504 after upstream_timeout")
    func gatewayTimeout() async throws {
        try await GatewayHarness.with(configure: { config, _ in config.gateway.limits.upstreamTimeout = .milliseconds(300) }) { gateway in
            let response = try await CurlResponse.run(["\(gateway.http)/delay/3000"])
            #expect(response.status == 504)
            #expect(response.body.contains(#""error":"gateway_timeout""#))
            let status5 = try await CurlResponse.run(["\(gateway.http)/delay/10"]).status
            #expect(status5 == 200)
        }
    }

    @Test("round-robin over targets skips one that refuses connections")
    func passiveEjection() async throws {
        let closedPort = try ProcessRunner.freePort()
        try await GatewayHarness.with(configure: { config, appPort in
            config.services["app"] = ServiceConfiguration(
                name: "app", targets: [HostPort(host: "127.0.0.1", port: closedPort), HostPort(host: "127.0.0.1", port: appPort)])
        }) { gateway in
            for _ in 0..<6 {
                let status6 = try await CurlResponse.run(["\(gateway.http)/api/hello"]).status
                #expect(status6 == 200)
            }
        }
    }

    @Test("the gateway answers its own /health")
    func ownHealth() async throws {
        try await GatewayHarness.with { gateway in
            let response = try await CurlResponse.run(["\(gateway.http)/health"])
            #expect(response.status == 200)
            #expect(response.body == #"{"status":"ok"}"#)
        }
    }

    @Test("gzip for compressible bodies when accepted, never for small ones or twice")
    func compression() async throws {
        try await GatewayHarness.with { gateway in
            let page = try await CurlResponse.run(["--compressed", "\(gateway.http)/"])
            #expect(page.headers["content-encoding"] == "gzip")
            #expect(page.body.contains("Shipshape demo app"))
            let plain = try await CurlResponse.run(["\(gateway.http)/"])
            #expect(plain.headers["content-encoding"] == nil, "no Accept-Encoding, no gzip")
            let small = try await CurlResponse.run(["--compressed", "\(gateway.http)/api/hello"])
            #expect(small.headers["content-encoding"] == nil, "below min_size")
            // Weights: q=0 refuses a coding (in any spelling of zero); names are case-insensitive.
            for (acceptEncoding, expected) in [
                ("gzip;q=0", nil), ("gzip; q=0.000, identity", nil), ("GZIP", "gzip"), ("br, deflate;q=0.2, gzip;q=0.5", "gzip"),
            ] as [(String, String?)] {
                let weighted = try await CurlResponse.run(["-H", "Accept-Encoding: \(acceptEncoding)", "\(gateway.http)/"])
                #expect(weighted.headers["content-encoding"] == expected, "\(acceptEncoding)")
            }

            // One keep-alive connection: the compressor joins when the first request that accepts gzip arrives.
            let answers = try await rawExchange(port: gateway.httpPort, chunks: [
                "GET / HTTP/1.1\r\nHost: t\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
            ], pause: 0.5)
            let responses = answers.components(separatedBy: "HTTP/1.1 200")
            #expect(responses.count == 3, "two responses on one connection")
            #expect(responses.count == 3 && !responses[1].lowercased().contains("content-encoding: gzip"))
            #expect(responses.count == 3 && responses[2].lowercased().contains("content-encoding: gzip"))

            // Pipelined behind a response still going out, a request that accepts gzip gets an identity answer
            // (the compressor pairs responses with requests it saw, so it joins only between responses); the
            // next request, once the connection is quiet, is compressed; a malformed request after that gets
            // its 400 below the compressor.
            let pipelined = try await rawExchange(port: gateway.httpPort, chunks: [
                "GET / HTTP/1.1\r\nHost: t\r\n\r\n" + "GET / HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n",
                "GET / HTTP/1.1\nHost: t\n\n",
            ], pause: 0.5)
            let parts = Array(pipelined.components(separatedBy: "HTTP/1.1 ").dropFirst())
            try #require(parts.count == 4, "got: \(pipelined)")
            #expect(parts[0].hasPrefix("200") && parts[0].hasSuffix("</body></html>"))
            #expect(parts[1].hasPrefix("200") && parts[1].hasSuffix("</body></html>"), "identity: the compressor was not there yet")
            #expect(parts[2].hasPrefix("200") && parts[2].lowercased().contains("content-encoding: gzip"))
            #expect(parts[3].hasPrefix("400") && parts[3].contains(#""error":"bad_request""#))
        }
    }

    @Test("pipelined requests on one connection are answered in order, the gateway's own answers included")
    func pipelining() async throws {
        try await GatewayHarness.with { gateway in
            // One write: the upstream answers the first, third and fourth, the gateway itself the second.
            let answers = try await rawExchange(port: gateway.httpPort, chunks: [
                "GET /api/hello HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET /health HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\npipelined!!"
                    + "GET /status/418 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
            ])
            let responses = Array(answers.components(separatedBy: "HTTP/1.1 ").dropFirst())
            try #require(responses.count == 4, "got: \(answers)")
            #expect(responses[0].hasPrefix("200") && responses[0].contains("hello from the demo app"))
            #expect(responses[1].hasPrefix("200") && responses[1].hasSuffix(#"{"status":"ok"}"#))
            #expect(responses[2].hasPrefix("200") && responses[2].hasSuffix("pipelined!!"))
            #expect(responses[3].hasPrefix("418") && responses[3].lowercased().contains("connection: close"))
            let paths = try gateway.accessLog().compactMap { $0["path"] as? String }
            #expect(paths == ["/api/hello", "/health", "/echo", "/status/418"])
        }
    }

    @Test("a gateway stopping answers the request in flight with Connection: close and closes idle connections")
    func quiescing() async throws {
        let gateway = try await GatewayHarness.start()
        defer { gateway.directory.remove() }
        let port = gateway.httpPort
        // Keep-alive requests: the gateway must be the one to close.
        async let inFlight = rawExchange(port: port, chunks: ["GET /delay/3000 HTTP/1.1\r\nHost: t\r\n\r\n"], timeout: 15)
        async let idle = rawExchange(port: port, chunks: ["GET /api/hello HTTP/1.1\r\nHost: t\r\n\r\n"], timeout: 15)
        // Stop once the quick request has been answered (its connection is idle) and the slow one is in flight.
        for _ in 0..<100 where !(try gateway.accessLog().contains { $0["path"] as? String == "/api/hello" }) {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(500))  // the slow one, started beside it, is surely in by now
        let stopping = ContinuousClock.now
        gateway.task.cancel()
        let (slow, quick) = try await (inFlight, idle)
        #expect(slow.hasPrefix("HTTP/1.1 200") && slow.lowercased().contains("connection: close"), "got: \(slow)")
        #expect(slow.hasSuffix(#""version":"blue"}"#), "the whole response arrives before the close")
        #expect(quick.hasPrefix("HTTP/1.1 200") && quick.contains("hello from the demo app"))
        #expect(ContinuousClock.now - stopping < .seconds(10), "both connections were closed by the gateway, not by a timeout")
        _ = try? await gateway.task.value
        await gateway.app.stop()
    }

    @Test("stopping does not wait for a health probe in flight: idle connections close at once")
    func stopDoesNotWaitForProbes() async throws {
        // A target that accepts connections (the kernel does, into the backlog) and never answers: its probe
        // waits the whole 8 s timeout, whatever cancellation says.
        let blackHole = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(blackHole) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(blackHole, $0, length) == 0 && getsockname(blackHole, $0, &length) == 0 && listen(blackHole, 16) == 0
            }
        }
        try #require(listening)
        let stuckPort = Int(UInt16(bigEndian: address.sin_port))
        let gateway = try await GatewayHarness.start { config, _ in
            var stuck = ServiceConfiguration(
                name: "stuck", targets: [HostPort(host: "127.0.0.1", port: stuckPort)],
                health: HealthCheckConfiguration(interval: .milliseconds(100), timeout: .seconds(8)))
            stuck.healthCheckEnabled = true
            config.services["stuck"] = stuck
        }
        defer { gateway.directory.remove() }
        async let idle = timedRawExchange(
            port: gateway.httpPort, chunks: ["GET /api/hello HTTP/1.1\r\nHost: t\r\n\r\n"], timeout: 20)
        for _ in 0..<100 where !(try gateway.accessLog().contains { $0["path"] as? String == "/api/hello" }) {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(300))  // the first probe has been waiting a while
        gateway.task.cancel()
        let (answer, elapsed) = try await idle
        #expect(answer.contains("hello from the demo app"))
        // From the client's first byte: its answer, the wait above, the close. The probe alone would have held
        // the stop back until about 8 s.
        #expect(elapsed < 4, "the idle connection closed \(elapsed) s after its request")
        _ = try? await gateway.task.value
        await gateway.app.stop()
    }

    @Test("a connection opened just before the gateway stops may still send its request; one that sends nothing is closed")
    func lateRequestGrace() async throws {
        let gateway = try await GatewayHarness.start()
        defer { gateway.directory.remove() }
        let ready = "\(gateway.directory.path)/connected"
        // Two connections without a request yet. Once a new connection is refused (the gateway has stopped
        // listening, and tells open connections to finish at the same moment), the first sends its request at
        // once; the second never does. Times are the client's own, from the refusal.
        let script = """
            import os, socket, sys, time
            port = int(sys.argv[1])
            late = socket.create_connection(("127.0.0.1", port)); silent = socket.create_connection(("127.0.0.1", port))
            open(sys.argv[2], "w").close()
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port)).close(); time.sleep(0.01)
                except ConnectionRefusedError:
                    break
            refused = time.monotonic()
            late.sendall(b"GET /api/hello HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n")
            def read_all(s):
                s.settimeout(20); data = b""
                try:
                    while True:
                        chunk = s.recv(65536)
                        if not chunk: return data
                        data += chunk
                except (socket.timeout, ConnectionResetError):
                    return data
            answer = read_all(late)
            silent_data = read_all(silent)
            sys.stdout.write("%.3f %d\\n" % (time.monotonic() - refused, len(silent_data)) + answer.decode("latin-1"))
            """
        async let client = ProcessRunner.run(["python3", "-c", script, String(gateway.httpPort), ready])
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: ready) {
            try await Task.sleep(for: .milliseconds(25))
        }
        try await Task.sleep(for: .milliseconds(200))  // both accepted by the gateway, not only by the kernel
        gateway.task.cancel()
        let output = try await client.stdout
        _ = try? await gateway.task.value
        await gateway.app.stop()

        let lines = output.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        let timing = lines.first?.split(separator: " ") ?? []
        let answer = lines.count > 1 ? String(lines[1]) : ""
        #expect(answer.hasPrefix("HTTP/1.1 200") && answer.contains("hello from the demo app"), "got: \(output)")
        #expect(answer.lowercased().contains("connection: close"))
        #expect(timing.count == 2 && timing[1] == "0", "the silent connection got nothing, only the close")
        // The silent one was closed by the gateway after the grace of a quarter second, not by the client's
        // 20 s read timeout, nor at shutdown_timeout (30 s).
        #expect(timing.count == 2 && (Double(timing[0]) ?? .infinity) < 10, "got: \(output)")
    }

    @Test("a gateway stopping answers HTTP/2 streams in flight, then ends the idle connection without waiting for shutdown_timeout")
    func quiescingHTTP2() async throws {
        let gateway = try await GatewayHarness.start(tls: true)
        defer { gateway.directory.remove() }
        var tls = NIOSSL.TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            try await stopWithHTTP2Client(gateway, client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        await gateway.app.stop()
    }

    func stopWithHTTP2Client(_ gateway: GatewayHarness, _ client: HTTPClient) async throws {
        let response = try await client.execute(HTTPClientRequest(url: "\(gateway.https)/api/hello"), timeout: .seconds(10))
        #expect(response.version == .http2)
        #expect(String(buffer: try await response.body.collect(upTo: 1 << 20)).contains("hello from the demo app"))
        // A stream in flight on that connection is answered; then the connection, idle, must be ended by the
        // gateway (the client would keep it open).
        async let slow = client.execute(HTTPClientRequest(url: "\(gateway.https)/delay/1500"), timeout: .seconds(10))
        try await Task.sleep(for: .milliseconds(500))
        let stopping = ContinuousClock.now
        gateway.task.cancel()
        let answered = try await slow
        #expect(answered.status == .ok && answered.version == .http2)
        #expect(String(buffer: try await answered.body.collect(upTo: 1 << 20)).contains(#""version":"blue""#))
        _ = try? await gateway.task.value
        #expect(ContinuousClock.now - stopping < .seconds(10), "shutdown_timeout is 30 s")
    }
}
