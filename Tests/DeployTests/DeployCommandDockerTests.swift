import Deploy
import DockerEngine
import Foundation
import TestSupport
import Testing

/// `shipshape deploy --image` as a user runs it: the built binary, a separate `shipshape proxy`, the compose
/// files named in `shipshape.yml`, and Podman's Docker-compatible service reached through `DOCKER_HOST`.
@Suite("shipshape deploy with the docker runtime", .timeLimit(.minutes(4)))
struct DeployCommandDockerTests {
    @Test("the CLI creates the color from the compose service named in shipshape.yml and the gateway serves it")
    func cliDeploysFromCompose() async throws {
        try await DockerComposeRuntimeTests.withEngineSocket { client, socket in
            let directory = try TemporaryDirectory(prefix: "deploy-cli")
            defer { directory.remove() }
            _ = try DockerComposeRuntimeTests.compose()(directory)
            let project = "clitest-\(UUID().uuidString.prefix(6).lowercased())"
            let http = try ProcessRunner.freePort()
            _ = try directory.write(
                "shipshape.yml",
                """
                project: \(project)
                compose: [compose.yml]
                gateway:
                  http: 127.0.0.1:\(http)
                  routes: [{ match: /, service: app }]
                  admin: { socket: \(directory.path)/admin.sock }
                services:
                  app:
                    runtime: docker
                    port: 80
                    health: { path: /health, interval: 100ms, timeout: 1s, healthy: 2, unhealthy: 2 }
                    smoke: [{ path: /, status: 200, contains: version }]
                    drain: 200ms
                    bake: 0s
                """)
            let gateway = try ShipshapeProcess(["proxy", "-c", "shipshape.yml"], directory: directory.path)
            defer { gateway.stop() }
            let deploy = try ShipshapeProcess(
                ["deploy", "app", "--image", DockerComposeRuntimeTests.one, "--json", "-c", "shipshape.yml"],
                directory: directory.path, environment: ["DOCKER_HOST": "unix://\(socket)"])
            let status = try await Self.exit(of: deploy, within: .seconds(120))
            let blue = "\(project)-app-blue"
            do {
                #expect(status == 0, "shipshape deploy failed: \(deploy.output)")
                #expect(deploy.output.contains(#""outcome":"succeeded""#))
                let details = try await client.inspectContainer(blue)
                #expect(details.environment.contains("GREETING=hello from compose"))
                #expect(details.memoryLimit == DockerComposeRuntimeTests.memoryLimit)
                #expect(details.networks["\(project)_backend"]?.aliases.contains("app") == true)
                let secret = try await client.execCollecting(
                    blue, ExecSpec(command: ["cat", "/run/secrets/db_password"]))
                #expect(secret.stdout == DockerComposeRuntimeTests.secret)
                let served = try await ProcessRunner.run(["curl", "-s", "--max-time", "5", "http://127.0.0.1:\(http)/"])
                #expect(served.stdout == "version one\n")
            } catch {
                await Self.clean(client, project: project)
                throw error
            }
            await Self.clean(client, project: project)
        }
    }

    /// Waits for the CLI to exit without holding a test thread (it polls and sleeps between polls).
    static func exit(of process: ShipshapeProcess, within limit: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let status = await process.waitForExit(timeout: 0.05) { return status }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.stop()
        return nil
    }

    static func clean(_ client: DockerClient, project: String) async {
        for color in ["blue", "green"] { try? await client.removeContainer("\(project)-app-\(color)", force: true) }
        try? await client.removeNetwork("\(project)_backend")
        try? await client.removeVolume("\(project)_appdata", force: true)
    }
}
