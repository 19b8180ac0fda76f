import DockerEngine
import Testing

@Suite("Networks on a real engine (Podman)", .serialized, .timeLimit(.minutes(3)))
struct NetworkTests {
    @Test("creates an internal network, attaches containers with aliases and reaches one by alias")
    func internalNetworkWithAliases() async throws {
        try await EngineFixture.with { client in
            let network = EngineFixture.uniqueName("backend")
            let networkID = try await client.createNetwork(
                network, internal: true, labels: ["shipshape.project": "test"])
            var containers: [String] = []
            do {
                let details = try await client.inspectNetwork(network)
                #expect(details.id == networkID)
                #expect(details.isInternal)
                #expect(details.labels["shipshape.project"] == "test")

                // The server joins at create time; the client joins afterwards through connect.
                let server = try await client.createContainer(
                    ContainerSpec(image: EngineFixture.image, networks: [network: ["api"]]),
                    name: EngineFixture.uniqueName("server"))
                containers.append(server)
                let probe = try await client.createContainer(
                    ContainerSpec(image: EngineFixture.image, command: ["sleep", "600"]),
                    name: EngineFixture.uniqueName("probe"))
                containers.append(probe)
                try await client.connectNetwork(network, container: probe, aliases: ["probe"])
                try await client.startContainer(server)
                try await client.startContainer(probe)

                let serverDetails = try await client.inspectContainer(server)
                #expect(serverDetails.ipAddress(on: network) != nil)
                #expect(try await client.inspectContainer(probe).networks.keys.contains(network))
                #expect(try await client.inspectNetwork(network).containerIDs.contains(server))

                // By its alias, through the engine's DNS, retrying while httpd starts.
                let request = "printf 'GET /health HTTP/1.0\\r\\n\\r\\n' | busybox nc api 80"
                let fetched = try await client.execCollecting(
                    probe,
                    ExecSpec(command: [
                        "sh", "-c", "for i in $(busybox seq 50); do \(request) && exit 0; sleep 0.1; done; exit 1",
                    ]))
                #expect(fetched.exitCode == 0)
                #expect(fetched.stdout.hasPrefix("HTTP/1.1 200 OK"))
                #expect(fetched.stdout.hasSuffix("\r\n\r\nok\n"))

                for id in containers { try await client.removeContainer(id, force: true) }
                try await client.removeNetwork(network)
                await #expect(throws: DockerEngineError.self) { try await client.inspectNetwork(network) }
            } catch {
                for id in containers { await client.removeQuietly(id) }
                try? await client.removeNetwork(network)
                throw error
            }
        }
    }
}
