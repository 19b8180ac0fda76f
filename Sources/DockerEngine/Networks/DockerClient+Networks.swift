extension DockerClient {
    /// Creates a bridge network; `internal` cuts it off from the outside. Returns its ID.
    public func createNetwork(
        _ name: String, internal: Bool = false, labels: [String: String] = [:], driver: String = "bridge"
    ) async throws(DockerEngineError) -> String {
        struct Created: Decodable {
            let id: String
            enum CodingKeys: String, CodingKey { case id = "Id" }
        }
        let body: JSONValue = .object([
            "Name": .string(name), "Driver": .string(driver), "Internal": .bool(`internal`),
            "Labels": .stringMap(labels), "CheckDuplicate": .bool(true),
        ])
        let created: Created = try await sender.decode(
            .POST, "/networks/create", json: body, subject: "network \(name)")
        return created.id
    }

    /// The network's settings and attached containers.
    public func inspectNetwork(_ name: String) async throws(DockerEngineError) -> NetworkDetails {
        try await sender.decode(.GET, "/networks/\(name)", subject: "network \(name)")
    }

    /// Attaches a container to a network with DNS `aliases`.
    public func connectNetwork(
        _ network: String, container: String, aliases: [String] = []
    ) async throws(DockerEngineError) {
        let body: JSONValue = .object([
            "Container": .string(container), "EndpointConfig": ContainerSpec.endpoint(aliases: aliases),
        ])
        try await sender.send(
            .POST, "/networks/\(network)/connect", json: body, subject: "network \(network) or container \(container)")
    }

    /// Detaches a container from a network.
    public func disconnectNetwork(_ network: String, container: String, force: Bool = false)
        async throws(DockerEngineError)
    {
        let body: JSONValue = .object(["Container": .string(container), "Force": .bool(force)])
        try await sender.send(
            .POST, "/networks/\(network)/disconnect", json: body,
            subject: "network \(network) or container \(container)")
    }

    /// Removes a network (it must have no containers attached).
    public func removeNetwork(_ name: String) async throws(DockerEngineError) {
        try await sender.send(.DELETE, "/networks/\(name)", subject: "network \(name)")
    }
}
