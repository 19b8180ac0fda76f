import AsyncHTTPClient
import Compose
import Deploy
import DockerEngine
import Foundation
import Gateway
import NIOCore
import ShipshapeCore
import TestSupport
import Testing

/// A real gateway in this process (admin socket, metrics, port 0) in front of service `app`, run by the
/// process runtime: ordinary versions start the built `shipshape demo-app`; versions naming a fault start
/// a broken app instead (see `AppVersions`). Everything the deploy controller does goes through the admin
/// socket, as from the CLI.
struct DeployHarness: Sendable {
    /// Test health checks run fast so a deploy takes about a second.
    static let health = HealthCheckConfiguration(
        path: "/health", interval: .milliseconds(100), timeout: .milliseconds(500), healthy: 2, unhealthy: 2)
    static let smoke = [SmokeTestConfiguration(path: "/api/hello", status: 200, contains: "hello")]

    let gateway: Gateway
    let addresses: Gateway.BoundAddresses
    let directory: TemporaryDirectory
    let task: Task<Void, any Error>
    let httpClient: HTTPClient
    let settings: DeploySettings
    let records: ColorRecordStore
    let runtime: any ColorRuntime

    /// The service deployed (its name is `app` unless a test needs labels of its own).
    var service: String { settings.service.name }

    var url: String { "http://127.0.0.1:\(addresses.http?.port ?? 0)" }
    var admin: AdminClient { AdminClient(socketPath: settings.adminSocket, httpClient: httpClient) }

    /// A controller for the `app` service.
    func controller() -> DeployController {
        DeployController(settings: settings, runtime: runtime, httpClient: httpClient)
    }

    /// Starts the gateway; `bake` sets the bake window (none by default, to keep deploys short). With
    /// `docker`, the service uses the docker runtime on that engine (port 80, busybox httpd images), created
    /// from the compose file `compose` writes into the test directory when given (its service is `name`).
    /// `others` are static services beside it, each routed at `/<name>/` (the deployed one has `/`).
    static func start(
        name: String = "app", bake: Duration = .zero, keepStandby: Bool = false, docker: DockerClient? = nil,
        compose: ((TemporaryDirectory) throws -> String)? = nil,
        hooks: (preSwitch: [String], postDeploy: [String]) = ([], []), others: [String: HostPort] = [:]
    ) async throws -> DeployHarness {
        let directory = try TemporaryDirectory(prefix: "deploy")
        let script = try AppVersions.write(in: directory)
        let service =
            docker == nil
            ? ServiceConfiguration(
                name: name, runtime: .process, command: ["/bin/sh", script, "{port}", "{version}"], health: health,
                smoke: smoke, drain: .milliseconds(200), bake: bake, bakeErrorRate: 0.05,
                preSwitchHook: hooks.preSwitch, postDeployHook: hooks.postDeploy)
            : ServiceConfiguration(
                name: name, runtime: .docker, port: 80, health: health,
                smoke: [SmokeTestConfiguration(path: "/", status: 200)], drain: .milliseconds(200), bake: bake,
                preSwitchHook: hooks.preSwitch, postDeployHook: hooks.postDeploy)
        let project = "deploytest-\(UUID().uuidString.prefix(6).lowercased())"
        let routes =
            others.keys.sorted().map { RouteConfiguration(match: "/\($0)/", service: $0) }
            + [RouteConfiguration(match: "/", service: name)]
        var services = [name: service]
        for (other, target) in others { services[other] = ServiceConfiguration(name: other, targets: [target]) }
        let configuration = ShipshapeConfiguration(
            project: project,
            gateway: GatewayConfiguration(
                http: HostPort(host: "127.0.0.1", port: 0), routes: routes,
                admin: AdminConfiguration(
                    socket: "\(directory.path)/admin.sock", metrics: HostPort(host: "127.0.0.1", port: 0)),
                accessLog: false),
            services: services, baseDirectory: directory.path)
        let gateway = try Gateway(configuration: configuration)
        // The gateway runs until the test stops it; its task is kept and cancelled in `stop()`.
        let task = Task { try await gateway.run() }
        let addresses = try await gateway.addresses()
        let stateDirectory = "\(directory.path)/.shipshape"
        let settings = DeploySettings(
            project: project, service: service, stateDirectory: stateDirectory,
            adminSocket: addresses.adminSocket ?? "",
            metrics: addresses.metrics.flatMap { $0.port }.map { HostPort(host: "127.0.0.1", port: $0) },
            routes: DeploySettings.routes(of: name, in: routes).own, healthGateTimeout: .seconds(15), keepStandby: keepStandby)
        let records = ColorRecordStore(directory: stateDirectory)
        let binary = try ShipshapeProcess.binaryPath()
        let runtime: any ColorRuntime =
            if let docker {
                DockerColorRuntime(
                    client: docker, project: project, containerPort: 80, records: records,
                    template: try compose.map { write in
                        try ComposeContainerTemplate(
                            project: project, compose: ComposeLoader.load(files: [write(directory)]),
                            serviceName: name)
                    })
            } else {
                ProcessColorRuntime(
                    configuration: .init(
                        command: service.command, environment: ["SHIPSHAPE_BINARY": binary],
                        stopGrace: .seconds(2)),
                    records: records)
            }
        return DeployHarness(
            gateway: gateway, addresses: addresses, directory: directory, task: task,
            httpClient: SmokeTester.makeHTTPClient(), settings: settings, records: records, runtime: runtime)
    }

