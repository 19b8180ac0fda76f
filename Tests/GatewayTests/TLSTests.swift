import Foundation
import Gateway
import ShipshapeCore
import TestSupport
import Testing

@Suite("gateway: TLS, HTTP/2 and redirects", .serialized)
struct TLSTests {
    @Test("TLS 1.3 only when configured: 1.2 and 1.1 handshakes are refused")
    func tls13Only() async throws {
        try await GatewayHarness.with(tls: true) { gateway in
            let target = "127.0.0.1:\(gateway.httpsPort)"
            let modern = try await ProcessRunner.run(["openssl", "s_client", "-connect", target, "-servername", "localhost", "-tls1_3"], input: Data())
            #expect(modern.stdout.contains("TLSv1.3"))
            let old = try await ProcessRunner.run(["openssl", "s_client", "-connect", target, "-servername", "localhost", "-tls1_2"], input: Data())
            #expect(old.status != 0, "a TLS 1.2 handshake must fail")
            let older = try await ProcessRunner.run(["curl", "-k", "-s", "--tlsv1.1", "--tls-max", "1.1", "https://\(target)/"])
            #expect(older.status != 0)
        }
    }

    @Test("min_version 1.2 allows TLS 1.2 with ECDHE+AEAD suites only")
    func intermediate() async throws {
        try await GatewayHarness.with(tls: true, configure: { config, _ in config.gateway.tls.minVersion = .tls12 }) { gateway in
            let target = "127.0.0.1:\(gateway.httpsPort)"
            let aead = try await ProcessRunner.run(
                ["openssl", "s_client", "-connect", target, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"], input: Data())
            #expect(aead.stdout.contains("ECDHE-ECDSA-AES128-GCM-SHA256"))
            let cbc = try await ProcessRunner.run(
                ["openssl", "s_client", "-connect", target, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA"], input: Data())
            #expect(cbc.status != 0, "CBC suites are not offered")
            let legacy = try await ProcessRunner.run(["openssl", "s_client", "-connect", target, "-tls1_1"], input: Data())
            #expect(legacy.status != 0)
        }
    }

    @Test("HTTP/2 via ALPN with HTTP/1.1 to the upstream, and HSTS over HTTPS")
    func http2() async throws {
        try await GatewayHarness.with(tls: true) { gateway in
            let response = try await CurlResponse.run(["-k", "--http2", "\(gateway.https)/api/hello"])
            #expect(response.httpVersion == "2")
            #expect(response.status == 200)
            #expect(response.body.contains("hello from the demo app"))
            #expect(response.headers["strict-transport-security"] == "max-age=63072000; includeSubDomains")
            let posted = try await CurlResponse.run(["-k", "--http2", "--data-binary", "@-", "\(gateway.https)/echo"], input: Data("h2 body".utf8))
            #expect(posted.body == "h2 body")
            let http1 = try await CurlResponse.run(["-k", "--http1.1", "\(gateway.https)/api/hello"])
            #expect(http1.httpVersion == "1.1")

            // Cookies sent as separate HTTP/2 fields (as browsers do) reach the HTTP/1.1 upstream as one header.
            let cookies = try await CurlResponse.run([
                "-k", "--http2", "-H", "Cookie: session=abc", "-H", "Cookie: theme=dark", "\(gateway.https)/headers",
            ])
            #expect(cookies.httpVersion == "2")
            #expect(cookies.body.contains(#""cookie":"session=abc; theme=dark""#), "\(cookies.body)")
            #expect(cookies.body.components(separatedBy: #""cookie":"#).count == 2, "one Cookie header: \(cookies.body)")
        }
    }

    @Test("an HTTP/2 GET with a body but no content-length is refused, and its body never reaches a pooled upstream connection")
    func http2BodyWithoutLength() async throws {
        try await GatewayHarness.with(tls: true) { gateway in
            // The body is an HTTP/1.1 request line: written upstream unframed, it would become the next request
            // on that connection, and the next client's request the value of its X-Ignore header.
            let smuggled = "GET /api/hello HTTP/1.1\r\nHost: t\r\nX-Ignore: "
            let attack = try await CurlResponse.run(
                ["-k", "--http2", "-X", "GET", "-T", "-", "\(gateway.https)/headers"], input: Data(smuggled.utf8))
            #expect(attack.httpVersion == "2")
            #expect(attack.status == 400, "\(attack.body)")
            #expect(attack.body.contains(#""error":"bad_request""#))
            for _ in 0..<3 {
                let victim = try await CurlResponse.run(["-k", "--http1.1", "-H", "X-Victim: 1", "\(gateway.https)/headers"])
                #expect(victim.status == 200)
                #expect(victim.body.contains(#""x-victim":"1""#), "the victim's own request was answered: \(victim.body)")
            }
            // A GET without a body is as before.
            let plain = try await CurlResponse.run(["-k", "--http2", "\(gateway.https)/api/hello"])
            #expect(plain.status == 200 && plain.body.contains("hello from the demo app"))
        }
    }

    @Test("an HTTP/2 request's :authority is the Host the upstream sees, whatever host field it also sends; an invalid one is a 400")
    func http2Authority() async throws {
        try await GatewayHarness.with(tls: true) { gateway in
            let request = [(":method", "GET"), (":scheme", "https"), (":path", "/headers")]
            let both = try await rawHTTP2Request(
                port: gateway.httpsPort, headers: request + [(":authority", "shop.example"), ("host", "evil.example")])
            #expect(both.status == "200")
            #expect(both.body.contains(#""host":"shop.example""#), "\(both.body)")
            #expect(!both.body.contains("evil.example"), "neither Host nor X-Forwarded-Host: \(both.body)")
            // The RFC lets a request name its authority in host alone; NIO's translation reset such streams.
            let hostOnly = try await rawHTTP2Request(port: gateway.httpsPort, headers: request + [("host", "shop.example")])
            #expect(hostOnly.status == "200")
            #expect(hostOnly.body.contains(#""host":"shop.example""#), "\(hostOnly.body)")
            let invalid = try await rawHTTP2Request(port: gateway.httpsPort, headers: request + [(":authority", "x@evil.example")])
            #expect(invalid.status == "400", "\(invalid.body)")
        }
    }

    @Test("plain HTTP redirects to HTTPS with 301, except ACME challenges")
    func redirect() async throws {
        try await GatewayHarness.with(tls: true) { gateway in
            let response = try await CurlResponse.run(["-H", "Host: shop.example", "\(gateway.http)/cart?x=1"])
            #expect(response.status == 301)
            #expect(response.headers["location"] == "https://shop.example:\(gateway.httpsPort)/cart?x=1")
            // Decorated like every answer: the security headers (HSTS only over HTTPS) and a request ID.
            #expect(response.headers["x-content-type-options"] == "nosniff")
            #expect(response.headers["x-frame-options"] == "DENY")
            #expect(response.headers["strict-transport-security"] == nil)
            #expect(response.headers["x-request-id"]?.count == 32)
            let challenge = try await CurlResponse.run(["\(gateway.http)/.well-known/acme-challenge/token"])
            #expect(challenge.status != 301)

            // The Location is built from a checked Host: IP literals keep their brackets, an absolute-form
            // target gives its authority and path, and a Host that is no host is a 400, not a Location.
            let literal = try await rawExchange(
                port: gateway.httpPort, chunks: ["GET /p?q=1 HTTP/1.1\r\nHost: [::1]:5\r\nConnection: close\r\n\r\n"], timeout: 5)
            #expect(literal.lowercased().contains("location: https://[::1]:\(gateway.httpsPort)/p?q=1\r\n"), "\(literal)")
            let absolute = try await rawExchange(
                port: gateway.httpPort,
                chunks: ["GET http://shop.example/x HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n"], timeout: 5)
            #expect(absolute.lowercased().contains("location: https://shop.example:\(gateway.httpsPort)/x\r\n"), "\(absolute)")
            for host in ["a/b", "a b", "x@evil.example"] {
                let invalid = try await rawExchange(
                    port: gateway.httpPort, chunks: ["GET /p HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n"], timeout: 5)
                #expect(invalid.hasPrefix("HTTP/1.1 400"), "Host: \(host) → \(invalid.prefix(200))")
                #expect(!invalid.lowercased().contains("location:"))
            }
        }
    }

    @Test("several certificates are chosen by SNI")
    func sni() async throws {
        let directory = try TemporaryDirectory(prefix: "certs")
        defer { directory.remove() }
        for name in ["one.test", "two.test"] {
            let made = try await ProcessRunner.run([
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-subj", "/CN=\(name)", "-addext", "subjectAltName=DNS:\(name)",
                "-keyout", "\(directory.path)/\(name).key", "-out", "\(directory.path)/\(name).pem",
            ])
            #expect(made.status == 0)
        }
        let path = directory.path
        try await GatewayHarness.with(tls: true, configure: { config, _ in
            config.gateway.tls = TLSConfiguration(certificates: [
                .init(cert: "\(path)/one.test.pem", key: "\(path)/one.test.key"),
                .init(cert: "\(path)/two.test.pem", key: "\(path)/two.test.key"),
            ])
        }) { gateway in
            for name in ["one.test", "two.test"] {
                let result = try await ProcessRunner.run(
                    ["openssl", "s_client", "-connect", "127.0.0.1:\(gateway.httpsPort)", "-servername", name], input: Data())
                #expect(result.stdout.contains("CN = \(name)") || result.stdout.contains("CN=\(name)"), "served for \(name)")
            }
        }
    }
}
