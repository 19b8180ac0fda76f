import AsyncHTTPClient
import Backup
import Foundation
import Gateway
import Monitor
import ShipshapeCore
import TestSupport
import Testing

@Suite("shipshape status against a running gateway and a real backup store")
struct StatusTests {
    /// A certificate for `names` valid for `days` more days, written to `path`.
    static func certificate(days: Int, at path: String, key: String, subjectAlternativeName: Bool = true) async throws {
        let result = try await ProcessRunner.run([
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", String(days),
            "-subj", subjectAlternativeName ? "/CN=shop.test" : "/CN=legacy.test",
        ] + (subjectAlternativeName ? ["-addext", "subjectAltName=DNS:shop.test"] : []) + ["-keyout", key, "-out", path])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test("reports healthy and failing services, certificate expiry, disk and backup age; the level is the worst check's")
    func report() async throws {
        let directory = try TemporaryDirectory(prefix: "status")
        defer { directory.remove() }
        let app = DemoApp(version: "blue")
        let appPort = try await app.start()
        let deadPort = try ProcessRunner.freePort()
        try await Self.certificate(days: 400, at: "\(directory.path)/good.pem", key: "\(directory.path)/good.key")
        try await Self.certificate(days: 3, at: "\(directory.path)/soon.pem", key: "\(directory.path)/soon.key")
        try await Self.certificate(
            days: 2, at: "\(directory.path)/legacy.pem", key: "\(directory.path)/legacy.key", subjectAlternativeName: false)
        let identity = X25519Identity.generate()
        _ = try directory.write("files/hello.txt", "hello\n")
        let health = HealthCheckConfiguration(path: "/health", interval: .milliseconds(100), timeout: .milliseconds(500), healthy: 1, unhealthy: 1)
        var web = ServiceConfiguration(name: "web", targets: [HostPort(host: "127.0.0.1", port: appPort)], health: health)
        var worker = ServiceConfiguration(name: "worker", targets: [HostPort(host: "127.0.0.1", port: deadPort)], health: health)
        web.healthCheckEnabled = true  // as `health:` in shipshape.yml does for a static service
        worker.healthCheckEnabled = true
        let configuration = ShipshapeConfiguration(
            project: "shop",
            gateway: GatewayConfiguration(
                http: HostPort(host: "127.0.0.1", port: 0), https: HostPort(host: "127.0.0.1", port: 0),
                tls: TLSConfiguration(certificates: [
                    .init(cert: "good.pem", key: "good.key"), .init(cert: "soon.pem", key: "soon.key"),
                    .init(cert: "legacy.pem", key: "legacy.key"),
                ]),
                routes: [RouteConfiguration(match: "/", service: "web")],
                admin: AdminConfiguration(socket: "\(directory.path)/admin.sock", metrics: nil)),
            services: ["web": web, "worker": worker],
            backup: BackupConfiguration(
                schedule: "0 2 * * *", store: "backups", encryption: .recipients([identity.recipient.description]), sources: [.files(["files"])]),
            baseDirectory: directory.path)
        let gateway = try Gateway(configuration: configuration)
        let task = Task { try await gateway.run() }
        defer { task.cancel() }
        _ = try await gateway.addresses()
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }
        let collector = StatusCollector(configuration: configuration, httpClient: http)

        var report = await collector.collect()
        func level(_ name: String) -> StatusReport.Level? { report.checks.first { $0.name == name }?.level }
        for _ in 0..<50 where level("web") != .ok || level("worker") != .critical {
            try await Task.sleep(for: .milliseconds(100))
            report = await collector.collect()
        }
        let byName = Dictionary(report.checks.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byName["web"]?.level == .ok, "\(report.text(colors: false))")
        #expect(byName["worker"]?.level == .critical, "its only target refuses connections")
        #expect(byName["\(directory.path)/good.pem"]?.level == .ok)
        #expect(byName["\(directory.path)/soon.pem"]?.level == .critical)
        #expect(byName["\(directory.path)/soon.pem"]?.detail == "expires in 2 days (shop.test)")
        // A CN-only certificate is named by its subject; one day is a day.
        #expect(byName["\(directory.path)/legacy.pem"]?.detail == "expires in 1 day (CN=legacy.test)")
        #expect(report.checks.contains { $0.kind == "disk" && $0.detail.contains("% used") })
        #expect(byName["backups"]?.level == .critical && byName["backups"]?.detail.hasPrefix("no backup yet") == true)
        #expect(report.level == .critical && report.level.exitCode == 2)

        // A green target that does not answer is down, not a standby.
        try gateway.registry.setTargets(service: "web", color: .green, targets: [HostPort(host: "127.0.0.1", port: deadPort)])
        var webCheck = await collector.collect().checks.first { $0.name == "web" }
        for _ in 0..<50 where webCheck?.detail.contains("1 green down") != true {
            try await Task.sleep(for: .milliseconds(100))
            webCheck = await collector.collect().checks.first { $0.name == "web" }
        }
        #expect(webCheck?.detail == "blue active, 1/1 healthy; 1 green down", "\(String(describing: webCheck))")

        let settings = try BackupSettings(configuration)
        let manifest = try await BackupRunner(settings: settings, store: try settings.makeStore()).run()
        let after = await collector.collect()
        let backup = try #require(after.checks.first { $0.kind == "backup" && $0.name == "backups" })
        #expect(backup.level == .ok && backup.detail.hasPrefix("newest \(manifest.id)"), "\(backup.detail)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(after.json().utf8)) as? [String: Any])
        #expect(json["level"] as? String == "critical")
        #expect((json["checks"] as? [[String: Any]])?.count == after.checks.count)
        await app.stop()
    }

