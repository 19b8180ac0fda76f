import Foundation
import Gateway
import NIOCore
import NIOPosix
import ShipshapeCore
import TestSupport

/// A gateway running in this process on loopback ports chosen by the system, in front of a demo app.
struct GatewayHarness: Sendable {
    let gateway: Gateway
    let addresses: Gateway.BoundAddresses
    let app: DemoApp
    let appPort: Int
    let directory: TemporaryDirectory
    let accessLogPath: String
    let task: Task<Void, any Error>

    var httpPort: Int { addresses.http?.port ?? 0 }
    var httpsPort: Int { addresses.https?.port ?? 0 }
    var metricsPort: Int { addresses.metrics?.port ?? 0 }
    var http: String { "http://127.0.0.1:\(httpPort)" }
    var https: String { "https://localhost:\(httpsPort)" }
    var adminSocket: String { addresses.adminSocket ?? "" }

    /// Starts a demo app and a gateway routing `/` to it; `configure` adjusts the configuration first.
    static func start(
        tls: Bool = false, configure: @Sendable (inout ShipshapeConfiguration, _ appPort: Int) -> Void = { _, _ in }
    ) async throws -> GatewayHarness {
        let directory = try TemporaryDirectory(prefix: "gateway")
        let app = DemoApp(version: "blue")
        let appPort = try await app.start()
        var configuration = ShipshapeConfiguration(
            project: "test",
            gateway: GatewayConfiguration(
                http: HostPort(host: "127.0.0.1", port: 0),
                https: tls ? HostPort(host: "127.0.0.1", port: 0) : nil,
                tls: TLSConfiguration(minVersion: .tls13, selfSigned: ["localhost"]),
                routes: [RouteConfiguration(match: "/", service: "app")],
                admin: AdminConfiguration(socket: "\(directory.path)/admin.sock", metrics: HostPort(host: "127.0.0.1", port: 0))),
            services: ["app": ServiceConfiguration(name: "app", targets: [HostPort(host: "127.0.0.1", port: appPort)])],
            baseDirectory: directory.path)
        configure(&configuration, appPort)
        let accessLogPath = "\(directory.path)/access.log"
        let descriptor = open(accessLogPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        let gateway = try Gateway(configuration: configuration, accessLogSink: LogSink(fileDescriptor: descriptor))
        let task = Task { try await gateway.run() }
        let addresses = try await gateway.addresses()
        return GatewayHarness(
            gateway: gateway, addresses: addresses, app: app, appPort: appPort, directory: directory,
            accessLogPath: accessLogPath, task: task)
    }

    /// Runs `body` against a fresh gateway and always stops it.
    static func with<T>(
        tls: Bool = false, configure: @Sendable (inout ShipshapeConfiguration, _ appPort: Int) -> Void = { _, _ in },
        _ body: (GatewayHarness) async throws -> T
    ) async throws -> T {
        let harness = try await start(tls: tls, configure: configure)
        do {
            let result = try await body(harness)
            await harness.stop()
            return result
        } catch {
            await harness.stop()
            throw error
        }
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
        await app.stop()
        directory.remove()
    }

    /// The access log lines written so far, parsed.
    func accessLog() throws -> [[String: Any]] {
        let text = try String(contentsOfFile: accessLogPath, encoding: .utf8)
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }
}

/// `curl` with the given arguments; returns status, headers (lowercased names) and body.
struct CurlResponse {
    var status: Int
    var headers: [String: String]
    var body: String
    var httpVersion: String

    static func run(_ arguments: [String], input: Data? = nil) async throws -> CurlResponse {
        let directory = try TemporaryDirectory(prefix: "curl")
        defer { directory.remove() }
        let headerFile = "\(directory.path)/headers"
        let result = try await ProcessRunner.run(
            ["curl", "-s", "-S", "-D", headerFile, "-w", "\n%{http_code} %{http_version}", "--max-time", "30"] + arguments,
            input: input)
        guard result.status == 0 else {
            throw TestSupportError(message: "curl \(arguments) failed (\(result.status)): \(result.stderr)")
        }
        var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let trailer = lines.popLast().map(String.init) ?? ""
        let parts = trailer.split(separator: " ")
        var headers: [String: String] = [:]
        let headerText = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        // With redirects or 100-continue several header blocks appear; keep the last.
        let blocks = headerText.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }
        for line in (blocks.last ?? "").split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return CurlResponse(
            status: Int(parts.first ?? "") ?? 0, headers: headers, body: lines.joined(separator: "\n"),
            httpVersion: parts.count > 1 ? String(parts[1]) : "")
    }
}

/// Sends raw bytes over TCP with Python (so tests can write what no HTTP client would) and returns what the
/// server answered before closing, or what it had sent when a read waited `timeout` seconds for more.
func rawExchange(port: Int, chunks: [String], pause: Double = 0, timeout: Double = 10) async throws -> String {
    try await timedRawExchange(port: port, chunks: chunks, pause: pause, timeout: timeout).answer
}

/// `rawExchange`, also returning the seconds from the client's first byte to the end of the connection. The
/// client times itself, so a loaded machine's slow start of python does not count.
func timedRawExchange(
    port: Int, chunks: [String], pause: Double = 0, timeout: Double = 10
) async throws -> (answer: String, elapsed: Double) {
    let script = """
        import socket, sys, time, json
        chunks = json.loads(sys.stdin.read()); pause = float(sys.argv[1]); timeout = float(sys.argv[2])
        s = socket.create_connection(("127.0.0.1", int(sys.argv[3])))
        s.settimeout(timeout)
        received = b""
        started = time.monotonic()
        try:
            for c in chunks:
                s.sendall(c.encode("latin-1"))
                if pause: time.sleep(pause)
        except (ConnectionResetError, BrokenPipeError):
            pass  # the server stopped listening to us; read what it said
        try:
            while True:
                data = s.recv(65536)
                if not data: break
                received += data
        except (socket.timeout, ConnectionResetError):
            pass
        sys.stdout.write("%.3f\\n" % (time.monotonic() - started) + received.decode("latin-1"))
        """
    let encoded = try JSONSerialization.data(withJSONObject: chunks)
    let output = try await ProcessRunner.run(
        ["python3", "-c", script, String(pause), String(timeout), String(port)], input: encoded
    ).stdout
    guard let newline = output.firstIndex(of: "\n"), let elapsed = Double(output[..<newline]) else {
        throw TestSupportError(message: "the raw client printed no timing: \(output)")
    }
    return (String(output[output.index(after: newline)...]), elapsed)
}
