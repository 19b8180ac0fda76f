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
