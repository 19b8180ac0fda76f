/// An inline suppression: `x-shipshape-ignore: [{rule: image-unpinned, reason: "…"}]` on a service.
public struct ComposeSuppression: Sendable, Hashable {
    /// The rule id suppressed.
    public var rule: String
    /// Why; a suppression without a reason is itself reported.
    public var reason: String?
    /// Where the suppression was written.
    public var location: SourceLocation

    /// A value with every field given.
    public init(rule: String, reason: String?, location: SourceLocation) {
        self.rule = rule
        self.reason = reason
        self.location = location
    }
}
