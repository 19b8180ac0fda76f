import Compose

/// Runs every rule over a compose project and applies the project's inline suppressions.
public struct Auditor: Sendable {
    /// The rules to run.
    public var rules: [AuditRule]

    /// The id of the finding reported for a suppression without a reason.
    public static let suppressionWithoutReasonRule = "suppression-without-reason"

    /// An auditor with every rule of the catalog.
    public init(rules: [AuditRule] = RuleCatalog.all) {
        self.rules = rules
    }

    /// Audits `project`.
    public func audit(_ project: ComposeProject) -> AuditReport {
        let context = AuditContext(project: project)
        var findings: [Finding] = []
        var suppressed: [Finding] = []
        for name in project.serviceNames {
            guard let service = project.services[name] else { continue }
            let ignored = Set(service.suppressions.map(\.rule))
            for rule in rules {
                for hit in rule.check(service, context) {
                    let finding = Finding(
                        rule: rule.id, severity: rule.severity, service: name, location: hit.location,
                        message: hit.message, fix: rule.fix)
                    if ignored.contains(rule.id) { suppressed.append(finding) } else { findings.append(finding) }
                }
            }
            for suppression in service.suppressions where suppression.reason?.isEmpty ?? true {
                findings.append(
                    Finding(
                        rule: Self.suppressionWithoutReasonRule, severity: .low, service: name,
                        location: suppression.location,
                        message: "service '\(name)' ignores \(suppression.rule) without saying why",
                        fix: "Write the reason: `x-shipshape-ignore: [{rule: \(suppression.rule), reason: \"…\"}]`."))
            }
        }
        findings.sort { lhs, rhs in
            if lhs.severity != rhs.severity { return lhs.severity > rhs.severity }
            if lhs.location.file != rhs.location.file { return lhs.location.file < rhs.location.file }
            if lhs.location.line != rhs.location.line { return lhs.location.line < rhs.location.line }
            return lhs.rule < rhs.rule
        }
        return AuditReport(findings: findings, suppressed: suppressed, serviceCount: project.services.count)
    }
}
