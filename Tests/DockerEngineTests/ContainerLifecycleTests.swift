import DockerEngine
import Foundation
import TestSupport
import Testing

@Suite("Containers on a real engine (Podman)", .serialized, .timeLimit(.minutes(3)))
struct ContainerLifecycleTests {
    @Test("negotiates the API version with the engine and answers ping, version and info")
    func connects() async throws {
        try await EngineFixture.with { client in
            try await client.ping()
            #expect(client.apiVersion <= .clientMaximum)
            #expect(
                client.apiVersion
                    == DockerAPIVersion.negotiated(server: try #require(DockerAPIVersion(client.version.apiVersion))))
            let info = try await client.info()
            #expect(info.images >= 1)
            #expect(try await client.imageExists(EngineFixture.image))
            #expect(try await !client.imageExists("shipshape-missing:never"))
            let images = try await client.listImages()
            #expect(images.contains { $0.repoTags.contains { $0.hasSuffix(EngineFixture.image) } })
        }
    }

    @Test("creates, starts, serves, inspects, stops and removes a container from a local image")
    func lifecycle() async throws {
        try await EngineFixture.with { client in
            let name = EngineFixture.uniqueName("lifecycle")
            let port = try ProcessRunner.freePort()
            let volume = EngineFixture.uniqueName("data")
            _ = try await client.createVolume(volume, labels: ["shipshape.test": "1"])
            let spec = ContainerSpec(
                image: EngineFixture.image, environment: ["GREETING=hi"],
                labels: ["shipshape.project": "test", "shipshape.color": "blue"],
                portBindings: [.init(containerPort: 80, hostIP: "127.0.0.1", hostPort: port)],
                mounts: [
                    .init(kind: .volume, source: volume, target: "/data"),
                    .init(kind: .tmpfs, source: "", target: "/scratch"),
                ],
                resources: .init(memoryLimit: 64 * 1024 * 1024, pidsLimit: 64), restartPolicy: .no,
                securityOptions: ["no-new-privileges"], capDrop: ["NET_RAW"])
            let id = try await client.createContainer(spec, name: name)
            do {
                let created = try await client.inspectContainer(name)
                #expect(created.id == id)
                #expect(created.state.status == "created")
                #expect(created.labels["shipshape.color"] == "blue")

                try await client.startContainer(id)
                let running = try await client.inspectContainer(id)
                #expect(running.state.running)
                #expect(running.name == name)
                #expect(running.hostPort(for: 80) == port)

                let body = try await ProcessRunner.run([
                    "curl", "-sf", "--retry", "20", "--retry-connrefused", "--retry-delay", "1",
                    "http://127.0.0.1:\(port)/health",
                ])
                #expect(body.stdout == "ok\n")

                let listed = try await client.listContainers(labels: ["shipshape.project=test", "shipshape.color=blue"])
                #expect(listed.contains { $0.id == id })
                #expect(try await client.listContainers(labels: ["shipshape.color=green-\(name)"]).isEmpty)

                let env = try await client.execCollecting(
                    id, ExecSpec(command: ["sh", "-c", "echo $GREETING; ls -d /data /scratch"]))
                #expect(env.exitCode == 0)
                #expect(env.stdout == "hi\n/data\n/scratch\n")

                try await client.stopContainer(id, timeout: .seconds(1))
                let stopped = try await client.inspectContainer(id)
                #expect(!stopped.state.running)
                #expect(stopped.state.status == "exited")
                try await client.removeContainer(id, volumes: true)
                await #expect(throws: DockerEngineError.self) { try await client.inspectContainer(id) }
                let data = try await client.inspectVolume(volume)
                #expect(data.labels["shipshape.test"] == "1")
                try await client.removeVolume(volume)
            } catch {
                await client.removeQuietly(id)
                try? await client.removeVolume(volume, force: true)
                throw error
            }
        }
    }

    @Test("returns the last lines of a container's log, stdout and stderr, and its exit code")
    func logsAndWait() async throws {
        try await EngineFixture.with { client in
            let script = "i=0; while [ $i -lt 20 ]; do i=$((i+1)); echo line$i; done; echo oops >&2; exit 7"
            let id = try await client.createContainer(
                ContainerSpec(image: EngineFixture.image, command: ["sh", "-c", script]),
                name: EngineFixture.uniqueName("logs"))
            do {
                try await client.startContainer(id)
                #expect(try await client.waitContainer(id, timeout: .seconds(30)) == 7)
                let details = try await client.inspectContainer(id)
                #expect(details.state.exitCode == 7)
                let lines = try await client.containerLogs(id, tail: 3)
                #expect(lines.map(\.text) == ["line19", "line20", "oops"])
                #expect(lines.map(\.stream) == [.stdout, .stdout, .stderr])
                try await client.removeContainer(id)
            } catch {
                await client.removeQuietly(id)
                throw error
            }
        }
    }

    @Test("kills a running container")
    func kill() async throws {
        try await EngineFixture.with { client in
            let id = try await client.createContainer(
                ContainerSpec(image: EngineFixture.image, command: ["sleep", "600"]),
                name: EngineFixture.uniqueName("kill"))
            do {
                try await client.startContainer(id)
                try await client.killContainer(id)
                #expect(try await client.waitContainer(id, timeout: .seconds(30)) != 0)
                #expect(try await !client.inspectContainer(id).state.running)
                try await client.removeContainer(id)
            } catch {
                await client.removeQuietly(id)
                throw error
            }
        }
    }
}
