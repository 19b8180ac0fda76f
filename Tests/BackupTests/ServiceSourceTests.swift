import DockerEngine
import Foundation
import ShipshapeCore
import Testing
import TestSupport

@testable import Backup

/// `service:` sources against real containers on Podman's Docker-compatible engine.
///
/// No registry is reachable here, so the containers run the host's own Debian PostgreSQL 15 and Redis
/// binaries: a tiny locally built image with the host's `/usr` and `/etc` mounted read-only. The servers,
/// the dumps (`pg_dump`, `psql`, `redis-cli`, `cat`, `tar`) and the data all live in the containers and are
/// reached only through the engine's exec endpoint; nothing is published on the host.
@Suite("service sources dumped inside containers through Docker exec", .serialized)
struct ServiceSourceTests {
    static let image = "shipshape-backup-test:1"
    /// The non-root user PostgreSQL needs (created by scripts/postgres.sh).
    static let user = "shipshape-test"
    static let readyTimeout: Duration = .seconds(60)
    static let pollInterval: Duration = .milliseconds(200)

    /// The two compose services of one test project, with their data directories on the host.
    struct Project {
        let name = "bk\(UUID().uuidString.prefix(6).lowercased())"
        let client: DockerClient
        let directory: TemporaryDirectory
        var containers: [String: String] = [:]

        /// The host's binaries, read-only, over the image's busybox: the same PostgreSQL the other tests use.
        func spec(service: String, command: [String], data: String, extra: [String] = []) -> ContainerSpec {
            ContainerSpec(
                image: ServiceSourceTests.image,
                environment: ["PATH=/usr/lib/postgresql/15/bin:/usr/bin:/bin"], command: command,
                labels: ["com.docker.compose.project": name, "com.docker.compose.service": service],
                binds: ["/usr:/usr:ro", "/usr/lib:/lib:ro", "/usr/lib64:/lib64:ro", "/etc:/etc:ro", "\(data):/data"] + extra,
                tmpfs: ["/tmp": "mode=1777"], user: ServiceSourceTests.user)
        }

        mutating func start(service: String, _ spec: ContainerSpec) async throws {
            let id = try await client.createContainer(spec, name: "\(name)-\(service)-1")
            containers[service] = id
            try await client.startContainer(id)
        }

        /// Runs a command in a service's container and returns its standard output; fails on non-zero exit.
        @discardableResult
        func exec(_ service: String, _ command: [String], environment: [String] = []) async throws -> String {
            let result = try await client.execCollecting(
                containers[service] ?? "", ExecSpec(command: command, environment: environment))
            guard result.exitCode == 0 else {
                throw TestSupportError(message: "\(command.joined(separator: " ")) failed (\(result.exitCode)): \(result.stderr)")
            }
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        @discardableResult
        func psql(_ sql: String, database: String = "postgres") async throws -> String {
            try await exec("db", ["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", database, "-c", sql], environment: ["PGHOST=/tmp"])
        }

        func removeAll() async {
            for id in containers.values { try? await client.removeContainer(id, force: true, volumes: true) }
        }
    }

    static func withProject(_ body: (inout Project, String) async throws -> Void) async throws {
        for tool in ["podman", "runc"] where !ProcessRunner.isInstalled(tool) {
            throw TestSupportError(message: "\(tool) is not installed: run scripts/install-backup-deps.sh")
        }
        guard FileManager.default.fileExists(atPath: "/usr/lib/postgresql/15/bin/initdb") else {
            throw TestSupportError(message: "PostgreSQL 15 server binaries missing: run scripts/install-backup-deps.sh")
        }
        _ = try await ProcessRunner.script("podman-engine.sh", "image", image, "backup")
        let engine = try await ExternalServer.podman()
        defer { engine.stop() }
        let client = try await DockerClient.connect(.init(host: .unix(path: engine.location)))
        let directory = try TemporaryDirectory(prefix: "services")
        var project = Project(client: client, directory: directory)
        do {
            try await body(&project, "unix://\(engine.location)")
        } catch {
            await project.removeAll()
            await client.shutdown()
            directory.remove()
            throw error
        }
        await project.removeAll()
        await client.shutdown()
        directory.remove()
    }

    /// Data directories owned by the container user; PostgreSQL's initialised on the host with its own initdb.
    static func prepareData(_ directory: TemporaryDirectory) throws {
        for name in ["pg", "redis", "media"] {
            try FileManager.default.createDirectory(atPath: "\(directory.path)/\(name)", withIntermediateDirectories: true)
        }
        try directory.write("media/hello.txt", "hello from a volume")
        chmod("\(directory.path)/media/hello.txt", 0o640)
        let prepared = try ProcessRunner.run([
            "sh", "-c",
            "id -u \(user) >/dev/null 2>&1 || useradd -r -M \(user); chown -R \(user) \"$0/pg\" \"$0/redis\" \"$0/media\" && chmod 755 \"$0\" && su \(user) -s /bin/sh -c \"/usr/lib/postgresql/15/bin/initdb -D '$0/pg/data' -U postgres --auth=trust\"",
            directory.path,
        ])
        guard prepared.status == 0 else { throw TestSupportError(message: "initdb failed: \(prepared.stderr)") }
    }

