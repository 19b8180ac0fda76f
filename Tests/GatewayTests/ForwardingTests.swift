import Foundation
import ShipshapeCore
import Testing

/// What the upstream is told about the client, and which route a request's `Host` selects.
@Suite("forwarding headers and host routes")
struct ForwardingTests {
    /// The request headers the demo app saw.
    static func seen(_ arguments: [String]) async throws -> [String: String] {
        let response = try await CurlResponse.run(arguments)
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: String])
    }

    @Test("a client's own Forwarded header never reaches the upstream; X-Forwarded-* are the gateway's")
    func untrustedForwardedRemoved() async throws {
        try await GatewayHarness.with { gateway in
            let seen = try await Self.seen([
                "-H", "Forwarded: for=1.1.1.1;proto=https", "-H", "X-Forwarded-Proto: https", "\(gateway.http)/headers",
            ])
            #expect(seen["forwarded"] == nil, "\(seen)")
            #expect(seen["x-forwarded-for"] == "127.0.0.1")
            #expect(seen["x-forwarded-proto"] == "http")
            // Alone, too (no X-Forwarded-* beside it).
            let alone = try await Self.seen(["-H", "Forwarded: for=1.1.1.1", "\(gateway.http)/headers"])
            #expect(alone["forwarded"] == nil, "\(alone)")
        }
    }

    @Test("a trusted proxy's X-Forwarded-Proto and -Host are kept, and its Forwarded is extended by this hop")
    func trustedProtoKept() async throws {
        try await GatewayHarness.with(configure: { config, _ in config.gateway.trustedProxies = ["127.0.0.0/8"] }) { gateway in
            // The proxy in front terminated TLS and says so, without an X-Forwarded-For of its own.
            let seen = try await Self.seen([
                "-H", "X-Forwarded-Proto: https", "-H", "X-Forwarded-Host: shop.example", "\(gateway.http)/headers",
            ])
            #expect(seen["x-forwarded-proto"] == "https", "\(seen)")
            #expect(seen["x-forwarded-host"] == "shop.example", "\(seen)")
            #expect(seen["x-forwarded-for"] == "127.0.0.1")
            let chained = try await Self.seen([
                "-H", "Forwarded: for=203.0.113.9;proto=https", "-H", "X-Forwarded-For: 203.0.113.9",
                "-H", "X-Forwarded-Proto: https", "\(gateway.http)/headers",
            ])
            #expect(chained["forwarded"] == "for=203.0.113.9;proto=https, for=127.0.0.1;proto=http;host=\"127.0.0.1:\(gateway.httpPort)\"", "\(chained)")
            #expect(chained["x-forwarded-proto"] == "https")
            #expect(chained["x-real-ip"] == "203.0.113.9")
        }
    }

    @Test("a host route matches its name with a trailing dot, in any case, on any port")
    func hostRouteForms() async throws {
        try await GatewayHarness.with(configure: { config, _ in
            config.gateway.routes = [RouteConfiguration(match: "/", host: "Other.Test", service: "app")]
        }) { gateway in
            for host in ["other.test", "other.test.", "OTHER.TEST.", "other.test.:8080", "Other.Test:80"] {
                let response = try await CurlResponse.run(["-H", "Host: \(host)", "\(gateway.http)/"])
                #expect(response.status == 200, "Host: \(host)")
            }
            let other = try await CurlResponse.run(["-H", "Host: else.test", "\(gateway.http)/"])
            #expect(other.status == 404)
        }
    }
}
