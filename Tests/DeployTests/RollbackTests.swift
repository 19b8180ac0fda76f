import Deploy
import Foundation
import ShipshapeCore
import Testing

/// `rollback` end to end beyond the plain switch: what happens to the color it leaves, and what it says when
/// it fails. A real gateway and real processes.
@Suite("Rollback", .serialized, .timeLimit(.minutes(3)))
struct RollbackTests {
    @Test("rollback drains and stops the color it left, so rolling forward again restarts it without a forced switch")
    func retiresTheColorLeft() async throws {
        try await DeployHarness.with { harness in
            let controller = harness.controller()
            try await controller.deploy(version: "1.0.0")
            try await controller.deploy(version: "2.0.0")
            let back = try await Rollback(controller: controller).run()
            #expect(back.record.steps.map(\.name) == ["restart", "health", "switch", "drain", "retire"])
            #expect(try await harness.servedVersion() == "1.0.0")
            let service = try await harness.admin.service("app")
            #expect(service.targets(of: .green).isEmpty, "not left draining: \(service.targets)")
            #expect(!(await harness.runtime.isRunning(service: "app", color: .green)))
            let forward = try await Rollback(controller: controller).run()
            #expect(forward.restarted)
            #expect(forward.record.steps.contains { $0.name == "health" }, "checked before the switch, not forced")
            #expect(try await harness.servedVersion() == "2.0.0")
        }
    }

    @Test("rollback --keep-standby leaves the color it left as a healthy standby")
    func keepsTheColorLeftAsStandby() async throws {
        try await DeployHarness.with(keepStandby: true) { harness in
            let controller = harness.controller()
            try await controller.deploy(version: "1.0.0")
            try await controller.deploy(version: "2.0.0")
            try await DeployInterruptTests.waitUntil("blue is a healthy standby") {
                try await harness.admin.service("app").isHealthy(.blue)
            }
            _ = try await Rollback(controller: controller).run()
            try await DeployInterruptTests.waitUntil("green is a healthy standby") {
                try await harness.admin.service("app").targets(of: .green).map(\.state) == ["healthy"]
            }
            let forward = try await Rollback(controller: controller).run()
            #expect(!forward.restarted)
            #expect(!forward.record.steps.contains { $0.name == "health" })
            #expect(try await harness.servedVersion() == "2.0.0")
        }
    }

    @Test("a failed rollback does not claim that a color with no healthy target keeps serving")
    func failureSaysWhereTrafficIs() async throws {
        try await DeployHarness.with { harness in
            let controller = harness.controller()
            try await controller.deploy(version: "1.0.0")
            try await controller.deploy(version: "2.0.0")
            await #expect(throws: DeployError.self) { try await controller.deploy(version: "3.0.0-unhealthy") }
            // Green, serving, is stopped by hand.
            let pid = try #require(harness.records.load(service: "app", color: .green)?.pid)
            kill(-pid, SIGKILL)
            try await DeployInterruptTests.waitUntil("the gateway calls green unhealthy") {
                try await !harness.admin.service("app").isHealthy(.green)
            }
            let error = await #expect(throws: DeployError.self) { try await Rollback(controller: controller).run() }
            let message = error?.userMessage ?? ""
            #expect(message.contains("traffic still goes to green, which has no healthy target"), "\(message)")
            #expect(!message.contains("green keeps serving"))
        }
    }
}
