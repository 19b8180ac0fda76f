import Foundation
import ShipshapeCore
import TestSupport
import Testing

/// Request targets and `Host` as RFC 9112 §3.2 has a server take them, with the demo app's `/headers` showing
/// what reached the upstream.
@Suite("gateway: request targets and Host", .serialized)
struct RequestTargetTests {
    @Test("an absolute-form target is routed by its path, and its authority is the Host the upstream sees")
    func absoluteForm() async throws {
        try await GatewayHarness.with { gateway in
            let answer = try await rawExchange(
                port: gateway.httpPort,
                chunks: ["GET http://shop.example/headers?x=1 HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n"],
                timeout: 5)
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer.prefix(200))")
            #expect(answer.contains(#""host":"shop.example""#), "\(answer)")
            #expect(!answer.contains("other.example"))
        }
    }

    @Test("an HTTP/1.0 request without Host reaches the upstream with the address it came to, and is answered in HTTP/1.0")
    func http10WithoutHost() async throws {
        try await GatewayHarness.with { gateway in
            let answer = try await rawExchange(port: gateway.httpPort, chunks: ["GET /headers HTTP/1.0\r\n\r\n"], timeout: 5)
            #expect(answer.hasPrefix("HTTP/1.0 200"), "\(answer.prefix(200))")
            #expect(answer.contains(#""host":"127.0.0.1:\#(gateway.httpPort)""#), "\(answer)")
        }
    }

    @Test("another spelling of a path — percent-encoded, doubled slashes, dot segments — meets the limit written for it")
    func spellingsShareALimit() async throws {
        try await GatewayHarness.with(configure: { config, _ in
            config.gateway.rateLimits.policies = [
                RateLimitConfiguration.Policy(name: "auth", match: "/api/auth/", rate: .limited(count: 1, period: .seconds(3600)), burst: 1)
            ]
        }) { gateway in
            let first = try await rawExchange(
                port: gateway.httpPort, chunks: ["GET /api/auth/login HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"], timeout: 5)
            #expect(!first.hasPrefix("HTTP/1.1 429"), "\(first.prefix(100))")
            for spelling in ["/api/%61uth/login", "/api/%61%75%74%68/login", "/api//auth/login", "/api/./auth/login", "/api/x/../auth/login",
                "/api/%2e/auth/login"]
            {
                let answer = try await rawExchange(
                    port: gateway.httpPort, chunks: ["GET \(spelling) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"], timeout: 5)
                #expect(answer.hasPrefix("HTTP/1.1 429"), "\(spelling): \(answer.prefix(100))")
            }
            // Another path is not limited; a reserved character stays encoded, so %2F is not a slash.
            let other = try await rawExchange(
                port: gateway.httpPort, chunks: ["GET /api/auth%2Flogin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"], timeout: 5)
            #expect(!other.hasPrefix("HTTP/1.1 429"), "\(other.prefix(100))")
            // A path that climbs above the root is refused by the gateway, not handed to the upstream.
            let climbing = try await rawExchange(
                port: gateway.httpPort, chunks: ["GET /static/../../etc/passwd HTTP/1.1\r\nHost: t\r\n\r\n"], timeout: 5)
            #expect(climbing.hasPrefix("HTTP/1.1 400") && climbing.contains(#""error":"bad_request""#), "\(climbing.prefix(300))")
            #expect(!climbing.contains("x-app-version"))
        }
    }

    @Test("a Host that is not a host name or address gets a 400 and is never forwarded; valid forms pass")
    func invalidHost() async throws {
        try await GatewayHarness.with { gateway in
            for host in ["a b", "a/b", "x@evil.example", "a,b", "a\"b", "", "shop.example:99999", "[::1", "shop.example:8o"] {
                let answer = try await rawExchange(
                    port: gateway.httpPort, chunks: ["GET /headers HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n"], timeout: 5)
                #expect(answer.hasPrefix("HTTP/1.1 400"), "Host: \(host) → \(answer.prefix(120))")
                #expect(!answer.contains("x-forwarded-host"), "never forwarded")
            }
            for host in ["shop.example:8080", "[::1]:5", "127.0.0.1", "xn--bcher-kva.example", "Shop.Example"] {
                let answer = try await rawExchange(
                    port: gateway.httpPort, chunks: ["GET /headers HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n"], timeout: 5)
                #expect(answer.hasPrefix("HTTP/1.1 200"), "Host: \(host) → \(answer.prefix(120))")
            }
        }
    }

    @Test("CONNECT and TRACE get a 405 with Allow from the gateway, never the upstream; OPTIONS * is the gateway's to answer")
    func methodsTheGatewayAnswers() async throws {
        try await GatewayHarness.with { gateway in
            // TRACE would have the app echo the request, cookie included; the connection stays usable.
            let trace = try await rawExchange(
                port: gateway.httpPort,
                chunks: ["TRACE /headers HTTP/1.1\r\nHost: t\r\nCookie: session=s3cret\r\n\r\n"
                    + "GET /headers HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"],
                timeout: 5)
            #expect(trace.hasPrefix("HTTP/1.1 405"), "\(trace.prefix(200))")
            #expect(trace.contains(#""error":"method_not_allowed""#))
            #expect(trace.lowercased().contains("allow: get, head, post, put, patch, delete, options\r\n"))
            #expect(trace.components(separatedBy: "HTTP/1.1 200").count == 2, "the next request is served: \(trace)")
            #expect(!trace.contains("s3cret"), "the cookie never came back")

            // CONNECT: no tunnel to an internal host, and what follows its head is not read as a request.
            let connect = try await rawExchange(
                port: gateway.httpPort,
                chunks: ["CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n\r\nGET /headers HTTP/1.1\r\nHost: t\r\n\r\n"],
                timeout: 5)
            #expect(connect.hasPrefix("HTTP/1.1 405"), "\(connect.prefix(200))")
            #expect(connect.lowercased().contains("connection: close"))
            #expect(!connect.contains("HTTP/1.1 200"))

            let options = try await rawExchange(
                port: gateway.httpPort, chunks: ["OPTIONS * HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"], timeout: 5)
            #expect(options.hasPrefix("HTTP/1.1 200"), "\(options.prefix(200))")
            #expect(options.lowercased().contains("allow: get, head, post, put, patch, delete, options\r\n"))
            #expect(options.lowercased().contains("content-length: 0\r\n"))

            // OPTIONS on a path (a CORS preflight) is the application's.
            let preflight = try await CurlResponse.run(["-X", "OPTIONS", "\(gateway.http)/headers"])
            #expect(preflight.status == 200)
            #expect(preflight.body.contains(#""x-request-id":"#), "the app's echo of what reached it: \(preflight.body)")
        }
    }

    @Test("a transfer coding besides chunked (gzip, chunked) is a 501 from the gateway, never forwarded")
    func unknownTransferCoding() async throws {
        try await GatewayHarness.with { gateway in
            let answer = try await rawExchange(
                port: gateway.httpPort,
                chunks: ["POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"],
                timeout: 5)
            #expect(answer.hasPrefix("HTTP/1.1 501"), "\(answer.prefix(200))")
            #expect(answer.contains(#""error":"not_implemented""#), "\(answer)")
            #expect(answer.lowercased().contains("connection: close"))
            #expect(!answer.contains("x-app-version"), "the upstream must never see it")
        }
    }
}
