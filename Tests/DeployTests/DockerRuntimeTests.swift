import Compose
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

    @Test("a container the engine refuses to start is removed and the old color keeps serving")
    func refusedStartIsRemoved() async throws {
        try await DockerComposeRuntimeTests.withEngine { client in
            try await DeployHarness.with(docker: client) { harness in
                try await harness.controller().deploy(version: DockerComposeRuntimeTests.one)
                let broken = try harness.directory.write(
                    "broken.yml", "services:\n  app:\n    image: placeholder\n    entrypoint: [\"/bin/nonexistent\"]\n")
                let runtime = DockerColorRuntime(
                    client: client, project: harness.settings.project, containerPort: 80, records: harness.records,
                    template: try ComposeContainerTemplate(
                        project: harness.settings.project, compose: ComposeLoader.load(files: [broken]),
                        serviceName: "app"))
                let controller = DeployController(settings: harness.settings, runtime: runtime, httpClient: harness.httpClient)
                let error = await #expect(throws: DeployError.self) {
                    try await controller.deploy(version: DockerComposeRuntimeTests.two)
                }
                #expect(error?.kind == .containerFailed)
                #expect(error?.userMessage.contains("The blue color keeps serving.") == true, "\(String(describing: error))")
                let green = harness.settings.project + "-app-green"
                let gone = await #expect(throws: DockerEngineError.self) { try await client.inspectContainer(green) }
                #expect(gone?.kind == .notFound)
                #expect(try await harness.get("/").body == "version one\n")
                #expect(try harness.history().first?.steps.first { $0.outcome == .failed }?.name == "start")
            }
        }
    }

    @Test("a container that never listens on the service's port fails the gate saying so, with the port to fix")
    func neverListensOnPort() async throws {
        try await DockerComposeRuntimeTests.withEngine { client in
            try await DeployHarness.with(docker: client) { harness in
                try await harness.controller().deploy(version: DockerComposeRuntimeTests.one)
                // The image's httpd listens on 80; the service claims 8081.
                var settings = harness.settings
                settings.service.port = 8081
                settings.healthGateTimeout = .seconds(3)
                let runtime = DockerColorRuntime(
                    client: client, project: settings.project, containerPort: 8081, records: harness.records)
                let controller = DeployController(settings: settings, runtime: runtime, httpClient: harness.httpClient)
                let error = await #expect(throws: DeployError.self) {
                    try await controller.deploy(version: DockerComposeRuntimeTests.two)
                }
                let message = error?.userMessage ?? ""
                #expect(message.contains("never accepted connections on port 8081 inside its container"), "\(message)")
                #expect(message.contains("`port: 8081` in shipshape.yml"))
                #expect(message.contains("The blue color keeps serving."))
                #expect(try await harness.get("/").body == "version one\n")
            }
        }
    }
}
