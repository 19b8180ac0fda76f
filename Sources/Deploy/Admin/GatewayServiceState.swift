/// A service as the gateway's admin API reports it: the active color and every target with its state.
public struct GatewayServiceState: Sendable, Codable, Hashable {
    /// One target of one color.
    public struct Target: Sendable, Codable, Hashable {
        /// `host:port`.
        public var address: String
        /// The pool it belongs to.
        public var color: DeployColor
        /// `adding`, `healthy`, `unhealthy` or `draining`.
        public var state: String

        /// A target.
        public init(address: String, color: DeployColor, state: String) {
            self.address = address
            self.color = color
            self.state = state
        }
    }

    /// The service's name.
    public var name: String
    /// The color taking new requests.
    public var activeColor: DeployColor
    /// Every target of both colors.
    public var targets: [Target]

    /// A service state.
    public init(name: String, activeColor: DeployColor, targets: [Target]) {
        self.name = name
        self.activeColor = activeColor
        self.targets = targets
    }

    /// The targets of `color`.
    public func targets(of color: DeployColor) -> [Target] { targets.filter { $0.color == color } }

    /// True when `color` has at least one healthy target.
    public func isHealthy(_ color: DeployColor) -> Bool { targets(of: color).contains { $0.state == "healthy" } }

    enum CodingKeys: String, CodingKey {
        case name
        case activeColor = "active_color"
        case targets
    }
}
