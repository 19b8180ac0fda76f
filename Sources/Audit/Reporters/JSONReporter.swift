/// The JSON report (contract): `{"score": 7.5, "findings": [{"rule", "severity", "service", "file", "line",
/// "message", "fix"}]}`.
public enum JSONReporter {
    /// Renders `report` as one JSON document.
    public static func render(_ report: AuditReport) -> String {
        var output = "{\"score\": \(report.score), \"findings\": ["
        for (index, finding) in report.findings.enumerated() {
            if index > 0 { output += ", " }
            output += "{\"rule\": \(JSONText.quote(finding.rule)), \"severity\": \(JSONText.quote(finding.severity.rawValue)), "
            output += "\"service\": \(finding.service.map(JSONText.quote) ?? "null"), "
            output += "\"file\": \(JSONText.quote(finding.location.file)), \"line\": \(finding.location.line), "
            output += "\"message\": \(JSONText.quote(finding.message)), \"fix\": \(JSONText.quote(finding.fix))}"
        }
        return output + "], \"suppressed\": \(report.suppressed.count)}"
    }
}
