import Compose

/// One problem found in a compose project: which rule, where, why it matters and how to fix it.
public struct Finding: Sendable, Hashable {
    /// The rule id (`privileged`, `docker-socket`, …).
    public var rule: String
    /// How bad it is.
    public var severity: Severity
    /// The service, or nil for a project-level finding.
    public var service: String?
    /// Where the offending key was written (or the service, when the key is missing).
    public var location: SourceLocation
    /// What is wrong, in this project's terms.
    public var message: String
    /// What to change.
    public var fix: String

    /// A finding as reported by a rule.
    public init(rule: String, severity: Severity, service: String?, location: SourceLocation, message: String, fix: String) {
        self.rule = rule
        self.severity = severity
        self.service = service
        self.location = location
        self.message = message
        self.fix = fix
    }
}
