import ShipshapeCore

/// Everything a deploy or rollback of one service needs to know besides the runtime: the service's
/// configuration, where state lives, and how to reach the gateway.
public struct DeploySettings: Sendable {
    /// Default name of the state directory, next to `shipshape.yml`.
    public static let defaultStateDirectoryName = ".shipshape"
    /// Default longest wait for the gateway to report the new color healthy.
    public static let defaultHealthGateTimeout: Duration = .seconds(60)
    /// How often the gateway is asked about the new color's health.
    public static let healthPollInterval: Duration = .milliseconds(50)

    /// The project (names the lock and containers).
    public var project: String
    /// The service deployed.
    public var service: ServiceConfiguration
    /// The state directory: history, lock, per-color records, process logs.
    public var stateDirectory: String
    /// The gateway's admin socket.
    public var adminSocket: String
    /// The gateway's metrics listener (the bake window reads it); nil skips the bake window.
    public var metrics: HostPort?
    /// The route prefixes (`gateway.routes[].match`) that lead to this service: the bake window counts only
    /// requests on these, since the metrics count every service's requests on a color. nil counts every route
    /// (a gateway in front of this one service only).
    public var routes: [String]?
    /// Those of `routes` that also lead to another service (host routes sharing a prefix): the metrics cannot
    /// tell their requests apart, so the bake window counts them too and says so in the log.
    public var sharedRoutes: [String]
    /// Where the project's deploy lock lives: the default state directory next to `shipshape.yml` even when
    /// `--state-dir` moves the rest, so a deploy with another state directory still waits for this one (they
    /// share the containers' names and the gateway).
    public var lockDirectory: String
    /// The longest wait for the gateway to report the new color healthy.
    public var healthGateTimeout: Duration
    /// Keep the old color running after the drain, registered as a healthy standby that takes no traffic,
    /// so a rollback is a plain switch; false stops it (a rollback then starts it again first).
    public var keepStandby: Bool

    /// Settings with defaults.
    public init(
        project: String, service: ServiceConfiguration, stateDirectory: String, adminSocket: String,
        metrics: HostPort? = nil, routes: [String]? = nil, sharedRoutes: [String] = [],
        healthGateTimeout: Duration = Self.defaultHealthGateTimeout, keepStandby: Bool = false,
        lockDirectory: String? = nil
    ) {
        self.project = project
        self.service = service
        self.stateDirectory = stateDirectory
        self.lockDirectory = lockDirectory ?? stateDirectory
        self.adminSocket = adminSocket
        self.metrics = metrics
        self.routes = routes
        self.sharedRoutes = sharedRoutes
        self.healthGateTimeout = healthGateTimeout
        self.keepStandby = keepStandby
    }

    /// The settings for `service` of a loaded configuration: state in `.shipshape/` next to the file, the
    /// admin socket and metrics from `gateway.admin`, the service's routes from `gateway.routes`.
    public init(
        configuration: ShipshapeConfiguration, service: ServiceConfiguration, stateDirectory: String? = nil,
        keepStandby: Bool = false
    ) {
        self.init(
            project: configuration.project, service: service,
            stateDirectory: stateDirectory.map(configuration.resolve)
                ?? configuration.resolve(Self.defaultStateDirectoryName),
            adminSocket: configuration.resolve(configuration.gateway.admin.socket),
            metrics: configuration.gateway.admin.metrics,
            routes: Self.routes(of: service.name, in: configuration.gateway.routes).own,
            sharedRoutes: Self.routes(of: service.name, in: configuration.gateway.routes).shared,
            keepStandby: keepStandby, lockDirectory: configuration.resolve(Self.defaultStateDirectoryName))
    }

    /// The route prefixes leading to `service`, and those of them that also lead to another service.
    public static func routes(of service: String, in routes: [RouteConfiguration]) -> (own: [String], shared: [String]) {
        let own = Set(routes.filter { $0.service == service }.map(\.match))
        let others = Set(routes.filter { $0.service != service }.map(\.match))
        return (own.sorted(), own.intersection(others).sorted())
    }

    /// The deploy history file.
    public var historyPath: String { "\(stateDirectory)/\(DeployHistory.defaultFileName)" }
    /// The deploy lock file.
    public var lockPath: String { "\(lockDirectory)/\(DeployLock.fileName(project: project))" }
}
