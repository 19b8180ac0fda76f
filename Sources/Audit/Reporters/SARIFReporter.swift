import Compose
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

    /// The base the locations of files under the source root are relative to.
    static let sourceRootID = "%SRCROOT%"

    /// Where a file is, as SARIF wants it: relative to `%SRCROOT%` (the directory the audit runs in, the
    /// repository root in CI) when the file is under it — code scanning maps only such locations to the
    /// repository's files — else an absolute `file://` URI.
    static func artifactLocation(_ file: String, sourceRoot: String) -> [String: Any] {
        let allowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "%"))
        let encode = { (path: String) in path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path }
        let root = directoryPath(sourceRoot)
        let absolute = file.hasPrefix("/") ? file : root + file
        let standardized = URL(fileURLWithPath: absolute).standardizedFileURL.path
        if let relative = SourceLocation.relativePath(standardized, to: root) {
            return ["uri": encode(relative), "uriBaseId": sourceRootID]
        }
        return ["uri": "file://" + encode(standardized)]
    }

    /// `path` standardized, ending in exactly one `/`.
    static func directoryPath(_ path: String) -> String {
        let standardized = URL(fileURLWithPath: path).standardizedFileURL.path
        return standardized.hasSuffix("/") ? standardized : standardized + "/"
    }

    /// Renders `report` as a SARIF 2.1.0 log; locations are relative to `sourceRoot` (by default the current
    /// directory) where they can be.
    public static func render(
        _ report: AuditReport, rules: [AuditRule] = RuleCatalog.all,
        sourceRoot: String = FileManager.default.currentDirectoryPath
    ) -> String {
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
                        "artifactLocation": artifactLocation(finding.location.file, sourceRoot: sourceRoot),
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
                "originalUriBaseIds": [
                    sourceRootID: ["uri": "file://" + (directoryPath(sourceRoot).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? sourceRoot)]
                ],
                "properties": ["score": report.score],
            ] as [String: Any]],
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: log, options: [.prettyPrinted, .sortedKeys]),
            let text = String(data: data, encoding: .utf8)
        else { return "{}" }
        return text
    }
}
