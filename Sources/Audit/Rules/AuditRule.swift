import Compose

/// A check with an id, a severity, the why and the fix, and where it comes from (KICS, CIS Docker Benchmark).
public struct AuditRule: Sendable {
    /// What a rule reports about one service: where, and the message in this project's terms.
    public struct Hit: Sendable {
        /// Where the offending key was written.
        public var location: SourceLocation
        /// What is wrong.
        public var message: String
    }

    /// The stable id used in output, `--fail-on` and `x-shipshape-ignore`.
    public var id: String
    /// How bad a hit is.
    public var severity: Severity
    /// A one-line name.
    public var title: String
    /// Why it matters.
    public var why: String
    /// What to change.
    public var fix: String
    /// The KICS queries and CIS Docker Benchmark items this rule covers.
    public var references: [String]
    /// Checks one service.
    public var check: @Sendable (ComposeService, AuditContext) -> [Hit]

    /// A rule.
    public init(
        id: String, severity: Severity, title: String, why: String, fix: String, references: [String] = [],
        check: @escaping @Sendable (ComposeService, AuditContext) -> [Hit]
    ) {
        self.id = id
        self.severity = severity
        self.title = title
        self.why = why
        self.fix = fix
        self.references = references
        self.check = check
    }
}

extension AuditRule.Hit {
    /// A hit at the key `key` of `service` (or the service when the key is absent).
    static func at(_ service: ComposeService, _ key: String, _ message: String) -> AuditRule.Hit {
        AuditRule.Hit(location: service.location(of: key), message: message)
    }
}
