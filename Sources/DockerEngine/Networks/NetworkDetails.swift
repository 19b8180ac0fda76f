/// What `GET /networks/{id}` reports.
public struct NetworkDetails: Sendable, Decodable, Hashable {
    /// The network's ID.
    public let id: String
    /// Its name.
    public let name: String
    /// Its driver (`bridge`).
    public let driver: String
    /// True when it has no route outside (databases live on these).
    public let isInternal: Bool
    /// Its labels.
    public let labels: [String: String]
    /// IDs of the containers attached to it.
    public let containerIDs: [String]

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case name = "Name"
        case driver = "Driver"
        case isInternal = "Internal"
        case labels = "Labels"
        case containers = "Containers"
    }

    struct EmptyObject: Decodable {}

    /// Decodes the engine's JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decode(String.self, forKey: .name)
        driver = try container.decodeIfPresent(String.self, forKey: .driver) ?? ""
        isInternal = try container.decodeIfPresent(Bool.self, forKey: .isInternal) ?? false
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        containerIDs =
            (try container.decodeIfPresent([String: EmptyObject].self, forKey: .containers))
            .map { Array($0.keys).sorted() } ?? []
    }
}
