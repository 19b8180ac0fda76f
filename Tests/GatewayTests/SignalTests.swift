import Foundation
import Gateway
import ShipshapeCore
import TestSupport
import Testing

@Suite("gateway process: SIGHUP reload and SIGTERM drain", .serialized)
struct SignalTests {
    static func makeCertificate(name: String, in directory: String) async throws {
        let result = try await ProcessRunner.run([
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=\(name)", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", "\(directory)/site.key", "-out", "\(directory)/site.pem",
        ])
        guard result.status == 0 else { throw TestSupportError(message: result.stderr) }
    }

    /// Starts `curl URL` as its own process at once (not on the concurrency pool, which a loaded machine may
    /// not schedule in time) and returns a function that waits for it and gives the status code.
    static func startRequest(_ url: String) throws -> () -> Int {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("inflight-\(UUID().uuidString)").path
        let curl = try SpawnedProcess(
            ["/usr/bin/curl", "-k", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30", url], stdout: output)
        return {
            curl.wait()
            defer { try? FileManager.default.removeItem(atPath: output) }
            return Int((try? String(contentsOfFile: output, encoding: .utf8)) ?? "") ?? 0
        }
    }

    static func servedCommonName(port: Int) async throws -> String {
        let result = try await ProcessRunner.run(
            ["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost"], input: Data())
        let subject = result.stdout.split(separator: "\n").first { $0.contains("subject=") } ?? ""
        return String(subject)
    }

    static func writeConfig(in directory: TemporaryDirectory, appPort: Int, httpPort: Int, httpsPort: Int) throws {
        try directory.write(
            "shipshape.yml",
            """
            project: signals
            gateway:
              http: 127.0.0.1:\(httpPort)
              https: 127.0.0.1:\(httpsPort)
              tls: { certificates: [{ cert: site.pem, key: site.key }] }
              admin: { socket: admin.sock, metrics: null }
              limits: { shutdown_timeout: 10s }
              routes: [{ match: /, service: app }]
            services:
              app: { targets: [127.0.0.1:\(appPort)] }
            """)
    }

    @Test("SIGHUP reloads certificates without dropping a request in flight")
    func reloadOnHangup() async throws {
        let directory = try TemporaryDirectory(prefix: "sighup")
        defer { directory.remove() }
        let app = DemoApp(version: "v1")
        let appPort = try await app.start()
        let httpPort = try ProcessRunner.freePort(), httpsPort = try ProcessRunner.freePort()
        try await Self.makeCertificate(name: "before-reload", in: directory.path)
        try Self.writeConfig(in: directory, appPort: appPort, httpPort: httpPort, httpsPort: httpsPort)
        let gateway = try ShipshapeProcess(["proxy", "-c", "shipshape.yml"], directory: directory.path)
        defer { gateway.stop() }
        try #require(await ShipshapeProcess.waitUntilServing("https://localhost:\(httpsPort)/health"), "output: \(gateway.output)")
        #expect(try await Self.servedCommonName(port: httpsPort).contains("before-reload"))

        let inFlight = try Self.startRequest("https://localhost:\(httpsPort)/delay/1500")
        try await Task.sleep(for: .milliseconds(300))
        try await Self.makeCertificate(name: "after-reload", in: directory.path)
        gateway.signal(SIGHUP)
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await Self.servedCommonName(port: httpsPort).contains("after-reload"))
        #expect(inFlight() == 200, "the request in flight during the reload completes")
        await app.stop()
    }

    @Test("SIGTERM stops accepting, finishes requests in flight, and exits 0")
    func gracefulShutdown() async throws {
        let directory = try TemporaryDirectory(prefix: "sigterm")
        defer { directory.remove() }
        let app = DemoApp(version: "v1")
        let appPort = try await app.start()
        let httpPort = try ProcessRunner.freePort(), httpsPort = try ProcessRunner.freePort()
        try await Self.makeCertificate(name: "drain", in: directory.path)
        try Self.writeConfig(in: directory, appPort: appPort, httpPort: httpPort, httpsPort: httpsPort)
        let gateway = try ShipshapeProcess(["proxy", "-c", "shipshape.yml"], directory: directory.path)
        defer { gateway.stop() }
        try #require(await ShipshapeProcess.waitUntilServing("https://localhost:\(httpsPort)/health"), "output: \(gateway.output)")

        let inFlight = try Self.startRequest("https://localhost:\(httpsPort)/delay/2000")
        try await Task.sleep(for: .milliseconds(400))
        gateway.signal(SIGTERM)
        try await Task.sleep(for: .milliseconds(300))
        let refused = try await ProcessRunner.run(["curl", "-k", "-s", "--max-time", "2", "https://localhost:\(httpsPort)/health"])
        #expect(refused.status != 0, "no new connections are accepted while draining")
        #expect(inFlight() == 200)
        #expect(await gateway.waitForExit(timeout: 10) == 0, "output: \(gateway.output)")
        await app.stop()
    }
}
