import Compose
import DockerEngine
import Foundation

/// What a compose service definition says about the containers of its colors, resolved once per deploy:
/// the create body without the image (environment with `env_file` folded in, secrets and configs as
/// read-only binds, bind and named volumes, networks with the service name as alias, labels, limits,
/// user, command, security settings, restart policy, health check), plus the networks and named volumes
/// that must exist first. Keys with no meaning for a blue-green color are listed in `ignoredKeys`.
public struct ComposeContainerTemplate: Sendable {
    /// A network the container joins, named as compose names it.
    public struct Network: Sendable, Hashable {
        /// The engine's name: `<project>_<name>`, the top-level `name:`, or the name itself when external.
        public var name: String
        /// `internal: true`: no route outside.
        public var isInternal: Bool
        /// `external: true`: it must exist already; never created.
        public var isExternal: Bool
        /// DNS names of the container on it: the service name plus any `aliases:`.
        public var aliases: [String]
        /// Its key in the compose file (`default`, `backend`), for compose's labels.
        public var composeName: String
    }

    /// A named volume the container mounts.
    public struct Volume: Sendable, Hashable {
        /// The engine's name (`<project>_<name>` or the top-level `name:`).
        public var name: String
        /// Its key in the compose file, for compose's labels.
        public var composeName: String
    }

    /// Where compose mounts secrets, as compose does.
    public static let secretsDirectory = "/run/secrets"
    /// Compose keys that say nothing a color's container could honour, with why (logged and documented).
    public static let ignoredServiceKeys: [String: String] = [
        "ports": "two colors cannot hold the same host port; the service's `port` is published on 127.0.0.1",
        "network_mode": "the gateway reaches each color through its own published loopback port",
        "container_name": "each color is named <project>-<service>-<color>",
        "depends_on": "dependencies are already running when a new color is deployed",
        "build": "the deployed image is given with --image",
        "scale": "each color is one container",
        "profiles": "the service is deployed whatever the active profiles",
    ]

    /// The create body, with an empty image (set per deploy).
    public var spec: ContainerSpec
    /// The networks to create when missing, then attach.
    public var networks: [Network]
    /// Named volumes to create when missing (external ones are not listed).
    public var volumes: [Volume]
    /// Compose keys set on the service that are not carried, for the deploy log.
    public var ignoredKeys: [String]
    /// `stop_grace_period`: the time a retired color gets between SIGTERM and SIGKILL (nil: the runtime's).
    public var stopGracePeriod: Duration?

