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

    @Test("compression keeps caches and validators right: Vary on compressible answers, a weak ETag when gzipped, no gzip for HEAD or ranges")
    func compressionCaching() async throws {
        let files = try TemporaryDirectory(prefix: "www")
        defer { files.remove() }
        let page = "<html>" + String(repeating: "Cached in front of nginx. ", count: 400) + "</html>"
        try files.write("index.html", page)
        try files.write("small.json", #"{"ok":true}"#)
        try FileManager.default.createDirectory(atPath: "\(files.path)/api", withIntermediateDirectories: true)
        try files.write("api/list.json", "[" + Array(repeating: #"{"id":1}"#, count: 300).joined(separator: ",") + "]")
        let nginx = try await NginxServer(root: files.path, extraServerConfig: "location /api/ { add_header Vary Origin; }")
        defer { nginx.stop() }
        let port = nginx.port
        try await GatewayHarness.with(configure: { config, _ in
            config.services["app"] = ServiceConfiguration(name: "app", targets: [HostPort(host: "127.0.0.1", port: port)])
        }) { gateway in
            let url = "\(gateway.http)/index.html"
            // A cache in front must keep the two answers apart, whichever this client got.
            let identity = try await CurlResponse.run([url])
            #expect(identity.headers["content-encoding"] == nil)
            #expect(identity.headers["vary"] == "Accept-Encoding")
            let strongTag = try #require(identity.headers["etag"])
            #expect(strongTag.hasPrefix("\""), "nginx's strong validator, untouched on the identity answer")

            let gzipped = try await CurlResponse.run(["--compressed", url])
            #expect(gzipped.headers["content-encoding"] == "gzip")
            #expect(gzipped.body == page)
            #expect(gzipped.headers["vary"] == "Accept-Encoding")
            #expect(gzipped.headers["etag"] == "W/" + strongTag, "other bytes, so no longer a strong validator")
            // The browser revalidates with the weak tag it got, and nginx still answers 304.
            let revalidated = try await CurlResponse.run(["--compressed", "-H", "If-None-Match: W/\(strongTag)", url])
            #expect(revalidated.status == 304)

            // HEAD: the headers GET would have, without claiming a gzip body (it had the length of an empty one).
            let head = try await CurlResponse.run(["-I", "-H", "Accept-Encoding: gzip", url])
            #expect(head.status == 200)
            #expect(head.headers["content-encoding"] == nil)
            #expect(head.headers["content-length"] == String(page.utf8.count))
            #expect(head.headers["vary"] == "Accept-Encoding")
            #expect(head.headers["x-shipshape-identity"] == nil)
            // The next request on the same connection is compressed again.
            let both = try await ProcessRunner.run([
                "curl", "-s", "-o", "/dev/null", "-o", "/dev/null", "-H", "Accept-Encoding: gzip", "-w", "%{size_download} %{num_connects}\n",
                "-I", url, "--next", "-s", "-o", "/dev/null", "-H", "Accept-Encoding: gzip", "-w", "%{size_download} %{num_connects}\n", url,
            ])
            let sizes = both.stdout.split(separator: "\n").map { $0.split(separator: " ").map { Int($0) ?? -1 } }
            #expect(sizes.count == 2 && sizes[1][1] == 0, "one connection: \(both.stdout)")
            #expect(sizes.count == 2 && sizes[1][0] > 0 && sizes[1][0] < page.utf8.count / 4, "gzip after the HEAD: \(both.stdout)")

            // A range is a slice of the identity bytes: never compressed.
            let range = try await CurlResponse.run(["-H", "Accept-Encoding: gzip", "-H", "Range: bytes=0-99", url])
            #expect(range.status == 206)
            #expect(range.headers["content-encoding"] == nil)
            #expect(range.body == String(page.prefix(100)))

            // Below min_size nothing would be compressed, so nothing varies.
            let small = try await CurlResponse.run(["--compressed", "\(gateway.http)/small.json"])
            #expect(small.headers["content-encoding"] == nil)
            #expect(small.headers["vary"] == nil)

            // The upstream's own Vary is kept, with Accept-Encoding added to it.
            let api = try await CurlResponse.run(["--compressed", "\(gateway.http)/api/list.json"])
            #expect(api.headers["content-encoding"] == "gzip")
            #expect(api.headers["vary"] == "Origin, Accept-Encoding")
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
