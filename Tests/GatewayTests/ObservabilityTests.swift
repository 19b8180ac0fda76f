import AsyncHTTPClient
import Foundation
import Gateway
import NIOCore
import NIOSSL
import ShipshapeCore
import TestSupport
import Testing

/// What the gateway tells operators about each request: the JSON access log and the Prometheus metrics.
@Suite("gateway: access log and metrics")
struct ObservabilityTests {
    @Test("one JSON access log line per request with the contract's fields")
    func accessLog() async throws {
        try await GatewayHarness.with { gateway in
            _ = try await CurlResponse.run(["-A", "test-agent", "-H", "X-Request-ID: log-1", "\(gateway.http)/api/hello"])
            _ = try await CurlResponse.run(["\(gateway.http)/status/503"])
            try await Task.sleep(for: .milliseconds(100))
            let lines = try gateway.accessLog()
            #expect(lines.count == 2)
            let first = try #require(lines.first)
            for field in ["timestamp", "level", "service", "request_id", "method", "path", "status", "bytes", "duration_ms",
                "upstream", "color", "client_ip", "user_agent"]
            {
                #expect(first[field] != nil, "missing \(field)")
            }
            #expect(first["request_id"] as? String == "log-1")
            #expect(first["status"] as? Int == 200)
            #expect(first["service"] as? String == "app")
            #expect(first["color"] as? String == "blue")
            #expect(first["user_agent"] as? String == "test-agent")
            #expect(first["upstream"] as? String == "127.0.0.1:\(gateway.appPort)")
            #expect(lines.last?["status"] as? Int == 503)
        }
    }

    @Test("credentials in a query string stay out of the access log")
    func accessLogRedactsQuery() async throws {
        try await GatewayHarness.with { gateway in
            let target = "/headers?page=2&access_token=tok-123&code=oauth-456&X-Amz-Signature=sig-789&password=&q=shoes"
            let response = try await CurlResponse.run(["\(gateway.http)\(target)"])
            #expect(response.status == 200)
            try await Task.sleep(for: .milliseconds(100))
            let lines = try gateway.accessLog()
            #expect(
                lines.first?["path"] as? String
                    == "/headers?page=2&access_token=[REDACTED]&code=[REDACTED]&X-Amz-Signature=[REDACTED]&password=&q=shoes")
            let logged = try String(contentsOfFile: gateway.accessLogPath, encoding: .utf8)
            for secret in ["tok-123", "oauth-456", "sig-789"] { #expect(!logged.contains(secret)) }
        }
    }

    @Test("Prometheus metrics count requests by route, status and color")
    func metrics() async throws {
        try await GatewayHarness.with { gateway in
            _ = try await CurlResponse.run(["\(gateway.http)/api/hello"])
            let metrics = try await CurlResponse.run(["http://127.0.0.1:\(gateway.metricsPort)/metrics"]).body
            #expect(metrics.contains(#"shipshape_http_requests_total{route="/",status="200",color="blue"}"#))
            #expect(metrics.contains("shipshape_http_request_duration_seconds_bucket"))
            #expect(metrics.contains("shipshape_connections_active"))
        }
    }
}
