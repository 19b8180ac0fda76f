extension EngineVersion {
    /// True for Podman's compatible service (it names its component `Podman Engine`).
    public var isPodman: Bool { components.contains { $0.hasPrefix("Podman") } }
}

extension DockerClient {
    /// Runs the container's health check once and returns the verdict. Only Podman offers this (libpod's
    /// `GET /libpod/containers/{id}/healthcheck`): its compatible service runs no checks on its own without
    /// systemd, so a caller waiting for `healthy` triggers them. Docker runs its checks itself and has no
    /// such endpoint (`notFound`).
    public func runHealthCheck(_ id: String) async throws(DockerEngineError) -> ContainerDetails.HealthStatus {
        try await sender.decode(.GET, "/libpod/containers/\(id)/healthcheck", subject: "container \(id)")
    }
}
