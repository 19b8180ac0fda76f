extension DockerClient {
    /// Creates a named volume (an existing one of that name is returned as it is, as Docker does).
    public func createVolume(
        _ name: String, labels: [String: String] = [:], driver: String = "local"
    ) async throws(DockerEngineError) -> VolumeDetails {
        let body: JSONValue = .object(["Name": .string(name), "Driver": .string(driver), "Labels": .stringMap(labels)])
        return try await sender.decode(.POST, "/volumes/create", json: body, subject: "volume \(name)")
    }

    /// The volume's driver, mount point and labels.
    public func inspectVolume(_ name: String) async throws(DockerEngineError) -> VolumeDetails {
        try await sender.decode(.GET, "/volumes/\(name)", subject: "volume \(name)")
    }

    /// Removes a volume.
    public func removeVolume(_ name: String, force: Bool = false) async throws(DockerEngineError) {
        try await sender.send(.DELETE, "/volumes/\(name)", query: [("force", String(force))], subject: "volume \(name)")
    }
}
