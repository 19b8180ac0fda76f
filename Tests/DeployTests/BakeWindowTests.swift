import AsyncHTTPClient
import Deploy
import Foundation
import ShipshapeCore
import Synchronization
import TestSupport
import Testing

/// The bake window after a switch, end to end: a real gateway, real processes, real traffic.
@Suite("Bake window", .serialized, .timeLimit(.minutes(3)))
struct BakeWindowTests {
    @Test("a failing version is flipped back even while another service on the same color answers 200s")
    func otherServiceTrafficDoesNotHideFailures() async throws {
        let directory = try TemporaryDirectory(prefix: "other-service")
        defer { directory.remove() }
        let otherRuntime = try TestApp.runtime(in: directory)
        let other = try otherRuntime.start(color: .blue, version: "other")
        defer { kill(-other.pid, SIGKILL) }
        try await other.waitUntilListening(timeout: .seconds(20))
        try await DeployHarness.with(bake: .seconds(4), others: ["other": other.target]) { harness in
            let controller = harness.controller()
            try await controller.deploy(version: "1.0.0")  // blue
            try await controller.deploy(version: "1.0.1")  // green; the failing one goes to blue, with `other`
            let busy = LoadGenerator(url: harness.url + "/other/version", httpClient: harness.httpClient)
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
            #expect(busy.total > 500, "the other service's traffic must dwarf the deployed one's")
            #expect(caught?.kind == .bakeFailed, "\(String(describing: caught?.userMessage))")
            #expect(caught?.userMessage.contains("flipped back to green") == true)
            #expect(try await harness.admin.service("app").activeColor == .green)
            try await harness.waitUntilServing()
            #expect(try await harness.servedVersion() == "1.0.1")
            #expect(try harness.history().first?.outcome == .rolledBack)
        }
    }
}

/// A flag set once, read from other tasks.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
