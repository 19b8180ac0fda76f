import AsyncHTTPClient
import Deploy
import Foundation
import Testing

/// The deploy flow end to end: a real gateway, real processes, real HTTP through the gateway.
@Suite("Deploy controller", .serialized, .timeLimit(.minutes(3)))
struct DeployControllerTests {
    @Test("ten consecutive deploys under continuous load answer every request with 2xx")
    func zeroFailedRequests() async throws {
        try await DeployHarness.with { harness in
            let controller = harness.controller()
            try await controller.deploy(version: "1.0.0")
            let load = LoadGenerator(url: harness.url + "/api/hello", httpClient: harness.httpClient)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await load.run() }
                defer { load.stop() }
                for release in 2...11 { try await controller.deploy(version: "1.0.\(release)") }
                load.stop()
                try await group.waitForAll()
            }
            #expect(load.failures == 0, "statuses \(load.statuses), errors \(load.errors.prefix(3))")
            #expect(load.total > 100)
            #expect(try await harness.servedVersion() == "1.0.11")
            let history = try harness.history()
            #expect(history.count == 11)
            #expect(history.allSatisfy { $0.outcome == .succeeded })
            #expect(history.first?.steps.map(\.name) == DeployController.steps)
        }
    }

    @Test("a new version that fails its health check is removed and the old one keeps serving")
    func unhealthyVersion() async throws {
        try await DeployHarness.with { harness in
            let controller = harness.controller()
            try await controller.deploy(version: "1.0.0")
            let error = await #expect(throws: DeployError.self) {
                try await controller.deploy(version: "2.0.0-unhealthy")
            }
            #expect(error?.kind == .unhealthy)
            #expect(try await harness.servedVersion() == "1.0.0")
            let service = try await harness.admin.service("app")
            #expect(service.activeColor == .blue)
            #expect(service.targets(of: .green).isEmpty)
            #expect(!(await harness.runtime.isRunning(service: "app", color: .green)))
            let record = try #require(try harness.history().first)
            #expect(record.outcome == .failed)
            #expect(record.steps.first { $0.outcome == .failed }?.name == "health")
            #expect(record.message?.contains("health check (GET /health") == true)
            #expect(record.message?.contains("broken app 2.0.0-unhealthy") == true)  // its log lines
        }
    }

    @Test("a new version that exits at start is reported with its last log lines")
    func exitingVersion() async throws {
        try await DeployHarness.with { harness in
            let controller = harness.controller()
            try await controller.deploy(version: "1.0.0")
            let error = await #expect(throws: DeployError.self) { try await controller.deploy(version: "2.0.0-exits") }
            #expect(error?.userMessage.contains("fatal: database unavailable") == true)
            #expect(try await harness.servedVersion() == "1.0.0")
            let record = try #require(try harness.history().first)
            #expect(record.outcome == .failed)
            #expect(record.message?.contains("fatal: database unavailable") == true)
        }
    }

    @Test("a new version that never listens fails within the gate, says so with its log and where it must listen")
    func neverListens() async throws {
        try await DeployHarness.with { harness in
            try await harness.controller().deploy(version: "1.0.0")
            var settings = harness.settings
            settings.healthGateTimeout = .seconds(3)
            let controller = DeployController(settings: settings, runtime: harness.runtime, httpClient: harness.httpClient)
            let error = await #expect(throws: DeployError.self) { try await controller.deploy(version: "2.0.0-deaf") }
            #expect(error?.kind == .unhealthy)
            let message = error?.userMessage ?? ""
            #expect(message.contains("runs but never accepted connections on 127.0.0.1:"), "\(message)")
            #expect(message.contains("within 3.0 seconds: the app must listen on the port its command gets as {port}"))
            #expect(message.contains("app 2.0.0-deaf listening on the wrong port"))  // its last log lines
            #expect(message.contains("The blue color keeps serving."))
            #expect(!message.contains("did not pass the gateway's health check"))
            #expect(try await harness.servedVersion() == "1.0.0")
            #expect(try await harness.admin.service("app").targets(of: .green).isEmpty)
        }
    }

    @Test("failing smoke tests stop the deploy before the switch and the history says which check failed")
    func smokeFailure() async throws {
        try await DeployHarness.with { harness in
            let controller = harness.controller()
            try await controller.deploy(version: "1.0.0")
            let error = await #expect(throws: DeployError.self) {
                try await controller.deploy(version: "2.0.0-smokefail")
            }
            #expect(error?.kind == .smokeFailed)
            #expect(try await harness.servedVersion() == "1.0.0")
            #expect(try await harness.admin.service("app").targets(of: .green).isEmpty)
            let record = try #require(try harness.history().first)
            #expect(record.outcome == .failed)
            #expect(record.steps.first { $0.outcome == .failed }?.name == "smoke")
            #expect(record.message?.contains("GET /api/hello: expected status 200, got 500") == true)
            #expect(record.message?.contains("shown above") == false)  // its log lines follow the message
            #expect(record.message?.contains("The new version's last log lines:\n  | broken app 2.0.0-smokefail") == true)
            #expect(record.steps.first { $0.name == "switch" }?.outcome == .skipped)
        }
    }

    @Test("the bake window catches 5xx from the new color and flips traffic back")
    func bakeFailure() async throws {
        try await DeployHarness.with(bake: .seconds(3)) { harness in
            let controller = harness.controller()
            try await controller.deploy(version: "1.0.0")
            let load = LoadGenerator(url: harness.url + "/api/hello", httpClient: harness.httpClient)
            var caught: DeployError?
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await load.run() }
                do { try await controller.deploy(version: "2.0.0-bakefail") } catch { caught = error as? DeployError }
                load.stop()
            }
            #expect(caught?.kind == .bakeFailed)
            #expect(caught?.userMessage.contains("flipped back to blue") == true)
            #expect((load.statuses[500] ?? 0) > 0)  // the new color really did fail real traffic
            let service = try await harness.admin.service("app")
            #expect(service.activeColor == .blue)
            #expect(service.targets(of: .green).isEmpty)
            for _ in 0..<100 {
                if try await harness.get().status == 200 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await harness.servedVersion() == "1.0.0")
            let record = try #require(try harness.history().first)
            #expect(record.outcome == .rolledBack)
            #expect(record.steps.first { $0.outcome == .failed }?.name == "bake")
        }
    }

    @Test("rollback switches back to a healthy standby without restarting it (its time is in Benchmarks/deploy.sh)")
    func rollbackToStandby() async throws {
        try await DeployHarness.with(keepStandby: true) { harness in
            let controller = harness.controller()
            try await controller.deploy(version: "1.0.0")
            try await controller.deploy(version: "2.0.0")
            #expect(try await harness.servedVersion() == "2.0.0")
            // The standby becomes healthy after the gateway's probes (2 × 100 ms); a loaded machine gets 10 s.
            for _ in 0..<200 {
                if try await harness.admin.service("app").isHealthy(.blue) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let outcome = try await Rollback(controller: controller).run()
            #expect(!outcome.restarted)
            #expect(try await harness.servedVersion() == "1.0.0")
            #expect(try harness.history().first?.message == "rollback from green to blue")
        }
    }

    @Test("rollback starts a stopped previous color again, then switches")
    func rollbackRestarts() async throws {
        try await DeployHarness.with { harness in
            let controller = harness.controller()
            try await controller.deploy(version: "1.0.0")
            try await controller.deploy(version: "2.0.0")
            #expect(!(await harness.runtime.isRunning(service: "app", color: .blue)))
            let outcome = try await Rollback(controller: controller).run()
            #expect(outcome.restarted)
            #expect(try await harness.servedVersion() == "1.0.0")
            #expect(try await harness.admin.service("app").activeColor == .blue)
        }
    }

    @Test("a second deploy started while one runs is refused by the lock")
    func concurrentDeploys() async throws {
        try await DeployHarness.with { harness in
            let controller = harness.controller()
            async let first: Result<DeployController.Outcome, DeployError> = Self.result {
                try await controller.deploy(version: "1.0.0")
            }
            try await Task.sleep(for: .milliseconds(100))
            let second = await Self.result { try await controller.deploy(version: "1.0.1") }
            let firstResult = await first
            guard case .success = firstResult else {
                Issue.record("the first deploy failed: \(firstResult)")
                return
            }
            guard case .failure(let error) = second else {
                Issue.record("the second deploy was not refused")
                return
            }
            #expect(error.kind == .locked)
            #expect(error.userMessage.contains("deploy app 1.0.0"))
            #expect(try await harness.servedVersion() == "1.0.0")
            #expect(try harness.history().count == 1)
        }
    }

    static func result(
        _ body: () async throws -> DeployController.Outcome
    ) async -> Result<DeployController.Outcome, DeployError> {
        do { return .success(try await body()) } catch {
            return .failure(error as? DeployError ?? DeployError(kind: .gateway, userMessage: "\(error)"))
        }
    }
}
