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

    /// Parses and validates configuration text; the first problem is the error.
    public static func parse(
        yaml: String, file: String, baseDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(ConfigError) -> ShipshapeConfiguration {
        switch parseReportingAll(yaml: yaml, file: file, baseDirectory: baseDirectory) {
        case .success(let configuration): return configuration
        case .failure(let problems): throw problems.errors[0]
        }
    }

    /// Every problem found in a configuration file, in the order of the file.
    public struct Problems: Error {
        public let errors: [ConfigError]
    }

    /// Loads a configuration file, reporting every problem it can find rather than the first (`config check`).
    public static func loadReportingAll(path: String) -> Result<ShipshapeConfiguration, Problems> {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            return .failure(Problems(errors: [ConfigError(
                file: path, line: nil, column: nil, keyPath: "",
                message: "cannot read the configuration file (\(error.localizedDescription)); create it or pass another with -c/--config")]))
        }
        return parseReportingAll(yaml: text, file: path, baseDirectory: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    /// Parses and validates configuration text, reading on past problems: every unknown key is reported, and
    /// each section (the project name, `compose`, each service, `gateway`, `backup`) is read on its own, so a
    /// mistake in one does not hide those in the next. Within a section, reading stops at its first bad value.
    public static func parseReportingAll(
        yaml: String, file: String, baseDirectory: String = FileManager.default.currentDirectoryPath
    ) -> Result<ShipshapeConfiguration, Problems> {
        let root: ConfigNode
        do { root = try ConfigNode.parse(yaml: yaml, file: file) } catch { return .failure(Problems(errors: [error])) }
        let diagnostics = ConfigDiagnostics()
        var errors: [ConfigError] = []
        func section<T>(_ read: () throws(ConfigError) -> T) -> T? {
            do { return try read() } catch {
                errors.append(error)
                return nil
            }
        }
        let configuration: ShipshapeConfiguration? = ConfigDiagnostics.$current.withValue(diagnostics) {
            guard let mapping = section({ () throws(ConfigError) in try root.mapping(allowedKeys: keys) }) else { return nil }
            let project = section { () throws(ConfigError) -> String in
                let node = try mapping.required("project")
                let project = try node.string()
                guard project.range(of: "^[a-z0-9][a-z0-9_-]*$", options: .regularExpression) != nil else {
                    throw node.error("'\(project)' is not a valid project name; use lowercase letters, digits, - and _")
                }
                return project
            }
            var services: [String: ServiceConfiguration] = [:]
            if let node = mapping["services"], let entries = section({ () throws(ConfigError) in try node.entries() }) {
                for (name, value) in entries {
                    services[name] = section { () throws(ConfigError) in try ServiceConfiguration(from: value, name: name) }
                }
            }
            let gateway = section { () throws(ConfigError) in
                try mapping["gateway"].map { node throws(ConfigError) in try GatewayConfiguration(from: node) } ?? GatewayConfiguration()
            }
            let compose = section { () throws(ConfigError) in try mapping["compose"]?.stringList() ?? ["docker-compose.yml"] }
            let backup = section { () throws(ConfigError) in
                try mapping["backup"].map { node throws(ConfigError) in try BackupConfiguration(from: node) }
            }
            // Without a readable backup section the routes can still be checked (the result is a failure anyway).
            guard let project, let gateway, let compose else { return nil }
            let configuration = ShipshapeConfiguration(
                project: project, compose: compose, gateway: gateway, services: services, backup: backup ?? nil,
                file: file, baseDirectory: baseDirectory)
            // A route to a service that failed to read is not reported again as a route to an unknown one.
            let unread = Set((try? mapping["services"]?.entries().map(\.key)) ?? []).subtracting(services.keys)
            _ = section { () throws(ConfigError) in try configuration.validateReferences(root: mapping, ignoring: unread) }
            return configuration
        }
        errors += diagnostics.errors
        guard let configuration, errors.isEmpty else {
            // Nodes read twice (the routes, by the reference check) report their unknown keys twice.
            var unique: [ConfigError] = []
            for error in errors where !unique.contains(error) { unique.append(error) }
            unique.sort { ($0.line ?? 0, $0.column ?? 0) < ($1.line ?? 0, $1.column ?? 0) }
            return .failure(Problems(errors: unique))
        }
        return .success(configuration)
    }

    /// Checks that routes and other cross-references name services that exist.
    func validateReferences(root: ConfigMapping, ignoring unread: Set<String> = []) throws(ConfigError) {
        let routeNodes = try root["gateway"]?.mapping(allowedKeys: GatewayConfiguration.keys)["routes"]?.list() ?? []
        // Read from each route's node: a route that failed to read (for `config check`) is not in `gateway.routes`.
        for node in routeNodes {
            guard let service = try? node.mapping(allowedKeys: ["match", "host", "service"])["service"]?.string(),
                services[service] == nil, !unread.contains(service)
            else { continue }
            var message = "route to unknown service '\(service)'"
            if let suggestion = Suggestion.closest(to: service, among: Array(services.keys) + unread) {
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
