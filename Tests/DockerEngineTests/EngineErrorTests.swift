import DockerEngine
import TestSupport
import Testing

@Suite("Engine errors", .serialized, .timeLimit(.minutes(3)))
struct EngineErrorTests {
    @Test("says how to start an engine or set DOCKER_HOST when the socket is missing")
    func unreachable() async throws {
        let directory = try TemporaryDirectory(prefix: "no-engine")
        defer { directory.remove() }
        let error = await #expect(throws: DockerEngineError.self) {
            _ = try await DockerClient.connect(.init(host: .unix(path: "\(directory.path)/docker.sock")))
        }
        #expect(error?.kind == .unreachable)
        #expect(error?.userMessage.contains("DOCKER_HOST") == true)
        #expect(error?.userMessage.contains("\(directory.path)/docker.sock") == true)
    }

    @Test("a refused TCP engine address: the system's reason, not NIO's description of the call")
    func refusedAddress() async throws {
        let port = try ProcessRunner.freePort()
        let error = await #expect(throws: DockerEngineError.self) {
            _ = try await DockerClient.connect(.init(host: .tcp(host: "127.0.0.1", port: port)))
        }
        #expect(error?.kind == .unreachable)
        #expect(error?.userMessage.contains("Cannot reach the Docker Engine at tcp://127.0.0.1:\(port) (Connection refused).") == true,
            "\(error?.userMessage ?? "")")
    }

    @Test("reports a missing image as not found, naming the image")
    func missingImage() async throws {
        try await EngineFixture.with { client in
            let error = await #expect(throws: DockerEngineError.self) {
                _ = try await client.createContainer(
                    ContainerSpec(image: "shipshape-missing:never"), name: EngineFixture.uniqueName("missing"))
            }
            #expect(error?.kind == .notFound)
            #expect(error?.status == 404)
            #expect(error?.userMessage.contains("shipshape-missing:never") == true)
            let inspect = await #expect(throws: DockerEngineError.self) {
                try await client.inspectContainer("no-such-container")
            }
            #expect(inspect?.kind == .notFound)
        }
    }

    @Test("reports a container name already in use as a conflict")
    func nameConflict() async throws {
        try await EngineFixture.with { client in
            let name = EngineFixture.uniqueName("taken")
            let id = try await client.createContainer(ContainerSpec(image: EngineFixture.image), name: name)
            do {
                let error = await #expect(throws: DockerEngineError.self) {
                    _ = try await client.createContainer(ContainerSpec(image: EngineFixture.image), name: name)
                }
                #expect(error?.kind == .conflict)
                #expect(error?.status == 409)
                #expect(error?.userMessage.contains(name) == true)
                try await client.removeContainer(id, force: true)
            } catch {
                await client.removeQuietly(id)
                throw error
            }
        }
    }
}