    /// Runs `body` against a fresh harness and always stops it.
    static func with<T>(
        name: String = "app", bake: Duration = .zero, keepStandby: Bool = false, docker: DockerClient? = nil,
        compose: ((TemporaryDirectory) throws -> String)? = nil,
        hooks: (preSwitch: [String], postDeploy: [String]) = ([], []), others: [String: HostPort] = [:],
        _ body: (DeployHarness) async throws -> T
    ) async throws -> T {
        let harness = try await start(
            name: name, bake: bake, keepStandby: keepStandby, docker: docker, compose: compose, hooks: hooks,
            others: others)
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
        for color in DeployColor.allCases { await runtime.remove(service: service, color: color) }
        task.cancel()
        _ = try? await task.value
        try? await httpClient.shutdown()
        directory.remove()
    }

    /// GET `path` through the gateway: status and body.
    func get(_ path: String = "/api/hello") async throws -> (status: Int, body: String) {
        let response = try await httpClient.execute(HTTPClientRequest(url: url + path), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// Waits (up to 20 s) until the gateway routes the service's new requests to `color`.
    func waitUntilActive(_ color: DeployColor) async throws {
        for _ in 0..<400 {
            if try await admin.service(service).activeColor == color { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the gateway never made \(color) active")
    }

    /// Waits (up to 10 s) until the gateway answers `/api/hello` with 200: after a flip back the old color
    /// takes traffic once the gateway's next probe confirms it.
    func waitUntilServing() async throws {
        for _ in 0..<100 {
            if try await get().status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The version the gateway's answer to `/api/hello` names.
    func servedVersion() async throws -> String? {
        let (_, body) = try await get()
        guard let data = body.data(using: .utf8),
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["version"] as? String
    }

    /// Writes `shipshape.yml` into the test directory for the CLI (`shipshape deploy -c shipshape.yml` run
    /// there): this gateway's admin socket and metrics, and the service `app` with the process runtime as the
    /// harness runs it with `drain`, plus `extra` lines under the service (`bake: 30s`, `hooks: …`).
    func writeConfiguration(drain: String = "200ms", _ extra: [String] = []) throws {
        let metrics = settings.metrics.map { "\($0)" } ?? ""
        let health = Self.health
        _ = try directory.write(
            "shipshape.yml",
            """
            project: \(settings.project)
            gateway:
              http: 127.0.0.1:1
              routes: [{ match: /, service: \(service) }]
              admin: { socket: \(settings.adminSocket), metrics: \(metrics) }
            services:
              \(service):
                runtime: process
                command: ["/bin/sh", "\(directory.path)/app.sh", "{port}", "{version}"]
                health: { path: \(health.path), interval: 100ms, timeout: 500ms, healthy: 2, unhealthy: 2 }
                smoke: [{ path: /api/hello, status: 200, contains: hello }]
                drain: \(drain)

            """ + extra.map { "    \($0)\n" }.joined())
    }

    /// Starts `shipshape ARGUMENTS -c shipshape.yml` in the test directory (see `writeConfiguration`).
    func cli(_ arguments: [String]) throws -> ShipshapeProcess {
        try ShipshapeProcess(
            arguments + ["-c", "shipshape.yml"], directory: directory.path,
            environment: ["SHIPSHAPE_BINARY": try ShipshapeProcess.binaryPath()])
    }

    /// Runs `shipshape ARGUMENTS -c shipshape.yml` in the test directory to its end (60 s at most).
    func run(_ arguments: [String]) async throws -> ProcessRunner.Result {
        try await ShipshapeProcess.run(
            arguments + ["-c", "shipshape.yml"], in: directory.path,
            environment: ["SHIPSHAPE_BINARY": try ShipshapeProcess.binaryPath()], timeout: 60)
    }

    /// The deploy history, newest first.
    func history() throws -> [DeployRecord] { try DeployHistory(path: settings.historyPath).records() }
}
