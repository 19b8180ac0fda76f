import NIOCore

extension DockerClient {
    /// Checks that the engine answers (`GET /_ping`).
    public func ping() async throws(DockerEngineError) {
        let (_, body) = try await sender.send(.GET, "/_ping")
        guard String(buffer: body).hasPrefix("OK") else {
            throw DockerEngineError.invalidResponse("GET /_ping", reason: "expected OK, got '\(String(buffer: body))'")
        }
    }

    /// The engine's version, asked again (the one from connect time is in `version`).
    public func engineVersion() async throws(DockerEngineError) -> EngineVersion {
        try await sender.decode(.GET, "/version")
    }

    /// Counts and drivers from `GET /info`.
    public func info() async throws(DockerEngineError) -> EngineInfo {
        try await sender.decode(.GET, "/info")
    }
}
