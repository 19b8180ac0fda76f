import DockerEngine
import Foundation

/// Connects to the Docker Engine on first use (only configurations with `service:` sources need one) and
/// hands out exec runners for the services' running containers.
actor ServiceRunners {
    private let project: String
    private let environment: [String: String]
    private var client: DockerClient?

    /// Runners for `project`'s services on the engine `environment`'s `DOCKER_HOST` names.
    init(project: String, environment: [String: String]) {
        self.project = project
        self.environment = environment
    }

    /// A runner executing inside `service`'s running container.
    func runner(for service: String) async throws -> ContainerExecRunner {
        let client = try await connected()
        let container = try await ServiceContainerLocator(client: client, project: project).container(for: service)
        return ContainerExecRunner(client: client, container: container, service: service)
    }

    private func connected() async throws -> DockerClient {
        if let client { return client }
        do {
            let connected = try await DockerClient.connect(try .fromEnvironment(environment))
            client = connected
            return connected
        } catch {
            throw BackupError(
                .command, "Cannot reach the Docker Engine for `service:` sources: \(error.userMessage)",
                hint: "Set DOCKER_HOST (default unix:///var/run/docker.sock), or use host:/port: sources.")
        }
    }

    /// Closes the engine connection, if one was made.
    func shutdown() async {
        await client?.shutdown()
        client = nil
    }
}
