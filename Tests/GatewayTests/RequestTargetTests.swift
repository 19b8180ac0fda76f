import Foundation
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
}