    @Test("postgres, redis and a volume path are backed up inside their containers, verify and restore through exec")
    func backupInsideContainers() async throws {
        try await Self.withProject { project, dockerHost in
            let base = project.directory.path
            try Self.prepareData(project.directory)
            try await project.start(service: "db", project.spec(
                service: "db", command: ["postgres", "-D", "/data/data", "-k", "/tmp", "-c", "listen_addresses="], data: "\(base)/pg"))
            try await project.start(service: "cache", project.spec(
                service: "cache", command: ["redis-server", "--port", "6379", "--bind", "127.0.0.1", "--dir", "/data", "--save", ""],
                data: "\(base)/redis", extra: ["\(base)/media:/srv/media"]))
            let clock = ContinuousClock()
            let deadline = clock.now + Self.readyTimeout
            while (try? await project.psql("SELECT 1")) != "1" {
                try #require(clock.now < deadline, "PostgreSQL in the container never became ready")
                try await Task.sleep(for: Self.pollInterval)
            }
            while (try? await project.exec("cache", ["redis-cli", "PING"])) != "PONG" {
                try #require(clock.now < deadline, "Redis in the container never became ready")
                try await Task.sleep(for: Self.pollInterval)
            }
            try await project.psql("CREATE DATABASE shop")
            try await project.psql("CREATE TABLE users (id serial PRIMARY KEY, name text); INSERT INTO users (name) SELECT 'u' || g FROM generate_series(1, 321) g", database: "shop")
            try await project.exec("cache", ["redis-cli", "SET", "greeting", "hello from redis"])

            let identity = X25519Identity.generate()
            try project.directory.write("key.txt", identity.encoded + "\n")
            var settings = BackupSettings(
                project: project.name,
                configuration: BackupConfiguration(
                    store: "store", encryption: .recipients([identity.recipient.description]), retention: .init(daily: 7),
                    sources: [
                        .postgres(.init(service: "db", host: "/tmp", databases: ["shop"], user: "postgres")),
                        .redis(.init(service: "cache")),
                        .files(["cache:/srv/media"]),
                    ]),
                baseDirectory: base, identityFile: "key.txt")
            settings.dockerEnvironment = ["DOCKER_HOST": dockerHost]
            let store = try settings.makeStore()
            let manifest = try await BackupRunner(settings: settings, store: store).run()

            #expect(manifest.parts.map(\.name) == ["postgres-shop", "postgres-globals", "redis", "files-cache"])
            #expect(manifest.parts.first?.rowCounts == ["public.users": 321])
            #expect(manifest.parts.first?.origin == "service db")
            #expect(manifest.postgresVersion?.hasPrefix("15") == true, "\(String(describing: manifest.postgresVersion))")

            // Decrypted, every part is what the tools in the containers wrote.
            let target = "\(base)/restored"
            let restored = try await BackupRestorer(settings: settings, store: store).restore(id: manifest.id, source: nil, to: target)
            #expect(restored.count == 4)
            let listing = try await ProcessRunner.run(["pg_restore", "--list", "\(target)/postgres-shop.pgdump"])
            #expect(listing.status == 0, "\(listing.stderr)")
            #expect(listing.stdout.contains("TABLE DATA public users"))
            let rdb = try Data(contentsOf: URL(fileURLWithPath: "\(target)/redis.rdb"))
            #expect(String(decoding: rdb.prefix(5), as: UTF8.self) == "REDIS")
            #expect(rdb.range(of: Data("hello from redis".utf8)) != nil)
            let file = "\(target)/files-cache/srv/media/hello.txt"
            #expect(try String(contentsOfFile: file, encoding: .utf8) == "hello from a volume")
            #expect(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int == 0o640)

            // Verify restores the dump into a scratch database inside the container (pg_restore fed through
            // the exec's standard input), compares row counts and runs the check, then drops it.
            settings.configuration.verifyChecks = ["SELECT count(*) = 321 FROM users"]
            let result = try await BackupVerifier(settings: settings, store: store).verify(id: manifest.id)
            #expect(result.passed, "\(result.checks)")
            #expect(result.checks.contains { $0.name == "postgres-shop: row counts of 1 tables" && $0.passed })
            #expect(try await project.psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'shipshape_verify_%'") == "0")

            // Restore into a new database of the service.
            _ = try await BackupRestorer(settings: settings, store: store)
                .restore(id: manifest.id, source: "postgres-shop", to: "\(base)/restored2", database: "shop_copy")
            #expect(try await project.psql("SELECT count(*) FROM users", database: "shop_copy") == "321")

            // A service with no running container is named in a clear error, and nothing is stored.
            var missing = settings
            missing.configuration.sources = [.redis(.init(service: "nosuch"))]
            let error = await #expect(throws: BackupError.self) { _ = try await BackupRunner(settings: missing, store: store).run() }
            #expect(error?.userMessage.contains("No running container for the compose service 'nosuch'") == true)
            #expect(try await BackupCatalog(store: store, project: project.name).entries().count == 1)
        }
    }
}
