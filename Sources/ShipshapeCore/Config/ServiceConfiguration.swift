/// One service behind the gateway: how its targets run, how they are checked and how deploys proceed.
public struct ServiceConfiguration: Sendable {
    /// How a service's targets are run.
    public enum Runtime: String, Sendable {
        /// Containers created through the Docker Engine API from the compose service.
        case docker
        /// A command started per color (bare-metal hosts, the demo, tests without an engine).
        case process
        /// Fixed addresses; deploys only switch.
        case `static`
    }

    /// Default drain time for the old color after a switch.
    public static let defaultDrain: Duration = .seconds(30)
    /// Default bake window after a switch.
    public static let defaultBake: Duration = .seconds(10)
    /// Default 5xx ratio in the bake window that triggers a flip back.
    public static let defaultBakeErrorRate = 0.05

    /// The service's name (its key under `services:`).
    public var name: String
    /// How its targets run.
    public var runtime: Runtime
    /// The port the service listens on inside its container or process (0: chosen free per color).
    public var port: Int
    /// The image (docker) to use when no `--image` is given; defaults to the compose service's.
    public var image: String?
    /// The command template (process runtime) with `{port}` and `{version}` placeholders.
    public var command: [String]
    /// Fixed targets (static runtime).
    public var targets: [HostPort]
    /// Active health check.
    public var health: HealthCheckConfiguration
    /// Whether targets are probed before taking traffic: always for docker and process services, and for
    /// static ones that configure `health:`.
    public var healthCheckEnabled: Bool
    /// Smoke tests run against the new color before it takes traffic.
    public var smoke: [SmokeTestConfiguration]
    /// How long in-flight requests on the old color get after a switch.
    public var drain: Duration
    /// How long the new color is watched after a switch.
    public var bake: Duration
    /// The 5xx ratio within the bake window that flips traffic back.
    public var bakeErrorRate: Double
    /// Commands run inside the new color before the switch (e.g. migrations).
    public var preSwitchHook: [String]
    /// Commands run on the host after a successful deploy.
    public var postDeployHook: [String]

    /// A service with defaults.
    public init(
        name: String, runtime: Runtime = .static, port: Int = 0, image: String? = nil, command: [String] = [],
        targets: [HostPort] = [], health: HealthCheckConfiguration = .init(), smoke: [SmokeTestConfiguration] = [],
        drain: Duration = Self.defaultDrain, bake: Duration = Self.defaultBake,
        bakeErrorRate: Double = Self.defaultBakeErrorRate, preSwitchHook: [String] = [], postDeployHook: [String] = []
    ) {
        self.name = name
        self.runtime = runtime
        self.port = port
        self.image = image
        self.command = command
        self.targets = targets
        self.health = health
        self.healthCheckEnabled = runtime != .static
        self.smoke = smoke
        self.drain = drain
        self.bake = bake
        self.bakeErrorRate = bakeErrorRate
        self.preSwitchHook = preSwitchHook
        self.postDeployHook = postDeployHook
    }

    static let keys = [
        "runtime", "port", "image", "command", "targets", "health", "smoke", "drain", "bake", "hooks",
    ]

