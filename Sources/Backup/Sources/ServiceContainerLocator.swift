import DockerEngine
import Foundation

/// Finds the running container of a compose service.
///
/// The rule, in order: a running container labelled `com.docker.compose.project=<project>` and
/// `com.docker.compose.service=<service>` (what `docker compose up` sets; with replicas, the first listed);
/// else a running container Shipshape's deploy runtime started (labels `dev.shipshape.project` and
/// `dev.shipshape.service`, named `<project>-<service>-<color>`): during a deploy both colors run the same
/// image and data, so either serves a dump.
public struct ServiceContainerLocator: Sendable {
    let client: DockerClient
    let project: String

    /// A locator for `project`'s services on `client`'s engine.
    public init(client: DockerClient, project: String) {
        self.client = client
        self.project = project
    }

    /// The running container's id.
    public func container(for service: String) async throws -> String {
        let labelSets = [
            ["com.docker.compose.project=\(project)", "com.docker.compose.service=\(service)"],
            ["dev.shipshape.project=\(project)", "dev.shipshape.service=\(service)"],
        ]
        do {
            for labels in labelSets {
                let running = try await client.listContainers(labels: labels, all: false).filter { $0.state == "running" }
                if let first = running.first { return first.id }
            }
        } catch {
            throw BackupError(
                .command, "Cannot list the containers of project '\(project)': \(error.userMessage)",
                hint: "Set DOCKER_HOST to the engine running the compose project (default unix:///var/run/docker.sock).")
        }
        throw BackupError(
            .configuration, "No running container for the compose service '\(service)' of project '\(project)'",
            hint: "Start it (`docker compose up -d \(service)`), or check the service and project names in shipshape.yml.")
    }
}
