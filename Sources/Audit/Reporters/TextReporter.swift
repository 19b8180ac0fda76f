import Foundation

/// The human report: findings grouped by service, most severe first, coloured on a terminal.
public struct TextReporter: Sendable {
    /// True to use ANSI colours (the CLI turns them off when stdout is not a terminal or NO_COLOR is set).
    public var colors: Bool
    /// False to end with only the counts (secrets check has no score).
    public var showsScore: Bool

    /// Locations under this directory are shown relative to it (as the user typed them, and shorter).
    public var baseDirectory: String

    /// A reporter; `baseDirectory` is by default the current directory.
    public init(colors: Bool, showsScore: Bool = true, baseDirectory: String = FileManager.default.currentDirectoryPath) {
        self.colors = colors
        self.showsScore = showsScore
        self.baseDirectory = baseDirectory
    }

    private func paint(_ text: String, _ code: String) -> String {
        colors ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    private func label(_ severity: Severity) -> String {
        let text = severity.rawValue.uppercased()
        switch severity {
        case .critical: return paint(text, "1;35")
        case .high: return paint(text, "1;31")
        case .medium: return paint(text, "33")
        case .low: return paint(text, "36")
        }
    }

    /// Renders `report`.
    public func render(_ report: AuditReport) -> String {
        var output = ""
        var groups: [String: [Finding]] = [:]
        for finding in report.findings { groups[finding.service ?? "(project)", default: []].append(finding) }
        for service in groups.keys.sorted() {
            output += paint(service, "1") + "\n"
            for finding in groups[service] ?? [] {
                output += "  \(label(finding.severity)) \(finding.rule)  \(finding.location.description(relativeTo: baseDirectory))\n"
                output += "      \(finding.message)\n"
                output += "      " + paint("fix: ", "2") + finding.fix + "\n"
            }
        }
        var counts: [String] = []
        for severity in Severity.allCases.reversed() {
            let count = report.findings.filter { $0.severity == severity }.count
            if count > 0 { counts.append("\(count) \(severity.rawValue)") }
        }
        let summary = counts.isEmpty ? "no findings" : counts.joined(separator: ", ")
        let scoreText = "\(report.score)/10"
        let scoreColor = report.score >= AuditReport.maximumScore ? "1;32" : (report.score >= 7 ? "1;33" : "1;31")
        output += showsScore ? "\nScore \(paint(scoreText, scoreColor)) — \(report.serviceCount) services, \(summary)" : "\n\(summary)"
        if !report.suppressed.isEmpty { output += ", \(report.suppressed.count) suppressed" }
        return output + "\n"
    }
}
