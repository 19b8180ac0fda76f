@testable import Deploy
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

/// The host hook runner (process runtime) on swift-subprocess: time limit and process-group teardown.
@Suite("Hook runner")
struct HookRunnerTests {
    @Test("a hook that outlives its time limit is stopped together with its children, and says so")
    func timeLimitStopsGroup() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("hook-\(UUID()).pid").path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let command = ["/bin/sh", "-c", "sleep 60 & echo $! > \(pidFile); echo waiting for the lock; wait"]
        let error = await #expect(throws: DeployError.self) {
            try await HookRunner.run(
                .preSwitch, command, environment: ["PATH": "/usr/bin:/bin"], timeout: .milliseconds(500))
        }
        #expect(error?.kind == .hookFailed)
        #expect(error?.userMessage.contains("did not finish within") == true)
        #expect(error?.userMessage.contains("waiting for the lock") == true)
        let child = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)))
        // Bounded wait: the group got SIGTERM as the hook's leader was reaped; its child may take a moment.
        let deadline = ContinuousClock.now + .seconds(2)
        while Self.isAlive(child), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!Self.isAlive(child), "the hook's background child \(child) survived the time limit")
    }

    /// True while `pid` runs (a zombie waiting for a reaper that never comes in a container counts as gone).
    static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return !(stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? false)
    }

    @Test("a hook found on PATH gets only the environment it is given")
    func environmentAndPath() async throws {
        let error = await #expect(throws: DeployError.self) {
            try await HookRunner.run(
                .postDeploy, ["sh", "-c", "echo \"marker=$SHIPSHAPE_MARKER home=${HOME:-unset}\"; exit 2"],
                environment: ["SHIPSHAPE_MARKER": "m1", "PATH": "/usr/bin:/bin"], timeout: .seconds(30))
        }
        #expect(error?.userMessage.contains("post-deploy hook sh -c") == true)
        #expect(error?.userMessage.contains("exited with status 2") == true)
        #expect(error?.userMessage.contains("marker=m1 home=unset") == true)
    }
}