    @Test("a file with only backup: reports its backups and their disk, not a gateway it does not run")
    func backupOnly() async throws {
        let directory = try TemporaryDirectory(prefix: "status")
        defer { directory.remove() }
        _ = try directory.write("files/hello.txt", "hello\n")
        let identity = X25519Identity.generate()
        let configuration = ShipshapeConfiguration(
            project: "db-host",
            backup: BackupConfiguration(store: "backups", encryption: .recipients([identity.recipient.description]), sources: [.files(["files"])]),
            baseDirectory: directory.path)
        let settings = try BackupSettings(configuration)
        _ = try await BackupRunner(settings: settings, store: try settings.makeStore()).run()
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }
        let report = await StatusCollector(configuration: configuration, httpClient: http).collect()
        #expect(!report.checks.contains { $0.kind == "gateway" || $0.kind == "service" }, "\(report.text(colors: false))")
        #expect(report.checks.filter { $0.kind == "disk" }.map(\.name) == ["\(directory.path)/backups"])
        #expect(report.checks.contains { $0.kind == "backup" && $0.level == .ok })
    }
}

@Suite("shipshape status without a readable configuration")
struct StatusUnknownTests {
    @Test("a missing or invalid shipshape.yml is UNKNOWN (exit 3) with a config check, in text and JSON")
    func unreadableConfiguration() async throws {
        let directory = try TemporaryDirectory(prefix: "status-unknown")
        defer { directory.remove() }
        try directory.write("broken.yml", "project: shop\ngateway:\n  limits: { header_timout: 10s }\n")
        for file in ["missing.yml", "broken.yml"] {
            let text = try await ShipshapeProcess.run(["status", "-c", file], in: directory.path)
            #expect(text.status == 3, "\(text.stdout)\(text.stderr)")
            #expect(text.stdout.contains("overall: ? unknown"), "\(text.stdout)")
            let json = try await ShipshapeProcess.run(["status", "--json", "-c", file], in: directory.path)
            #expect(json.status == 3)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(report["level"] as? String == "unknown")
            let checks = try #require(report["checks"] as? [[String: Any]])
            #expect(checks.first?["kind"] as? String == "config")
            #expect((checks.first?["detail"] as? String)?.contains(file) == true)
        }
    }
}
