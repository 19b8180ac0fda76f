import Deploy
import DockerEngine
import Foundation
import TestSupport
import Testing

/// The docker runtime creating colors from a compose service definition, its engine health gate and its
/// hooks, against a real engine: Podman's Docker-compatible service started by the test, with images built
/// locally (busybox httpd; `:1` serves "version one", `:2` "version two").
@Suite("Docker runtime from compose", .serialized, .timeLimit(.minutes(5)))
struct DockerComposeRuntimeTests {
    static let one = "shipshape-deploy-test:1"
    static let two = "shipshape-deploy-test:2"
    static let secret = "s3cret-for-the-app"
    static let memoryLimit: Int64 = 64 * 1024 * 1024

    /// A compose project whose `app` service uses every kind of setting the runtime carries;
    /// `healthcheck` is inserted under the service as written.
    static func compose(healthcheck: String = "") -> (TemporaryDirectory) throws -> String {
        { directory in
            _ = try directory.write("app.env", "FROM_ENV_FILE=yes\nGREETING=replaced by environment\n")
            _ = try directory.write("secrets/db_password.txt", secret)
            _ = try directory.write("data/seed.txt", "seeded\n")
            return try directory.write(
                "compose.yml",
                """
                services:
                  app:
                    image: placeholder
                    environment:
                      GREETING: hello from compose
                    env_file: [app.env]
                    secrets: [db_password]
                    volumes:
                      - ./data:/srv/data:ro
                      - appdata:/var/lib/app
                    networks: [backend]
                    labels:
                      com.example.team: payments
                    deploy:
                      resources:
                        limits: { memory: 64M }
                    tmpfs: [/scratch]
                    restart: unless-stopped
                \(healthcheck)
                networks:
                  backend: {}
                volumes:
                  appdata: {}
                secrets:
                  db_password:
                    file: ./secrets/db_password.txt
                """)
        }
    }

    @Test("creates each color from the compose service: env, env_file, secret, volumes, network alias, labels, memory")
    func carriesComposeSettings() async throws {
        try await Self.withEngine { client in
            var project = ""
            try await DeployHarness.with(docker: client, compose: Self.compose()) { harness in
                project = harness.settings.project
                let controller = harness.controller()
                try await controller.deploy(version: Self.one)
                let blue = "\(project)-app-blue"
                let details = try await client.inspectContainer(blue)
                #expect(details.environment.contains("GREETING=hello from compose"))
                #expect(details.environment.contains("FROM_ENV_FILE=yes"))
                #expect(details.labels["com.example.team"] == "payments")
                #expect(details.labels["dev.shipshape.color"] == "blue")
                #expect(details.memoryLimit == Self.memoryLimit)
                #expect(details.networks["\(project)_backend"]?.aliases.contains("app") == true)
                #expect(try await Self.run(client, blue, "cat", "/run/secrets/db_password") == Self.secret)
                #expect(try await Self.run(client, blue, "cat", "/srv/data/seed.txt") == "seeded\n")
                _ = try await Self.run(client, blue, "sh", "-c", "echo kept > /var/lib/app/marker")

                // Another container on the service's network reaches it by the service name.
                #expect(try await Self.fetch("http://app/", on: "\(project)_backend", client: client) == "version one")

                try await controller.deploy(version: Self.two)
                let green = "\(project)-app-green"
                #expect(try await harness.get("/").body == "version two\n")
                // The named volume is the project's, so the new color sees what the old one wrote.
                #expect(try await Self.run(client, green, "cat", "/var/lib/app/marker") == "kept\n")
                #expect(try await Self.run(client, green, "cat", "/run/secrets/db_password") == Self.secret)
            }
            try? await client.removeNetwork("\(project)_backend")
            try? await client.removeVolume("\(project)_appdata", force: true)
        }
    }

