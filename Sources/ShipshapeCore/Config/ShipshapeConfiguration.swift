import Foundation

/// The whole of `shipshape.yml`: the project, its compose files, the gateway, services and backups.
public struct ShipshapeConfiguration: Sendable {
    /// The default file name looked up next to the compose file.
    public static let defaultFileName = "shipshape.yml"

    /// The project name; names containers, backups and state.
    public var project: String
    /// Compose files merged in order, relative to the config file's directory.
    public var compose: [String]
    /// The edge gateway.
    public var gateway: GatewayConfiguration
    /// Services the gateway routes to and the deploy controller manages, by name.
    public var services: [String: ServiceConfiguration]
    /// Backups, when configured.
    public var backup: BackupConfiguration?
    /// The file this configuration was read from (for error messages and relative paths).
    public var file: String
    /// The directory relative paths in the file are resolved against.
    public var baseDirectory: String

    /// A configuration built in code (tests, the demo).
    public init(
        project: String,
        compose: [String] = [],
        gateway: GatewayConfiguration = .init(),
        services: [String: ServiceConfiguration] = [:],
        backup: BackupConfiguration? = nil,
        file: String = "<memory>",
        baseDirectory: String = FileManager.default.currentDirectoryPath
    ) {
        self.project = project
        self.compose = compose
        self.gateway = gateway
        self.services = services
        self.backup = backup
        self.file = file
        self.baseDirectory = baseDirectory
    }

    static let keys = ["project", "compose", "gateway", "services", "backup"]

    /// Loads and validates a configuration file.
    public static func load(path: String) throws(ConfigError) -> ShipshapeConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(
                file: path, line: nil, column: nil, keyPath: "",
                message: "cannot read the configuration file (\(error.localizedDescription)); "
                    + "create it or pass another with -c/--config")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(yaml: text, file: path, baseDirectory: directory)
    }

    /// Parses and validates configuration text.
    public static func parse(
        yaml: String, file: String, baseDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(ConfigError) -> ShipshapeConfiguration {
        let root = try ConfigNode.parse(yaml: yaml, file: file)
        let mapping = try root.mapping(allowedKeys: keys)
        let projectNode = try mapping.required("project")
        let project = try projectNode.string()
        guard project.range(of: "^[a-z0-9][a-z0-9_-]*$", options: .regularExpression) != nil else {
            throw projectNode.error("'\(project)' is not a valid project name; use lowercase letters, digits, - and _")
        }
        var services: [String: ServiceConfiguration] = [:]
        if let node = mapping["services"] {
            for (name, value) in try node.entries() {
                services[name] = try ServiceConfiguration(from: value, name: name)
            }
        }
        let gateway = try mapping["gateway"].map { node throws(ConfigError) in try GatewayConfiguration(from: node) }
            ?? GatewayConfiguration()
        let configuration = ShipshapeConfiguration(
            project: project,
            compose: try mapping["compose"]?.stringList() ?? ["docker-compose.yml"],
            gateway: gateway,
            services: services,
            backup: try mapping["backup"].map { node throws(ConfigError) in try BackupConfiguration(from: node) },
            file: file,
            baseDirectory: baseDirectory
        )
        try configuration.validateReferences(root: mapping)
        return configuration
    }

    /// Checks that routes and other cross-references name services that exist.
    func validateReferences(root: ConfigMapping) throws(ConfigError) {
        let routeNodes = try root["gateway"]?.mapping(allowedKeys: GatewayConfiguration.keys)["routes"]?.list() ?? []
        for (route, node) in zip(gateway.routes, routeNodes) where services[route.service] == nil {
            var message = "route to unknown service '\(route.service)'"
            if let suggestion = Suggestion.closest(to: route.service, among: Array(services.keys)) {
                message += "; did you mean '\(suggestion)'?"
            } else {
                message += "; define it under 'services:'"
            }
            throw node.error(message)
        }
    }

    /// Whether the gateway has anything to proxy: routes or services. A file with only `backup:` (a database
    /// host's backups) has neither; `shipshape run` then opens no HTTP listener and `status` checks no gateway.
    public var proxiesTraffic: Bool { !gateway.routes.isEmpty || !services.isEmpty }

    /// Resolves a path from the file against the configuration's directory.
    public func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).standardizedFileURL.path
    }
}
