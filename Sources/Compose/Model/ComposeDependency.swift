/// One entry of a service's `depends_on:`.
public struct ComposeDependency: Sendable, Hashable {
    /// The service depended on.
    public var service: String
    /// `service_started`, `service_healthy` or `service_completed_successfully`.
    public var condition: String
    /// False when the dependency is optional (`required: false`).
    public var required: Bool
    /// Where the dependency was written.
    public var location: SourceLocation

    /// The condition compose uses when none is written.
    public static let defaultCondition = "service_started"

    /// A value with every field given.
    public init(service: String, condition: String, required: Bool, location: SourceLocation) {
        self.service = service
        self.condition = condition
        self.required = required
        self.location = location
    }
}
