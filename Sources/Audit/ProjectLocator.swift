import Compose
import Foundation
import ShipshapeCore

/// Finds the compose files to work on: `-f` when given, else the `compose:` list of `shipshape.yml`,
/// else compose's default file names in the current directory.
public enum ProjectLocator {
    /// The compose files for the given `-f` options and configuration path.
    public static func composeFiles(explicit: [String], configPath: String) throws -> [String] {
        if !explicit.isEmpty { return explicit }
        if FileManager.default.fileExists(atPath: configPath) {
            let configuration = try ShipshapeConfiguration.load(path: configPath)
            if !configuration.compose.isEmpty { return configuration.compose.map(configuration.resolve) }
        }
        return try ComposeLoader.defaultFiles(in: ".")
    }

    /// The HTTP health endpoints `shipshape.yml` declares (service → port and path), for harden's probes.
    public static func healthEndpoints(configPath: String) -> [String: HealthEndpoint] {
        guard FileManager.default.fileExists(atPath: configPath),
            let configuration = try? ShipshapeConfiguration.load(path: configPath)
        else { return [:] }
        var result: [String: HealthEndpoint] = [:]
        for (name, service) in configuration.services {
            guard service.port > 0 else { continue }
            result[name] = HealthEndpoint(port: service.port, path: service.health.path)
        }
        return result
    }
}

/// An HTTP endpoint that answers 2xx when a service is healthy.
public struct HealthEndpoint: Sendable, Hashable {
    /// The container port.
    public var port: Int
    /// The path, such as `/health`.
    public var path: String

    /// An endpoint.
    public init(port: Int, path: String) {
        self.port = port
        self.path = path
    }
}
