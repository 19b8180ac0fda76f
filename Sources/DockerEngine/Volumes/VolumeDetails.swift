/// What `GET /volumes/{name}` reports.
public struct VolumeDetails: Sendable, Decodable, Hashable {
    /// The volume's name.
    public let name: String
    /// Its driver (`local`).
    public let driver: String
    /// Where its data lives on the host.
    public let mountpoint: String
    /// Its labels.
    public let labels: [String: String]

    enum CodingKeys: String, CodingKey {
        case name = "Name"
        case driver = "Driver"
        case mountpoint = "Mountpoint"
        case labels = "Labels"
    }

    /// Decodes the engine's JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        driver = try container.decodeIfPresent(String.self, forKey: .driver) ?? ""
        mountpoint = try container.decodeIfPresent(String.self, forKey: .mountpoint) ?? ""
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
    }
}
