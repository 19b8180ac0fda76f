import Compose
import Deploy
import DockerEngine
import Foundation
import TestSupport
import Testing

/// How a compose service turns into a color's container spec, read from real compose files (no engine).
@Suite("Compose container template")
struct ComposeContainerTemplateTests {
    /// The template of service `api` of `yaml`, written as `compose.yml` into `directory`, for project `shop`.
    static func template(_ yaml: String, in directory: TemporaryDirectory, shell: [String: String] = [:]) throws
        -> ComposeContainerTemplate
    {
        let compose = try ComposeLoader.load(files: [directory.write("compose.yml", yaml)], environment: shell)
        return try ComposeContainerTemplate(project: "shop", compose: compose, serviceName: "api", environment: shell)
    }

    @Test("resolves names and paths as compose does: prefixed volumes and networks, renamed and external ones")
    func namesAndPaths() throws {
        let directory = try TemporaryDirectory(prefix: "template")
        defer { directory.remove() }
        let template = try Self.template(
            """
            services:
              api:
                image: x
                volumes: ["./uploads:/srv/uploads", "cache:/cache:ro", "shared:/shared", "/anon"]
                networks:
                  backend: { aliases: [api-internal] }
                  edge: {}
                tmpfs: ["/run:size=64m"]
            volumes:
              cache: {}
              shared: { external: true, name: company_shared }
            networks:
              backend: { internal: true }
              edge: { external: true }
            """, in: directory)
        let real = URL(fileURLWithPath: directory.path).standardized.path
        #expect(template.spec.binds.contains("\(real)/uploads:/srv/uploads"))
        #expect(template.spec.binds.contains("shop_cache:/cache:ro"))
        #expect(template.spec.binds.contains("company_shared:/shared"))
        #expect(template.spec.mounts == [.init(kind: .volume, source: "", target: "/anon")])
        #expect(template.volumes.map(\.name) == ["shop_cache"])  // the external one is never created
        #expect(FileManager.default.fileExists(atPath: "\(real)/uploads"))  // created, as the Docker engine does
        #expect(template.spec.tmpfs == ["/run": "size=64m"])
        let backend = try #require(template.networks.first { $0.composeName == "backend" })
        #expect(backend.name == "shop_backend" && backend.isInternal && !backend.isExternal)
        #expect(backend.aliases == ["api", "api-internal"])
        let edge = try #require(template.networks.first { $0.composeName == "edge" })
        #expect(edge.name == "edge" && edge.isExternal)
        #expect(template.spec.networks["shop_backend"] == ["api", "api-internal"])
    }

    @Test("folds env_file under environment, takes valueless variables from the shell, and splits string commands")
    func environmentAndCommand() throws {
        let directory = try TemporaryDirectory(prefix: "template-env")
        defer { directory.remove() }
        _ = try directory.write("api.env", "LEVEL=debug\nREGION=eu\n")
        let template = try Self.template(
            """
            services:
              api:
                image: x
                env_file: [api.env, { path: local.env, required: false }]
                environment: [LEVEL=info, FROM_SHELL, NOT_SET]
                command: ./serve --name "my api" 'a b'
                entrypoint: ["/bin/tini", "--"]
                restart: on-failure:3
                mem_limit: 512m
                cpus: "1.5"
                pids_limit: 200
                user: "1000:1000"
                working_dir: /app
                read_only: true
                cap_drop: [ALL]
                security_opt: ["no-new-privileges:true"]
                labels: { dev.shipshape.color: forged, team: shop }
                stop_grace_period: 1m30s
            """, in: directory, shell: ["FROM_SHELL": "shell value"])
        #expect(template.spec.environment == ["LEVEL=info", "REGION=eu", "FROM_SHELL=shell value"])
        #expect(template.spec.command == ["./serve", "--name", "my api", "a b"])
        #expect(template.spec.entrypoint == ["/bin/tini", "--"])
        #expect(template.spec.restartPolicy == .onFailure(maximumRetries: 3))
        #expect(template.spec.resources.memoryLimit == Int64(512 * 1024 * 1024))
        #expect(template.spec.resources.cpuLimit == 1.5)
        #expect(template.spec.resources.pidsLimit == 200)
        #expect(template.spec.user == "1000:1000" && template.spec.workingDirectory == "/app")
        #expect(template.spec.readOnlyRootFilesystem && template.spec.capDrop == ["ALL"])
        #expect(template.spec.securityOptions == ["no-new-privileges:true"])
        #expect(template.stopGracePeriod == .seconds(90))
        let spec = template.spec(image: "shop/api:2", labels: ["dev.shipshape.color": "green"], port: 8000)
        #expect(spec.image == "shop/api:2")
        #expect(spec.labels == ["dev.shipshape.color": "green", "team": "shop"])  // Shipshape's labels win
        #expect(spec.portBindings == [.init(containerPort: 8000, hostIP: "127.0.0.1", hostPort: 0)])
    }

    @Test("refuses what it cannot carry, naming the key and what to do")
    func refusals() throws {
        let directory = try TemporaryDirectory(prefix: "template-refusals")
        defer { directory.remove() }
        let external = #expect(throws: DeployError.self) {
            try Self.template(
                """
                services:
                  api: { image: x, secrets: [token] }
                secrets:
                  token: { external: true }
                """, in: directory)
        }
        #expect(external?.userMessage.contains("'token'") == true)
        #expect(external?.userMessage.contains("file: PATH") == true)
        let memory = #expect(throws: DeployError.self) {
            try Self.template("services:\n  api: { image: x, mem_limit: lots }\n", in: directory)
        }
        #expect(memory?.userMessage.contains("'lots'") == true)
        let missing = #expect(throws: DeployError.self) {
            try Self.template("services:\n  web: { image: x }\n", in: directory)
        }
        #expect(missing?.userMessage.contains("no service 'api'") == true)
        let envFile = #expect(throws: DeployError.self) {
            try Self.template("services:\n  api: { image: x, env_file: [missing.env] }\n", in: directory)
        }
        #expect(envFile?.userMessage.contains("missing.env") == true)
    }

    @Test("names the compose keys a color cannot honour")
    func ignoredKeys() throws {
        let directory = try TemporaryDirectory(prefix: "template-ignored")
        defer { directory.remove() }
        let template = try Self.template(
            "services:\n  api: { image: x, ports: [\"8080:80\"], container_name: api, depends_on: [db] }\n"
                + "  db: { image: postgres }\n", in: directory)
        #expect(template.ignoredKeys == ["container_name", "depends_on", "ports"])
    }
}
