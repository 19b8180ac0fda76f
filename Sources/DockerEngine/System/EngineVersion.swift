/// What `GET /version` reports about the engine.
public struct EngineVersion: Sendable, Decodable, Hashable {
    /// The engine's product version (`24.0.7`, or Podman's `4.3.1`).
    public let version: String
    /// The newest API version the engine speaks.
    public let apiVersion: String
    /// The oldest API version the engine accepts, when reported.
    public let minAPIVersion: String?
    /// The engine's operating system (`linux`).
    public let os: String?
    /// The engine's CPU architecture (`amd64`).
    public let arch: String?
    /// The names of the engine's components (Podman reports `Podman Engine`).
    public let components: [String]

    enum CodingKeys: String, CodingKey {
        case version = "Version"
        case apiVersion = "ApiVersion"
        case minAPIVersion = "MinAPIVersion"
        case os = "Os"
        case arch = "Arch"
        case components = "Components"
    }

    struct Component: Decodable {
        let name: String
        enum CodingKeys: String, CodingKey { case name = "Name" }
    }

    /// Decodes the engine's JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(String.self, forKey: .version)
        apiVersion = try container.decode(String.self, forKey: .apiVersion)
        minAPIVersion = try container.decodeIfPresent(String.self, forKey: .minAPIVersion)
        os = try container.decodeIfPresent(String.self, forKey: .os)
        arch = try container.decodeIfPresent(String.self, forKey: .arch)
        components = try container.decodeIfPresent([Component].self, forKey: .components)?.map(\.name) ?? []
    }
}

/// The parts of `GET /info` Shipshape reports in `status`.
public struct EngineInfo: Sendable, Decodable, Hashable {
    /// The engine host's name.
    public let name: String?
    /// The storage driver (`overlay2`, `vfs`).
    public let driver: String?
    /// Containers known to the engine.
    public let containers: Int
    /// Containers running now.
    public let containersRunning: Int
    /// Images stored locally.
    public let images: Int
    /// The engine's product version.
    public let serverVersion: String?

    enum CodingKeys: String, CodingKey {
        case name = "Name"
        case driver = "Driver"
        case containers = "Containers"
        case containersRunning = "ContainersRunning"
        case images = "Images"
        case serverVersion = "ServerVersion"
    }
}