    @Test("waits for the engine's health check and refuses a new color the engine calls unhealthy")
    func engineHealthGate() async throws {
        let healthcheck = """
                healthcheck:
                  test: ["CMD-SHELL", "grep -q one /www/index.html"]
                  interval: 1s
                  timeout: 2s
                  retries: 1
            """
        try await Self.withEngine { client in
            var project = ""
            try await DeployHarness.with(docker: client, compose: Self.compose(healthcheck: healthcheck)) { harness in
                project = harness.settings.project
                let controller = harness.controller()
                try await controller.deploy(version: Self.one)
                // Podman ran no check by itself; the gate triggered one and waited for `healthy`.
                let blue = try await client.inspectContainer("\(project)-app-blue")
                #expect(blue.state.health?.status == "healthy")

                let error = await #expect(throws: DeployError.self) { try await controller.deploy(version: Self.two) }
                #expect(error?.kind == .unhealthy)
                #expect(error?.userMessage.contains("engine reports its container unhealthy") == true)
                #expect(error?.userMessage.contains("latest check: exit 1") == true)
                let record = try #require(try harness.history().first)
                #expect(record.outcome == .failed)
                #expect(record.steps.first { $0.outcome == .failed }?.name == "health")
                #expect(try await harness.get("/").body == "version one\n")
                await #expect(throws: DockerEngineError.self) {
                    try await client.inspectContainer("\(project)-app-green")
                }
            }
            try? await client.removeNetwork("\(project)_backend")
            try? await client.removeVolume("\(project)_appdata", force: true)
        }
    }

    @Test("runs the pre-switch hook in the new container; its failure keeps the old color serving")
    func hooksInContainer() async throws {
        let preSwitch = [
            "sh", "-c",
            "echo migrating $SHIPSHAPE_VERSION as $SHIPSHAPE_COLOR; grep -q one /www/index.html "
                + "|| { echo 'relation users already exists' >&2; exit 3; }",
        ]
        let postDeploy = ["sh", "-c", "echo $SHIPSHAPE_VERSION > /www/post-deploy"]
        try await Self.withEngine { client in
            try await DeployHarness.with(docker: client, hooks: (preSwitch, postDeploy)) { harness in
                let controller = harness.controller()
                try await controller.deploy(version: Self.one)
                let blue = "\(harness.settings.project)-app-blue"
                #expect(try await Self.run(client, blue, "cat", "/www/post-deploy") == "\(Self.one)\n")
                #expect(try harness.history().first?.message == nil)  // no post-deploy failure noted

                let error = await #expect(throws: DeployError.self) { try await controller.deploy(version: Self.two) }
                #expect(error?.kind == .hookFailed)
                let message = error?.userMessage ?? ""
                #expect(message.contains("exited with status 3"))
                #expect(message.contains("migrating \(Self.two) as green"))
                #expect(message.contains("relation users already exists"))
                #expect(try harness.history().first?.steps.first { $0.outcome == .failed }?.name == "pre_switch")
                #expect(try await harness.get("/").body == "version one\n")
                #expect(try await client.inspectContainer(blue).state.running)
            }
        }
    }

    // MARK: - Helpers

    /// Builds both images, starts Podman's service and a client, runs `body`, and stops them.
    static func withEngine(_ body: (DockerClient) async throws -> Void) async throws {
        try await withEngineSocket { client, _ in try await body(client) }
    }

    /// `withEngine`, also handing `body` the engine's socket path (for `DOCKER_HOST`).
    static func withEngineSocket(_ body: (DockerClient, String) async throws -> Void) async throws {
        guard ProcessRunner.isInstalled("podman") else {
            throw TestSupportError(message: "podman is not installed: run scripts/install-deploy-deps.sh")
        }
        _ = try await ProcessRunner.script("podman-engine.sh", "image", one, "version one")
        _ = try await ProcessRunner.script("podman-engine.sh", "image", two, "version two")
        let engine = try await ExternalServer.podman()
        defer { engine.stop() }
        let client = try await DockerClient.connect(.init(host: .unix(path: engine.location)))
        do {
            try await body(client, engine.location)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    /// Runs a command in `container` and returns its standard output; a non-zero exit fails the test.
    static func run(_ client: DockerClient, _ container: String, _ command: String...) async throws -> String {
        let result = try await client.execCollecting(container, ExecSpec(command: command))
        #expect(result.exitCode == 0, "\(command) in \(container): \(result.stderr)")
        return result.stdout
    }

    /// GETs `url` from a throwaway container on `network`; returns what it printed.
    static func fetch(_ url: String, on network: String, client: DockerClient) async throws -> String {
        let spec = ContainerSpec(image: one, command: ["wget", "-q", "-O-", url], networks: [network: []])
        let id = try await client.createContainer(spec, name: "probe-\(UUID().uuidString.prefix(8).lowercased())")
        do {
            try await client.startContainer(id)
            _ = try await client.waitContainer(id, timeout: .seconds(30))
            let output = try await client.containerLogs(id).map(\.text).joined(separator: "\n")
            try? await client.removeContainer(id, force: true)
            return output
        } catch {
            try? await client.removeContainer(id, force: true)
            throw error
        }
    }
}
