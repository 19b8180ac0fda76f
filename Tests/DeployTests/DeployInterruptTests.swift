import Deploy
import Foundation
import ShipshapeCore
import TestSupport
import Testing

/// `shipshape deploy` interrupted by SIGTERM or SIGINT, as a user's Ctrl-C or a CI runner's cancel does it: the
/// built binary against a real gateway and real processes.
@Suite("Interrupted deploys", .serialized, .timeLimit(.minutes(3)))
struct DeployInterruptTests {
    @Test("SIGTERM before the switch removes the new color, records the deploy, exits 143; rollback refuses it")
    func sigtermBeforeSwitch() async throws {
        try await DeployHarness.with { harness in
            try await harness.controller().deploy(version: "1.0.0")
            // The new color is healthy and registered while the pre-switch hook runs: the signal lands there.
            try harness.writeConfiguration([#"hooks: { pre_switch: ["sleep", "60"] }"#])
            let deploy = try harness.cli(["deploy", "app", "--version", "2.0.0"])
            defer { deploy.stop() }
            try await Self.waitUntil("green is healthy in the gateway") {
                try await harness.admin.service("app").isHealthy(.green)
            }
            let pid = try #require(harness.records.load(service: "app", color: .green)?.pid)
            try await Task.sleep(for: .milliseconds(300))
            deploy.signal(SIGTERM)
            let status = try await DeployCommandDockerTests.exit(of: deploy, within: .seconds(30))
            #expect(status == 143, "\(deploy.output)")
            #expect(deploy.output.contains("was interrupted by a signal during the 'pre_switch' step"))
            #expect(deploy.output.contains("The blue color keeps serving."))
            let service = try await harness.admin.service("app")
            #expect(service.activeColor == .blue)
            #expect(service.targets(of: .green).isEmpty)
            #expect(!ProcessTable.groupIsRunning(pid), "the new color's processes were stopped")
            #expect(try await harness.servedVersion() == "1.0.0")
            let record = try #require(try harness.history().first)
            #expect(record.version == "2.0.0")
            #expect(record.outcome == .failed)
            #expect(record.steps.first { $0.outcome == .failed }?.message == "interrupted by a signal")
            let refusal = await #expect(throws: DeployError.self) {
                try await Rollback(controller: harness.controller()).run()
            }
            #expect(refusal?.kind == .nothingToRollBack)
            #expect(refusal?.userMessage.contains("the last deploy to the green color (2.0.0) failed") == true)
            #expect(try await harness.servedVersion() == "1.0.0")
        }
    }

    @Test("SIGINT during the bake window flips traffic back, removes the new color and exits 130")
    func sigintDuringBake() async throws {
        try await DeployHarness.with { harness in
            try await harness.controller().deploy(version: "1.0.0")
            try harness.writeConfiguration(["bake: 30s"])
            let deploy = try harness.cli(["deploy", "app", "--version", "2.0.0", "--json"])
            defer { deploy.stop() }
            try await harness.waitUntilActive(.green)
            #expect(try await harness.servedVersion() == "2.0.0")
            deploy.signal(SIGINT)
            let status = try await DeployCommandDockerTests.exit(of: deploy, within: .seconds(30))
            #expect(status == 130, "\(deploy.output)")
            #expect(deploy.output.contains("interrupted by a signal during the 'bake' step"))
            #expect(deploy.output.contains("Traffic was flipped back to blue."))
            #expect(deploy.output.contains(#""outcome":"rolled_back""#), "--json prints the failure record")
            let service = try await harness.admin.service("app")
            #expect(service.activeColor == .blue)
            #expect(service.targets(of: .green).isEmpty)
            try await harness.waitUntilServing()
            #expect(try await harness.servedVersion() == "1.0.0")
            #expect(try harness.history().first?.outcome == .rolledBack)
        }
    }

    @Test("SIGINT during a rollback's drain cuts the wait short, still retires the color left, and exits 130")
    func sigintDuringRollbackDrain() async throws {
        try await DeployHarness.with { harness in
            let controller = harness.controller()
            try await controller.deploy(version: "1.0.0")
            try await controller.deploy(version: "2.0.0")
            let green = try #require(harness.records.load(service: "app", color: .green)?.pid)
            try harness.writeConfiguration(drain: "60s")
            let rollback = try harness.cli(["rollback", "app"])
            defer { rollback.stop() }
            try await harness.waitUntilActive(.blue)
            try await Task.sleep(for: .milliseconds(300))
            rollback.signal(SIGINT)
            let status = try await DeployCommandDockerTests.exit(of: rollback, within: .seconds(20))
            #expect(status == 130, "\(rollback.output)")
            #expect(try await harness.admin.service("app").targets(of: .green).isEmpty, "not left draining")
            #expect(!ProcessTable.groupIsRunning(green), "the color left was stopped")
            #expect(try await harness.servedVersion() == "1.0.0")
            let record = try #require(try harness.history().first)
            #expect(record.outcome == .succeeded)
            #expect(record.message?.contains("interrupted during the drain") == true)
            #expect(record.steps.map(\.name) == ["restart", "health", "switch", "drain", "retire"])
        }
    }

    /// Polls `condition` every 50 ms for up to 30 s.
    static func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<600 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting until \(what)")
    }
}
