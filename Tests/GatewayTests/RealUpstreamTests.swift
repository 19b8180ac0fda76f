import Foundation
import Gateway
import ShipshapeCore
import TestSupport
import Testing

@Suite("gateway: in front of a real nginx", .serialized)
struct RealUpstreamTests {
    @Test("serves nginx's files through the gateway: Server stripped, gzip added, HEAD and keep-alive correct")
    func nginxUpstream() async throws {
        let files = try TemporaryDirectory(prefix: "www")
        defer { files.remove() }
        try files.write("index.html", "<html>" + String(repeating: "Shipshape in front of nginx. ", count: 400) + "</html>")
        try files.write("data.json", #"{"ok":true}"#)
        let nginx = try await NginxServer(root: files.path)
        defer { nginx.stop() }
        let port = nginx.port
        try await GatewayHarness.with(configure: { config, _ in
            config.services["app"] = ServiceConfiguration(name: "app", targets: [HostPort(host: "127.0.0.1", port: port)])
        }) { gateway in
            let page = try await CurlResponse.run(["--compressed", "\(gateway.http)/index.html"])
            #expect(page.status == 200)
            #expect(page.body.contains("Shipshape in front of nginx."))
            #expect(page.headers["content-encoding"] == "gzip")
            #expect(page.headers["server"] == nil)
            #expect(page.headers["x-frame-options"] == "DENY")
            let head = try await CurlResponse.run(["-I", "\(gateway.http)/index.html"])
            #expect(head.status == 200)
            #expect(head.headers["content-length"] != nil)
            // Several requests on one connection (curl reuses it for URLs on one command line).
            let many = try await ProcessRunner.run(
                ["curl", "-s", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code}%{num_connects}\n",
                 "\(gateway.http)/data.json", "\(gateway.http)/data.json", "\(gateway.http)/data.json"])
            #expect(many.stdout.split(separator: "\n") == ["2001", "2000", "2000"])
            let missing = try await CurlResponse.run(["\(gateway.http)/missing"])
            #expect(missing.status == 404)
        }
    }

    @Test("an upstream's own security header wins over the default; X-Powered-By, its request ID and its RateLimit headers are replaced")
    func upstreamSecurityHeaders() async throws {
        let files = try TemporaryDirectory(prefix: "www")
        defer { files.remove() }
        try files.write("page.html", "<html>own headers</html>")
        let nginx = try await NginxServer(
            root: files.path,
            extraServerConfig: """
                add_header Content-Security-Policy "default-src 'none'" always;
                add_header X-Powered-By "PHP/8.3" always;
                add_header X-Request-ID "from-the-app" always;
                add_header RateLimit "app-limit;r=0;t=9" always;
                """)
        defer { nginx.stop() }
        let port = nginx.port
        try await GatewayHarness.with(configure: { config, _ in
            config.services["app"] = ServiceConfiguration(name: "app", targets: [HostPort(host: "127.0.0.1", port: port)])
            config.gateway.rateLimits = RateLimitConfiguration(policies: [
                .init(name: "pages", match: "/page", rate: .limited(count: 5, period: .seconds(60)))
            ])
        }) { gateway in
            let result = try await ProcessRunner.run(
                ["curl", "-s", "-D", "-", "-o", "/dev/null", "-H", "X-Request-ID: client-1", "\(gateway.http)/page.html"])
            let lines = result.stdout.split(separator: "\r\n").map { $0.lowercased() }
            #expect(lines.first?.hasPrefix("http/1.1 200") == true, "\(result.stdout)")
            #expect(lines.filter { $0.hasPrefix("content-security-policy:") } == ["content-security-policy: default-src 'none'"])
            #expect(!lines.contains { $0.hasPrefix("x-powered-by:") || $0.hasPrefix("server:") })
            // nginx's `Connection: keep-alive` was for the gateway's connection, not the client's.
            #expect(!lines.contains { $0.hasPrefix("connection:") || $0.hasPrefix("keep-alive:") })
            #expect(lines.filter { $0.hasPrefix("x-request-id:") } == ["x-request-id: client-1"])
            // The gateway's quota, not the application's, once.
            #expect(lines.filter { $0.hasPrefix("ratelimit:") } == [#"ratelimit: "pages";r=4;t=12"#], "\(lines)")
            // The rest of the default set is still added.
            #expect(lines.contains("x-frame-options: deny") && lines.contains("x-content-type-options: nosniff"))
        }
    }
}