    /// Resolves `serviceName` of `compose` for `project`; `environment` fills `environment:` entries written
    /// without a value (`- NAME`), as compose takes them from the shell.
    public init(
        project: String, compose: ComposeProject, serviceName: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(DeployError) {
        guard let service = compose.services[serviceName] else {
            let known = compose.serviceNames.joined(separator: ", ")
            throw DeployError(
                kind: .invalidRequest,
                userMessage: """
                    The compose files (\(compose.files.joined(separator: ", "))) define no service '\(serviceName)' \
                    (known: \(known)). Add it there: the docker runtime creates each color from it.
                    """)
        }
        let resolver = ComposePathResolver(project: project, compose: compose)
        var spec = ContainerSpec(image: "")
        spec.environment = try Self.environment(service, resolver: resolver, shell: environment)
        spec.command = ComposeValues.arguments(service.command) ?? []
        spec.entrypoint = ComposeValues.arguments(service.entrypoint)
        spec.labels = service.labels
        spec.exposedPorts = service.expose.map(Self.portKey)
        spec.user = service.user
        spec.workingDirectory = service.node["working_dir"]?.string
        spec.readOnlyRootFilesystem = service.readOnly
        spec.capAdd = service.capAdd
        spec.capDrop = service.capDrop
        spec.securityOptions = service.securityOpt
        spec.restartPolicy = try ComposeValues.restartPolicy(service)
        spec.healthCheck = try ComposeValues.healthCheck(service.healthcheck, service: service.name)
        spec.resources = try Self.resources(service)
        for entry in service.tmpfs {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            spec.tmpfs[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        let mounts = try resolver.mounts(of: service)
        spec.binds = mounts.binds
        spec.mounts = mounts.mounts
        for (path, options) in mounts.tmpfs { spec.tmpfs[path] = options }
        spec.binds += try resolver.fileReferences(service.secrets, kind: .secret, service: service.name)
        spec.binds += try resolver.fileReferences(service.configs, kind: .config, service: service.name)
        let networks = resolver.networks(of: service)
        spec.networks = Dictionary(uniqueKeysWithValues: networks.map { ($0.name, $0.aliases) })
        self.spec = spec
        self.networks = networks
        self.volumes = mounts.namedVolumes
        self.ignoredKeys = Self.ignoredServiceKeys.keys.filter { service.node[$0] != nil }.sorted()
        self.stopGracePeriod = try ComposeValues.duration(
            service.node["stop_grace_period"]?.string, key: "stop_grace_period", service: service.name)
    }

    /// The spec for one color: `image`, the template's settings, Shipshape's labels over the service's,
    /// and `port` published on a free loopback port.
    public func spec(image: String, labels: [String: String], port: Int) -> ContainerSpec {
        var result = spec
        result.image = image
        result.labels.merge(labels) { _, shipshape in shipshape }
        let key = Self.portKey(String(port))
        if !result.exposedPorts.contains(key) { result.exposedPorts.append(key) }
        result.portBindings = [.init(containerPort: port, hostIP: "127.0.0.1", hostPort: 0)]
        return result
    }

    // MARK: - Pieces

    /// `8000` as the engine writes ports, `8000/tcp`; `53/udp` stays.
    static func portKey(_ text: String) -> String { text.contains("/") ? text : "\(text)/tcp" }

    /// `env_file:` entries first (in order), then `environment:` over them, as compose merges them.
    static func environment(
        _ service: ComposeService, resolver: ComposePathResolver, shell: [String: String]
    ) throws(DeployError) -> [String] {
        var names: [String] = []
        var values: [String: String] = [:]
        func set(_ name: String, _ value: String) {
            if values[name] == nil { names.append(name) }
            values[name] = value
        }
        // The long syntax's `required: false` makes a missing file no error, as in compose.
        let optional = Set(
            (service.node["env_file"]?.sequence ?? []).filter { $0["required"]?.bool == false }
                .compactMap { $0["path"]?.string })
        for file in service.envFiles {
            let path = resolver.hostPath(file)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                if optional.contains(file) { continue }
                throw DeployError(
                    kind: .invalidRequest,
                    userMessage: """
                        The env_file \(path) of compose service '\(service.name)' cannot be read. Create it (or \
                        remove it from env_file), then deploy again.
                        """)
            }
            // Written order, so a later line of a later file wins, as in compose.
            for line in text.split(whereSeparator: \.isNewline) {
                for (name, value) in DotEnv.parse(String(line)) { set(name, value) }
            }
        }
        for variable in service.environment {
            if let value = variable.value ?? shell[variable.name] { set(variable.name, value) }
        }
        return names.compactMap { name in values[name].map { "\(name)=\($0)" } }
    }

    static func resources(_ service: ComposeService) throws(DeployError) -> ContainerSpec.Resources {
        let limits = service.resources
        let name = service.name
        var resources = ContainerSpec.Resources()
        resources.memoryLimit = try ComposeValues.bytes(limits.memoryLimit, key: "memory limit", service: name)
        resources.memoryReservation = try ComposeValues.bytes(
            limits.memoryReservation, key: "memory reservation", service: name)
        resources.cpuLimit = try ComposeValues.cpus(limits.cpuLimit, key: "cpus limit", service: name)
        resources.cpuShares = try ComposeValues.cpus(limits.cpuReservation, key: "cpus reservation", service: name)
            .map { Int($0 * ComposeValues.sharesPerCPU) }
        resources.pidsLimit = limits.pidsLimit
        return resources
    }
}
