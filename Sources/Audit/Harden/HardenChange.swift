/// One change harden made, and why.
public struct HardenChange: Sendable, Hashable {
    /// The service changed, or nil for project-level resources.
    public var service: String?
    /// The rule the change fixes.
    public var rule: String
    /// What was changed and why, in one sentence.
    public var explanation: String
}
