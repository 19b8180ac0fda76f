import Foundation

/// How harden tells what it did: the changes, the score before and after, and what needs a human.
public enum HardenReport {
    /// The human summary.
    /// Locations under `baseDirectory` are shown relative to it.
    public static func text(
        plan: HardenPlan, before: AuditReport, after: AuditReport, output: String,
        baseDirectory: String = FileManager.default.currentDirectoryPath
    ) -> String {
        var text = "Wrote \(output)\n\nChanges:\n"
        for change in plan.changes {
            text += "  \(change.service ?? "(project)"): \(change.explanation) [\(change.rule)]\n"
        }
        if plan.changes.isEmpty { text += "  none\n" }
        text += "\nScore \(before.score)/10 → \(after.score)/10 with the override.\n"
        if !after.findings.isEmpty {
            text += "\nNeeds a human (\(after.findings.count)):\n"
            for finding in after.findings {
                text += "  \(finding.severity.rawValue.uppercased()) \(finding.rule)  \(finding.location.description(relativeTo: baseDirectory))  \(finding.message)\n      fix: \(finding.fix)\n"
            }
        }
        if !plan.secretFiles.isEmpty {
            text += "\nSecrets moved to files (mode 0600): \(plan.secretFiles.keys.sorted().joined(separator: ", ")); keep secrets/ out of git.\n"
        }
        return text
    }

    /// The JSON summary: `{"output", "score_before", "score_after", "changes": [...], "needs_human": [...]}`.
    public static func json(plan: HardenPlan, before: AuditReport, after: AuditReport, output: String) -> String {
        let changes = plan.changes.map { change in
            "{\"service\": \(change.service.map(JSONText.quote) ?? "null"), \"rule\": \(JSONText.quote(change.rule)), \"explanation\": \(JSONText.quote(change.explanation))}"
        }
        let human = after.findings.map { finding in
            "{\"rule\": \(JSONText.quote(finding.rule)), \"severity\": \(JSONText.quote(finding.severity.rawValue)), \"service\": \(finding.service.map(JSONText.quote) ?? "null"), \"file\": \(JSONText.quote(finding.location.file)), \"line\": \(finding.location.line), \"message\": \(JSONText.quote(finding.message))}"
        }
        return "{\"output\": \(JSONText.quote(output)), \"score_before\": \(before.score), \"score_after\": \(after.score), "
            + "\"changes\": [\(changes.joined(separator: ", "))], \"needs_human\": [\(human.joined(separator: ", "))]}"
    }
}
