import ArgumentParser
import Deploy
import Foundation
import Gateway
import Logging
import NIOCore
import ShipshapeCore

extension ShipshapeCommand {
    /// `shipshape demo`: the gateway with TLS in front of the built-in demo app, on localhost.
    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start the gateway with a self-signed certificate in front of a built-in demo app.")

        @Option(help: "Plain HTTP port (redirects to HTTPS).") var httpPort = 8080
        @Option(help: "HTTPS port.") var httpsPort = 8443
        @Option(help: "Prometheus metrics port.") var metricsPort = 9180
        @Flag(help: "Write the JSON access log to standard output.") var accessLog = false

        func run() async throws {
            JSONLogHandler.bootstrap(level: accessLog ? .info : .warning)
            ShipshapeMetrics.bootstrap()
            let binary = Self.executablePath()
            let stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("shipshape-demo-\(getpid())").path
            let app = ServiceConfiguration(
                name: "app", runtime: .process,
                command: [binary, "demo-app", "--port", "{port}", "--version", "{version}"],
                health: HealthCheckConfiguration(
                    path: "/health", interval: .milliseconds(200), timeout: .seconds(1), healthy: 2, unhealthy: 3),
                smoke: [SmokeTestConfiguration(path: "/api/hello", status: 200, contains: "hello")],
                drain: .seconds(1), bake: .seconds(2))
            let configuration = ShipshapeConfiguration(
                project: "demo",
                gateway: GatewayConfiguration(
                    http: HostPort(host: "127.0.0.1", port: httpPort),
                    https: HostPort(host: "127.0.0.1", port: httpsPort),
                    tls: TLSConfiguration(minVersion: .tls13, selfSigned: ["localhost", "127.0.0.1"]),
                    routes: [RouteConfiguration(match: "/", service: "app")],
                    admin: AdminConfiguration(
                        socket: "\(stateDirectory)/admin.sock", metrics: HostPort(host: "127.0.0.1", port: metricsPort)),
                    accessLog: accessLog),
                services: ["app": app])
            let banner = """
                Shipshape demo — gateway with TLS 1.3 (self-signed) in front of a demo app, version 1.0.0 on blue.

                  https://localhost:\(httpsPort)/            the app, through the gateway
                  http://localhost:\(httpPort)/             redirects to HTTPS
                  http://127.0.0.1:\(metricsPort)/metrics    Prometheus metrics

                Try:
                  curl -k -i https://localhost:\(httpsPort)/api/hello
                  curl -k -s --http2 -o /dev/null -w '%{http_version} %{http_code}\\n' https://localhost:\(httpsPort)/

                The demo app runs with the process runtime (\(binary) demo-app).
                Ctrl-C stops.
                """
            let show = DemoDeployShow(
                settings: DeploySettings(
                    project: "demo", service: app, stateDirectory: "\(stateDirectory)/.shipshape",
                    adminSocket: "\(stateDirectory)/admin.sock",
                    metrics: HostPort(host: "127.0.0.1", port: metricsPort), keepStandby: true),
                url: "https://127.0.0.1:\(httpsPort)/api/hello", banner: banner)
            print("Starting the Shipshape demo: the gateway, then the demo app 1.0.0…")
            try await GatewayRunner.run(configuration: configuration, extraServices: [show])
            try? FileManager.default.removeItem(atPath: stateDirectory)
        }

        /// This program's absolute path (`CommandLine.arguments[0]` resolved), for the process runtime's command.
        static func executablePath() -> String {
            if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
            let argument = CommandLine.arguments[0]
            if argument.hasPrefix("/") { return argument }
            if argument.contains("/") {
                return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(argument)
                    .standardizedFileURL.path
            }
            for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
                let candidate = "\(directory)/\(argument)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
            return argument
        }
    }

    /// `shipshape demo-app`: the built-in demo app alone (the `process` runtime starts it per color).
    struct DemoAppCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "demo-app", abstract: "Serve the built-in demo app.", shouldDisplay: false)

        @Option(help: "Port to listen on.") var port = 8000
        @Option(help: "Version to report.") var version = "1.0.0"

        func run() async throws {
            let app = DemoApp(version: version)
            let bound = try await app.start(port: port)
            print("demo app \(version) listening on 127.0.0.1:\(bound)")
            while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}
