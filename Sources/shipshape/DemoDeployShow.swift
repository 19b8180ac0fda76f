import AsyncHTTPClient
import Deploy
import Foundation
import ServiceLifecycle
import ShipshapeCore
import Synchronization

/// The live part of `shipshape demo`: deploys version 1.0.0 of the demo app with the process runtime, prints
/// the banner once it serves (so the URLs it gives answer at once), then deploys 2.0.0 blue→green while a bounded built-in load runs through the gateway, and prints requests
/// served, failures and the switch time. It then waits for Ctrl-C and stops both colors.
struct DemoDeployShow: Service {
    /// Concurrent load workers.
    static let loadConcurrency = 4
    /// The most requests the load sends in all.
    static let maximumRequests = 200_000
    /// How long to wait for the gateway's admin socket at start.
    static let gatewayWait: Duration = .seconds(10)

    let settings: DeploySettings
    let url: String
    /// Printed once the first version serves: the URLs and what to try.
    let banner: String

    func run() async throws {
        var configuration = HTTPClient.Configuration(certificateVerification: .none)
        configuration.redirectConfiguration = .disallow
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let runtime = ProcessColorRuntime(
            configuration: .init(command: settings.service.command, stopGrace: .seconds(2)),
            records: ColorRecordStore(directory: settings.stateDirectory))
        let controller = DeployController(settings: settings, runtime: runtime, httpClient: httpClient)
        do {
            try await show(controller, httpClient: httpClient)
        } catch {
            print("The demo deploy failed: \((error as? any UserFacingError)?.userMessage ?? "\(error)")")
        }
        try? await gracefulShutdown()
        for color in DeployColor.allCases { await runtime.remove(service: settings.service.name, color: color) }
        try? await httpClient.shutdown()
    }

    func show(_ controller: DeployController, httpClient: HTTPClient) async throws {
        let admin = AdminClient(socketPath: settings.adminSocket, httpClient: httpClient)
        let clock = ContinuousClock()
        let deadline = clock.now + Self.gatewayWait
        while (try? await admin.services()) == nil, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await controller.deploy(version: "1.0.0")
        print(banner)
        print("\nNow deploying 2.0.0 blue→green under load…")
        let load = LoadCounters()
        let outcome = try await withThrowingTaskGroup(of: DeployController.Outcome?.self) { group in
            for _ in 0..<Self.loadConcurrency {
                group.addTask {
                    var sent = 0
                    while sent < Self.maximumRequests / Self.loadConcurrency, !load.stopped.load(ordering: .relaxed) {
                        sent += 1
                        let ok = await Self.get(url, client: httpClient)
                        if ok { load.served.add(1, ordering: .relaxed) } else { load.failed.add(1, ordering: .relaxed) }
                    }
                    return nil
                }
            }
            defer { load.stopped.store(true, ordering: .relaxed) }
            let outcome = try await controller.deploy(version: "2.0.0")
            load.stopped.store(true, ordering: .relaxed)
            try await group.waitForAll()
            return outcome
        }
        print(
            """

            Live blue→green deploy done: 2.0.0 serves on \(outcome.record.color?.rawValue ?? "?").
              requests served during the deploy: \(load.served.load(ordering: .relaxed))
              failed requests:                   \(load.failed.load(ordering: .relaxed))
              switch time:                       \(String(format: "%.1f ms", outcome.switchMilliseconds ?? 0))
              whole deploy:                      \(String(format: "%.2f s", outcome.record.durationMilliseconds / 1000))
            """)
    }

    /// True when `url` answered 2xx.
    static func get(_ url: String, client: HTTPClient) async -> Bool {
        do {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
            _ = try await response.body.collect(upTo: 1 << 20)
            return (200..<300).contains(response.status.code)
        } catch {
            return false
        }
    }
}

/// What the demo's load loop counted, shared by its workers.
final class LoadCounters: Sendable {
    let served = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    let stopped = Atomic<Bool>(false)
}
