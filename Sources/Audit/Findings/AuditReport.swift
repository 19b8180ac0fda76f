import Compose

/// The result of an audit: findings sorted by severity then place, and the score out of 10.
public struct AuditReport: Sendable {
    /// The findings that remain after suppressions, most severe first.
    public var findings: [Finding]
    /// Findings silenced by `x-shipshape-ignore`, kept for the record.
    public var suppressed: [Finding]
    /// The number of services audited.
    public var serviceCount: Int

    /// A report of `findings` over `serviceCount` services.
    public init(findings: [Finding], suppressed: [Finding], serviceCount: Int) {
        self.findings = findings
        self.suppressed = suppressed
        self.serviceCount = serviceCount
    }

    /// The best score.
    public static let maximumScore = 10.0

    /// The score out of 10, one decimal, rounded down so that only a clean project gets 10.
    ///
    /// Each service starts at 10 and loses its findings' weights (low 0.25, medium 1, high 3, critical 6),
    /// never below 0; the project score is the mean over services (project-level findings count against
    /// every service), capped at 8 while a high finding remains and at 5 while a critical one does.
    public var score: Double {
        guard !findings.isEmpty else { return Self.maximumScore }
        var penalties: [String: Double] = [:]
        var projectPenalty = 0.0
        for finding in findings {
            if let service = finding.service {
                penalties[service, default: 0] += finding.severity.weight
            } else {
                projectPenalty += finding.severity.weight
            }
        }
        let services = max(serviceCount, 1)
        var total = 0.0
        for _ in 0..<(services - penalties.count) { total += max(0, Self.maximumScore - projectPenalty) }
        for penalty in penalties.values { total += max(0, Self.maximumScore - penalty - projectPenalty) }
        var score = total / Double(services)
        if let worst = findings.map(\.severity).max() { score = min(score, worst.scoreCap) }
        // Rounded down so a single low finding still shows as less than 10.
        let tenths = (score * 10).rounded(.down)
        return min(tenths / 10, findings.isEmpty ? Self.maximumScore : Self.maximumScore - 0.1)
    }

    /// True when a finding at `threshold` or above remains (for `--fail-on`).
    public func hasFindings(atOrAbove threshold: Severity) -> Bool {
        findings.contains { $0.severity >= threshold }
    }
}
