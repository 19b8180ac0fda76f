/// What `GET /images/{name}/json` reports.
public struct ImageDetails: Sendable, Decodable, Hashable {
    /// The image ID (`sha256:...`).
    public let id: String
    /// Its tags (`shop/api:1.2`).
    public let repoTags: [String]
    /// Its size in bytes.
    public let size: Int64
    /// When it was built (RFC 3339).
    public let created: String?
    /// The ports its config exposes (`80/tcp`).
    public let exposedPorts: [String]
    /// Its default command.
    public let command: [String]

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case repoTags = "RepoTags"
        case size = "Size"
        case created = "Created"
        case config = "Config"
    }

    struct Config: Decodable {
        let exposedPorts: [String: EmptyObject]?
        let cmd: [String]?
        enum CodingKeys: String, CodingKey {
            case exposedPorts = "ExposedPorts"
            case cmd = "Cmd"
        }
    }

    struct EmptyObject: Decodable {}

    /// Decodes the engine's JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        repoTags = try container.decodeIfPresent([String].self, forKey: .repoTags) ?? []
        size = try container.decodeIfPresent(Int64.self, forKey: .size) ?? 0
        created = try container.decodeIfPresent(String.self, forKey: .created)
        let config = try container.decodeIfPresent(Config.self, forKey: .config)
        exposedPorts = config?.exposedPorts.map { Array($0.keys).sorted() } ?? []
        command = config?.cmd ?? []
    }
}

/// One row of `GET /images/json`.
public struct ImageSummary: Sendable, Decodable, Hashable {
    /// The image ID.
    public let id: String
    /// Its tags.
    public let repoTags: [String]
    /// Its size in bytes.
    public let size: Int64

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case repoTags = "RepoTags"
        case size = "Size"
    }

    /// Decodes the engine's JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        repoTags = try container.decodeIfPresent([String].self, forKey: .repoTags) ?? []
        size = try container.decodeIfPresent(Int64.self, forKey: .size) ?? 0
    }
}
