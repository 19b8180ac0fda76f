import AsyncHTTPClient
import Deploy
import Foundation
import Gateway
import ShipshapeCore
import Synchronization
import TestSupport
import Testing

/// The bake window after a switch, end to end: a real gateway, real processes, real traffic.
@Suite("Bake window", .serialized, .timeLimit(.minutes(3)))
struct BakeWindowTests {
    @Test("a failing version is flipped back even while another service on the same color is flooded with requests")
    func otherServiceTrafficDoesNotHideFailures() async throws {
        // The other service: the built-in demo app in this process (it answers /other/… with 404: not a 5xx).
        let other = DemoApp(version: "other")
        let port = try await other.start()
        do {
            try await Self.deployNextToBusyService(at: HostPort(host: "127.0.0.1", port: port))
        } catch {
            await other.stop()
            throw error
        }
        await other.stop()
    }

    /// Deploys a version that fails every real request while `other` (a static service on blue) gets a flood:
    /// summed together, the 5xx share would stay under the limit.
    static func deployNextToBusyService(at other: HostPort) async throws {
        try await DeployHarness.with(bake: .seconds(4), others: ["other": other]) { harness in
            let controller = harness.controller()
            try await controller.deploy(version: "1.0.0")  // blue
            try await controller.deploy(version: "1.0.1")  // green; the failing one goes to blue, with `other`
            let busy = LoadGenerator(url: harness.url + "/other/page", httpClient: harness.httpClient, concurrency: 8)
            let stopped = Flag()
            var caught: DeployError?
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await busy.run() }
                group.addTask {
                    // The deployed service gets a trickle next to the other service's flood.
                    while !stopped.isSet {
                        _ = try? await harness.get()
                        try? await Task.sleep(for: .milliseconds(50))
                    }
                }
                do { try await controller.deploy(version: "2.0.0-bakefail") } catch { caught = error as? DeployError }
                busy.stop()
                stopped.set()
            }
            // How many it got depends on the machine's load; the trickle is about 80, all 5xx.
            #expect(busy.total > 0, "the other service got its traffic")
            #expect(caught?.kind == .bakeFailed, "\(String(describing: caught?.userMessage))")
            #expect(caught?.userMessage.contains("flipped back to green") == true)
            #expect(try await harness.admin.service("app").activeColor == .green)
            try await harness.waitUntilServing()
            #expect(try await harness.servedVersion() == "1.0.1")
            #expect(try harness.history().first?.outcome == .rolledBack)
        }
    }

    @Test("a new version that exits during the bake window is flipped back at once and the deploy fails")
    func newVersionDiesAfterSwitch() async throws {
        try await DeployHarness.with(bake: .seconds(20)) { harness in
            let controller = harness.controller()
            try await controller.deploy(version: "1.0.0")
            async let deploy: DeployError? = {
                do { try await controller.deploy(version: "2.0.0-dies") } catch { return error as? DeployError }
                return nil
            }()
            try await harness.waitUntilActive(.green)
            #expect(try await harness.servedVersion() == "2.0.0-dies")  // its first real request: then it exits
            let caught = await deploy
            #expect(caught?.kind == .bakeFailed)
            #expect(caught?.userMessage.contains("stopped serving during the bake window: its process exited") == true)
            #expect(caught?.userMessage.contains("The blue color keeps serving.") == true)
            #expect(try await harness.admin.service("app").activeColor == .blue)
            try await harness.waitUntilServing()
            #expect(try await harness.servedVersion() == "1.0.0")
            let record = try #require(try harness.history().first)
            #expect(record.outcome == .rolledBack)
            let bake = try #require(record.steps.first { $0.name == "bake" })
            #expect(bake.outcome == .failed)
            #expect(bake.durationMilliseconds < 15_000, "flipped back when it died, not at the window's end")
        }
    }

    @Test("a request the active color has no healthy target for counts as that color's 503")
    func noHealthyTargetCountsUnderActiveColor() async throws {
        let name = "idle-\(UUID().uuidString.prefix(6).lowercased())"  // the metrics registry is per test process
        try await DeployHarness.with(name: name) { harness in
            // A green target that never passes a probe (nothing listens there), forced active.
            let port = try ProcessRunner.freePort()
            _ = try await harness.admin.setTargets(service: name, color: .green, targets: ["127.0.0.1:\(port)"])
            _ = try await harness.admin.activate(service: name, color: .green, force: true)
            let answer = try await harness.get()
            #expect(answer.status == 503)
            #expect(answer.body.contains("no_healthy_target"))
            let metrics = try await DeployMetricsTests.scrape(harness)
            #expect(metrics.contains(#"shipshape_http_requests_total{route="/",status="503",color="green"} 1"#))
        }
    }
}

/// A flag set once, read from other tasks.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
