import Foundation
import Gateway
import ShipshapeCore
import TestSupport
import Testing

@Suite("gateway: streaming and upgrades", .serialized)
struct StreamingTests {
    /// Resident set size of this process, from /proc.
    static func residentMegabytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }

    @Test("a 1 GB body streams through both ways with flat memory")
    func gigabyteBody() async throws {
        try await GatewayHarness.with(configure: { config, _ in config.gateway.limits.maxBodySize = .init(bytes: 2 << 30) }) { gateway in
            let before = Self.residentMegabytes()
            let size = 1 << 30
            let result = try await ProcessRunner.run([
                "sh", "-c",
                "head -c \(size) /dev/zero | curl -s -S --max-time 300 -H 'Content-Type: application/octet-stream' "
                    + "-T - -X POST -o /dev/null -w '%{http_code} %{size_upload} %{size_download}' \(gateway.http)/echo",
            ])
            let parts = result.stdout.split(separator: " ")
            #expect(parts.first == "200")
            #expect((parts.dropFirst().first.flatMap { Int(Double($0) ?? 0) } ?? 0) >= size, "uploaded (with chunk framing)")
            #expect(parts.last.flatMap { Int(Double($0) ?? 0) } == size)
            let growth = Self.residentMegabytes() - before
            #expect(growth < 150, "memory grew by \(growth) MB while streaming 1 GB")
        }
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
