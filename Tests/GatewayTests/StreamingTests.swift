import Foundation
import Gateway
import ShipshapeCore
import TestSupport
import Testing

@Suite("gateway: streaming and upgrades", .serialized)
struct StreamingTests {
    /// Peak resident set size (VmHWM) of process `pid`, in megabytes, from /proc.
    static func peakResidentMegabytes(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }

    /// The gateway and the echoing app run as processes of their own, so the gateway's peak memory is measured
    /// alone (the test process runs other suites at the same time).
    @Test("a 1 GB body streams through both ways with flat memory")
    func gigabyteBody() async throws {
        let directory = try TemporaryDirectory(prefix: "stream")
        defer { directory.remove() }
        let appPort = try ProcessRunner.freePort(), port = try ProcessRunner.freePort()
        let app = try ShipshapeProcess(["demo-app", "--port", "\(appPort)"], directory: directory.path)
        defer { app.stop() }
        try directory.write(
            "shipshape.yml",
            """
            project: stream
            gateway:
              http: 127.0.0.1:\(port)
              admin: { socket: admin.sock, metrics: null }
              access_log: false
              limits: { max_body_size: 2GB }
              routes: [{ match: /, service: app }]
            services:
              app: { targets: [127.0.0.1:\(appPort)] }
            """)
        let gateway = try ShipshapeProcess(["proxy"], directory: directory.path, environment: ["SHIPSHAPE_LOG_LEVEL": "error"])
        defer { gateway.stop() }
        try #require(await ShipshapeProcess.waitUntilServing("http://127.0.0.1:\(appPort)/health"), "app: \(app.output)")
        try #require(await ShipshapeProcess.waitUntilServing("http://127.0.0.1:\(port)/health"), "gateway: \(gateway.output)")
        let before = Self.peakResidentMegabytes(gateway.pid)
        let size = 1 << 30
        let result = try await ProcessRunner.run([
            "sh", "-c",
            "head -c \(size) /dev/zero | curl -s -S --max-time 300 -H 'Content-Type: application/octet-stream' "
                + "-T - -X POST -o /dev/null -w '%{http_code} %{size_upload} %{size_download}' http://127.0.0.1:\(port)/echo",
        ])
        let parts = result.stdout.split(separator: " ")
        #expect(parts.first == "200", "\(result.stdout) \(result.stderr)")
        #expect((parts.dropFirst().first.flatMap { Int(Double($0) ?? 0) } ?? 0) >= size, "uploaded (with chunk framing)")
        #expect(parts.last.flatMap { Int(Double($0) ?? 0) } == size)
        // Buffering the body would take over 1000 MB; streaming takes a few buffers (2 MB measured).
        let growth = Self.peakResidentMegabytes(gateway.pid) - before
        #expect(before > 0 && growth < 64, "the gateway's peak memory grew by \(growth) MB (from \(before) MB) while streaming 1 GB")
    }

    @Test("WebSocket upgrade passes through and echoes frames")
    func webSocketEcho() async throws {
        try await GatewayHarness.with { gateway in
            let script = """
                import socket, os, base64, sys
                s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(5)
                key = base64.b64encode(os.urandom(16)).decode()
                s.sendall(("GET /ws HTTP/1.1\\r\\nHost: t\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n"
                           "Sec-WebSocket-Key: " + key + "\\r\\nSec-WebSocket-Version: 13\\r\\n\\r\\n").encode())
                head = b""
                while b"\\r\\n\\r\\n" not in head: head += s.recv(1)
                print(head.split(b"\\r\\n")[0].decode())
                payload = b"hello through the gateway"; mask = os.urandom(4)
                s.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
                frame = s.recv(2); data = b""
                while len(data) < frame[1] & 0x7f: data += s.recv(64)
                print(data.decode())
                """
            let result = try await ProcessRunner.run(["python3", "-c", script, String(gateway.httpPort)])
            let lines = result.stdout.split(separator: "\n")
            #expect(lines.first == "HTTP/1.1 101 Switching Protocols", "stderr: \(result.stderr)")
            #expect(lines.last == "hello through the gateway")
        }
    }
}