    init(from node: ConfigNode, name: String) throws(ConfigError) {
        let mapping = try node.mapping(allowedKeys: Self.keys)
        self.init(name: name)
        if let runtimeNode = mapping["runtime"] {
            let text = try runtimeNode.string()
            guard let value = Runtime(rawValue: text) else {
                throw runtimeNode.error("'\(text)' is not a runtime; use docker, process or static")
            }
            runtime = value
        } else {
            runtime = mapping.contains("targets") ? .static : mapping.contains("command") ? .process : .docker
        }
        if let portNode = mapping["port"] {
            port = try portNode.int()
            guard (0...65535).contains(port) else { throw portNode.error("a port is between 0 and 65535") }
        }
        image = try mapping["image"]?.string()
        command = try mapping["command"]?.stringList() ?? []
        if let targetsNode = mapping["targets"] {
            for element in try targetsNode.list() { targets.append(try element.hostPort()) }
        }
        switch runtime {
        case .static where targets.isEmpty:
            throw node.error("a static service needs 'targets: [host:port, ...]'")
        case .process where command.isEmpty:
            throw node.error("a process service needs 'command: [program, args...]' with {port} where it listens")
        case .docker where port == 0:
            throw node.error("a docker service needs 'port:', the port the container listens on")
        default: break
        }
        healthCheckEnabled = runtime != .static || mapping.contains("health")
        if let healthNode = mapping["health"] { health = try HealthCheckConfiguration(from: healthNode) }
        if let smokeNode = mapping["smoke"] {
            for element in try smokeNode.list() { smoke.append(try SmokeTestConfiguration(from: element)) }
        }
        drain = try mapping["drain"]?.duration() ?? drain
        if let bakeNode = mapping["bake"] {
            if case .mapping = bakeNode.node {
                let bakeMapping = try bakeNode.mapping(allowedKeys: ["window", "max_error_rate"])
                bake = try bakeMapping["window"]?.duration() ?? bake
                if let rateNode = bakeMapping["max_error_rate"] {
                    guard let value = rateNode.node.float, (0...1).contains(value) else {
                        throw rateNode.error("max_error_rate is a ratio between 0 and 1, such as 0.05")
                    }
                    bakeErrorRate = value
                }
            } else {
                bake = try bakeNode.duration()
            }
        }
        if let hooksNode = mapping["hooks"] {
            let hooks = try hooksNode.mapping(allowedKeys: ["pre_switch", "post_deploy"])
            preSwitchHook = try hooks["pre_switch"]?.stringList() ?? []
            postDeployHook = try hooks["post_deploy"]?.stringList() ?? []
        }
    }
}

/// An active HTTP health check: any 2xx is healthy.
public struct HealthCheckConfiguration: Sendable, Hashable {
    /// Default probe path.
    public static let defaultPath = "/health"
    /// Default probe interval.
    public static let defaultInterval: Duration = .seconds(2)
    /// Default probe timeout.
    public static let defaultTimeout: Duration = .seconds(1)

    /// The probed path.
    public var path: String
    /// Time between probes.
    public var interval: Duration
    /// Time a probe may take.
    public var timeout: Duration
    /// Consecutive successes that make a target healthy.
    public var healthy: Int
    /// Consecutive failures that make a target unhealthy.
    public var unhealthy: Int

    /// A health check with defaults.
    public init(
        path: String = Self.defaultPath, interval: Duration = Self.defaultInterval,
        timeout: Duration = Self.defaultTimeout, healthy: Int = 2, unhealthy: Int = 3
    ) {
        self.path = path
        self.interval = interval
        self.timeout = timeout
        self.healthy = healthy
        self.unhealthy = unhealthy
    }

    init(from node: ConfigNode) throws(ConfigError) {
        let mapping = try node.mapping(allowedKeys: ["path", "interval", "timeout", "healthy", "unhealthy"])
        self.init()
        path = try mapping["path"]?.string() ?? path
        interval = try mapping["interval"]?.positiveDuration(zero: "probe every target without pause") ?? interval
        timeout = try mapping["timeout"]?.positiveDuration(zero: "fail every probe") ?? timeout
        healthy = try mapping["healthy"]?.int() ?? healthy
        unhealthy = try mapping["unhealthy"]?.int() ?? unhealthy
        if healthy < 1 { throw try mapping.required("healthy").error("must be at least 1") }
        if unhealthy < 1 { throw try mapping.required("unhealthy").error("must be at least 1") }
    }
}

/// A declarative HTTP check sent to a new color before it takes traffic.
public struct SmokeTestConfiguration: Sendable, Hashable {
    /// The request path.
    public var path: String
    /// The expected status code.
    public var status: Int
    /// Text the body must contain, if any.
    public var contains: String?
    /// A header that must be present (`Name` or `Name: value`), if any.
    public var header: String?

    /// A smoke test.
    public init(path: String, status: Int = 200, contains: String? = nil, header: String? = nil) {
        self.path = path
        self.status = status
        self.contains = contains
        self.header = header
    }

    init(from node: ConfigNode) throws(ConfigError) {
        let mapping = try node.mapping(allowedKeys: ["path", "status", "contains", "header"])
        self.init(
            path: try mapping.required("path").string(),
            status: try mapping["status"]?.int() ?? 200,
            contains: try mapping["contains"]?.string(),
            header: try mapping["header"]?.string()
        )
    }
}
