import DockerEngine
import Foundation
import Logging
import ShipshapeCore

/// The `docker` runtime as the controller sees it: one container per color named
/// `<project>-<service>-<color>`, created from the compose service definition (`template`) with the image
/// replaced and the service's `port` published on 127.0.0.1 (a free host port) so the gateway on the host
/// reaches it. The old color is stopped, not removed, so a rollback only starts it again. Hooks run inside
/// the new container through the engine's exec endpoint.
public struct DockerColorRuntime: ColorRuntime {
    /// Time a container gets between SIGTERM and SIGKILL when stopped.
    public static let defaultStopTimeout: Duration = .seconds(10)
    /// Lines of container output quoted in a failure.
    public static let logLines = 50
    /// The label marking containers Shipshape manages.
    public static let managedLabel = "dev.shipshape.managed"

    let client: DockerClient
    let project: String
    /// The port the service listens on inside its container.
    let containerPort: Int
    let records: ColorRecordStore
    /// The compose service's settings; nil creates containers from the image alone.
    let template: ComposeContainerTemplate?
    /// The most time a hook may run inside the container.
    let hookTimeout: Duration
    let logger: Logger

    /// A runtime creating containers through `client` (the caller shuts it down), from `template` when
    /// given (see `ComposeContainerTemplate`).
    public init(
        client: DockerClient, project: String, containerPort: Int, records: ColorRecordStore,
        template: ComposeContainerTemplate? = nil, hookTimeout: Duration = DeployHook.defaultTimeout,
        logger: Logger = Logger(label: "shipshape.deploy")
    ) {
        self.hookTimeout = hookTimeout
        self.client = client
        self.project = project
        self.containerPort = containerPort
        self.records = records
        self.template = template
        self.logger = logger
    }

    /// `<project>-<service>-<color>`.
    public func containerName(service: String, color: DeployColor) -> String { "\(project)-\(service)-\(color)" }

    public func start(service: String, color: DeployColor, version: String) async throws(DeployError) -> ColorRecord {
        await remove(service: service, color: color)
        let name = containerName(service: service, color: color)
        let labels = [
            Self.managedLabel: "true", "dev.shipshape.project": project, "dev.shipshape.service": service,
            "dev.shipshape.color": color.rawValue,
        ]
        let spec =
            template?.spec(image: version, labels: labels, port: containerPort)
            ?? ContainerSpec(
                image: version, labels: labels, exposedPorts: ["\(containerPort)/tcp"],
                portBindings: [.init(containerPort: containerPort, hostIP: "127.0.0.1", hostPort: 0)])
        var created = false
        do {
            try await prepareResources()
            let id = try await client.createContainer(spec, name: name)
            created = true
            try await client.startContainer(id)
            let record = try await recordOf(id: id, name: name, service: service, color: color, version: version)
            try records.save(record)
            logger.info(
                "started container",
                metadata: [
                    "service": "\(service)", "color": "\(color)", "image": "\(version)", "target": "\(record.target)",
                ])
            return record
        } catch {
            // A container created but refused at start (a missing entrypoint, a port taken) is not left behind.
            // The removal gets a task of its own: in a cancelled one (SIGINT) the engine request fails at once.
            if created { await Task { await remove(service: service, color: color) }.value }
            if let error = error as? DockerEngineError { throw failure("start \(name) from \(version)", error) }
            throw (error as? DeployError) ?? DeployError(kind: .containerFailed, userMessage: "\(error)")
        }
    }

    public func remove(service: String, color: DeployColor) async {
        let name = containerName(service: service, color: color)
        // `volumes` removes only the container's anonymous volumes, which no other color uses; named ones stay.
        try? await client.removeContainer(name, force: true, volumes: true)
        records.remove(service: service, color: color)
    }

    public func stop(service: String, color: DeployColor) async {
        let name = containerName(service: service, color: color)
        let grace = template?.stopGracePeriod ?? Self.defaultStopTimeout
        do { try await client.stopContainer(name, timeout: grace) } catch {
            logger.warning(
                "cannot stop container", metadata: ["container": "\(name)", "error": "\(error.userMessage)"])
        }
    }

    public func isRunning(service: String, color: DeployColor) async -> Bool {
        (try? await client.inspectContainer(containerName(service: service, color: color)))?.state.running ?? false
    }

    public func restart(service: String, color: DeployColor) async throws(DeployError) -> ColorRecord {
        let name = containerName(service: service, color: color)
        do {
            var details = try await client.inspectContainer(name)
            if !details.state.running {
                try await client.startContainer(name)
                details = try await client.inspectContainer(name)
            }
            let record = try await recordOf(
                id: details.id, name: name, service: service, color: color,
                version: records.load(service: service, color: color)?.version ?? details.image)
            try records.save(record)
            return record
        } catch let error as DockerEngineError {
            if error.kind == .notFound {
                throw DeployError(
                    kind: .nothingToRollBack,
                    userMessage: "There is no container \(name) to roll back to. Deploy an image instead.")
            }
            throw failure("restart \(name)", error)
        } catch {
            throw (error as? DeployError) ?? DeployError(kind: .containerFailed, userMessage: "\(error)")
        }
    }

    public func recentLog(service: String, color: DeployColor) async -> [String] {
        let name = containerName(service: service, color: color)
        return ((try? await client.containerLogs(name, tail: Self.logLines)) ?? []).map(\.text)
    }

    // MARK: - Helpers

    /// Creates the template's networks and named volumes that do not exist yet, with the labels compose
    /// gives its own, so a later `docker compose up` of the project adopts them instead of refusing them.
    func prepareResources() async throws(DockerEngineError) {
        guard let template else { return }
        for network in template.networks where !network.isExternal {
            do { _ = try await client.inspectNetwork(network.name) } catch where error.kind == .notFound {
                let labels = [
                    "com.docker.compose.project": project, "com.docker.compose.network": network.composeName,
                ]
                _ = try await client.createNetwork(network.name, internal: network.isInternal, labels: labels)
                logger.info("created network", metadata: ["network": "\(network.name)"])
            }
        }
        for volume in template.volumes {
            let labels = ["com.docker.compose.project": project, "com.docker.compose.volume": volume.composeName]
            _ = try await client.createVolume(volume.name, labels: labels)
        }
    }

    func recordOf(id: String, name: String, service: String, color: DeployColor, version: String)
        async throws -> ColorRecord
    {
        let details = try await client.inspectContainer(id)
        guard let hostPort = details.hostPort(for: containerPort) else {
            throw DeployError(
                kind: .containerFailed,
                userMessage: "Container \(name) has no host port published for \(containerPort)/tcp.")
        }
        return ColorRecord(
            service: service, color: color, version: version, target: "127.0.0.1:\(hostPort)", container: name)
    }

    func failure(_ what: String, _ error: DockerEngineError) -> DeployError {
        DeployError(kind: .containerFailed, userMessage: "Cannot \(what): \(error.userMessage)")
    }
}
