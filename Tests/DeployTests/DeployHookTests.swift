import Deploy
import Foundation
import Testing

/// `hooks.pre_switch` and `hooks.post_deploy` run as real commands around a real deploy.
@Suite("Deploy hooks", .serialized, .timeLimit(.minutes(2)))
struct DeployHookTests {
    @Test("a failing pre-switch hook stops the deploy before the switch and its output is in the history")
    func preSwitchFails() async throws {
        let hook = [
            "/bin/sh", "-c", "echo migrating $SHIPSHAPE_VERSION on port $PORT; echo 'relation users exists'; exit 4",
        ]
        try await DeployHarness.with(hooks: (hook, [])) { harness in
            let controller = harness.controller()
            await #expect(throws: DeployError.self) { try await controller.deploy(version: "1.0.0") }
            let record = try #require(try harness.history().first)
            #expect(record.outcome == .failed)
            #expect(record.steps.first { $0.outcome == .failed }?.name == "pre_switch")
            #expect(record.message?.contains("migrating 1.0.0 on port") == true)
            #expect(record.message?.contains("relation users exists") == true)
            #expect(try await harness.admin.service("app").targets(of: .blue).isEmpty)
            #expect(try await harness.get().status == 503)  // nothing was ever switched in
        }
    }

    @Test("the post-deploy hook runs on the host with the deployed version")
    func postDeployRuns() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("post-\(UUID()).txt").path
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let hook = ["/bin/sh", "-c", "echo $SHIPSHAPE_VERSION $SHIPSHAPE_COLOR > \(marker)"]
        try await DeployHarness.with(hooks: ([], hook)) { harness in
            let controller = harness.controller()
            try await controller.deploy(version: "1.0.0")
            try await controller.deploy(version: "2.0.0")
            #expect(try String(contentsOfFile: marker, encoding: .utf8) == "2.0.0 green\n")
            #expect(try harness.history().first?.steps.last?.name == "post_deploy")
        }
    }
}
