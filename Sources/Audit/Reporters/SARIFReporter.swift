import Foundation
import ShipshapeCore

/// The SARIF 2.1.0 report, one result per finding, for GitHub code scanning and other SARIF viewers.
public enum SARIFReporter {
    /// The schema URI the document declares.
    static let schema = "https://json.schemastore.org/sarif-2.1.0.json"
    /// The `security-severity` code scanning shows for each severity (its 0–10 scale).
    static func securitySeverity(_ severity: Severity) -> String {
        switch severity {
        case .low: "2.0"
        case .medium: "5.0"
        case .high: "8.0"
        case .critical: "9.5"
        }
    }

    /// Renders `report` as a SARIF 2.1.0 log.
    public static func render(_ report: AuditReport, rules: [AuditRule] = RuleCatalog.all) -> String {
        var ruleIndex: [String: Int] = [:]
        var ruleObjects: [[String: Any]] = []
        for rule in rules {
            ruleIndex[rule.id] = ruleObjects.count
            ruleObjects.append([
                "id": rule.id, "name": rule.title,
                "shortDescription": ["text": rule.title], "fullDescription": ["text": rule.why],
                "help": ["text": rule.fix, "markdown": "**Why:** \(rule.why)\n\n**Fix:** \(rule.fix)"],
                "defaultConfiguration": ["level": rule.severity.sarifLevel],
                "properties": [
                    "tags": ["security", "docker-compose"] + rule.references,
                    "security-severity": securitySeverity(rule.severity), "problem.severity": rule.severity.rawValue,
                ] as [String: Any],
            ])
        }
        let results: [[String: Any]] = report.findings.map { finding in
            var result: [String: Any] = [
                "ruleId": finding.rule, "level": finding.severity.sarifLevel,
                "message": ["text": "\(finding.message). \(finding.fix)"],
                "locations": [[
                    "physicalLocation": [
                        "artifactLocation": ["uri": finding.location.file],
                        "region": ["startLine": finding.location.line, "startColumn": finding.location.column],
                    ] as [String: Any]
                ]],
                "properties": ["severity": finding.severity.rawValue, "service": finding.service ?? ""],
            ]
            if let index = ruleIndex[finding.rule] { result["ruleIndex"] = index }
            return result
        }
        let log: [String: Any] = [
            "$schema": schema, "version": "2.1.0",
            "runs": [[
                "tool": ["driver": [
                    "name": "shipshape", "version": ShipshapeVersion.current,
                    "informationUri": "https://github.com/shipshape/shipshape", "rules": ruleObjects,
                ] as [String: Any]],
                "results": results,
                "properties": ["score": report.score],
            ] as [String: Any]],
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: log, options: [.prettyPrinted, .sortedKeys]),
            let text = String(data: data, encoding: .utf8)
        else { return "{}" }
        return text
    }
}
