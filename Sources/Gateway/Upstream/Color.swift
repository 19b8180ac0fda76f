/// The two pools of a service; exactly one is active at a time.
public enum Color: String, Sendable, Codable, CaseIterable {
    /// The blue pool.
    case blue
    /// The green pool.
    case green

    /// The other color.
    public var other: Color { self == .blue ? .green : .blue }
}

/// A target's lifecycle state, as kamal-proxy names them.
public enum TargetState: String, Sendable, Codable {
    /// Registered, not yet proven healthy by the active probe.
    case adding
    /// Passing health checks; eligible for traffic.
    case healthy
    /// Failing health checks; receives no new requests.
    case unhealthy
    /// No longer active; finishing in-flight requests.
    case draining
}
