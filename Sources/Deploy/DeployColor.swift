/// One of the two slots a service's versions alternate between.
public enum DeployColor: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The blue slot.
    case blue
    /// The green slot.
    case green

    /// The other slot: where the next deploy goes.
    public var other: DeployColor { self == .blue ? .green : .blue }

    /// `blue` or `green`.
    public var description: String { rawValue }
}
