import DockerEngine
import Foundation
import TestSupport

/// A Podman service started for one test, with a client connected to it and a locally built image.
struct EngineFixture {
    /// The image every engine test uses: busybox httpd serving /www (`/` says `hello`, `/health` says `ok`).
    static let image = "shipshape-engine-test:1"

    let server: ExternalServer
    let client: DockerClient

    /// A name no other test (or earlier run) uses.
    static func uniqueName(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    /// Starts Podman's service, builds the test image and connects; `body` runs with the client, then the
    /// service is stopped whatever happened.
    static func with<T>(_ body: (DockerClient) async throws -> T) async throws -> T {
        guard ProcessRunner.isInstalled("podman") else {
            throw TestSupportError(message: "podman is not installed: run scripts/install-docker-deps.sh")
        }
        _ = try await ProcessRunner.script("podman-engine.sh", "image", image, "hello")
        let server = try await ExternalServer.podman()
        do {
            let client = try await DockerClient.connect(.init(host: .unix(path: server.location)))
            do {
                let result = try await body(client)
                await client.shutdown()
                server.stop()
                return result
            } catch {
                await client.shutdown()
                throw error
            }
        } catch {
            server.stop()
            throw error
        }
    }
}

extension DockerClient {
    /// Removes a test container whatever its state, ignoring a container that is already gone. Cleanup, not
    /// an assertion: a loaded Podman sometimes answers 500 "given PIDs did not die within timeout" to a forced
    /// removal while an abandoned exec is still being killed, so it is tried a few times.
    func removeQuietly(_ id: String) async {
        for attempt in 1...3 {
            do {
                try await removeContainer(id, force: true, volumes: true)
                return
            } catch {
                if attempt < 3 { try? await Task.sleep(for: .seconds(2)) }
            }
        }
    }
}
