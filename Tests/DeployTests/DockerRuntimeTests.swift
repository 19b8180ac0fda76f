import Deploy
import DockerEngine
import Foundation
import TestSupport
import Testing

/// The docker runtime against a real engine: Podman's Docker-compatible service started by the test, with
/// images built locally (busybox httpd serving a body and /health).
@Suite("Docker runtime deploys", .timeLimit(.minutes(4)))
struct DockerRuntimeTests {
    @Test("deploys an image through Podman, serves its body through the gateway, and rolls back")
    func deployAndRollBack() async throws {
        guard ProcessRunner.isInstalled("podman") else {
            throw TestSupportError(message: "podman is not installed: run scripts/install-deploy-deps.sh")
        }
        _ = try await ProcessRunner.script("podman-engine.sh", "image", "shipshape-deploy-test:1", "version one")
        _ = try await ProcessRunner.script("podman-engine.sh", "image", "shipshape-deploy-test:2", "version two")
        let engine = try await ExternalServer.podman()
        defer { engine.stop() }
        let client = try await DockerClient.connect(.init(host: .unix(path: engine.location)))
        do {
            try await DeployHarness.with(docker: client) { harness in
                let controller = harness.controller()
                try await controller.deploy(version: "shipshape-deploy-test:1")
                #expect(try await harness.get("/").body == "version one\n")
                let second = try await controller.deploy(version: "shipshape-deploy-test:2")
                #expect(second.record.color == .green)
                #expect(try await harness.get("/").body == "version two\n")
                let prefix = harness.settings.project + "-app-"
                let blue = try await client.inspectContainer(prefix + "blue")
                #expect(!blue.state.running)  // the old color is stopped, not removed
                let outcome = try await Rollback(controller: controller).run()
                #expect(outcome.restarted)
                #expect(try await harness.get("/").body == "version one\n")
                #expect(try await client.inspectContainer(prefix + "blue").state.running)
            }
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }
}
