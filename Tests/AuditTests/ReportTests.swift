import Audit
import Compose
import Foundation
import Testing

@Suite("Score and reports")
struct ReportTests {
    func shopReport() throws -> AuditReport {
        let project = try ComposeLoader.load(files: [Corpus.root + "/projects/shop/docker-compose.yml"], environment: [:])
        return Auditor().audit(project)
    }

    @Test("JSON output has the contract's keys and one object per finding")
    func jsonContract() throws {
        let report = try shopReport()
        let data = Data(JSONReporter.render(report).utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((object["score"] as? Double) == report.score)
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(findings.count == report.findings.count)
        for finding in findings {
            for key in ["rule", "severity", "service", "file", "line", "message", "fix"] {
                #expect(finding[key] != nil, "finding lacks \(key)")
            }
            #expect(["low", "medium", "high", "critical"].contains(finding["severity"] as? String ?? ""))
        }
    }

    @Test("SARIF output is version 2.1.0 with one result per finding, each located and tied to a rule")
    func sarif() throws {
        let report = try shopReport()
        let data = Data(SARIFReporter.render(report).utf8)
        let log = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == report.findings.count)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        let ruleIDs = ((driver["rules"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
        for result in results {
            let ruleID = try #require(result["ruleId"] as? String)
            #expect(ruleIDs.contains(ruleID))
            let location = (result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]
            let region = location?["region"] as? [String: Any]
            #expect((region?["startLine"] as? Int ?? 0) > 0)
        }
    }

    @Test("SARIF locations are relative to %SRCROOT% (the directory audited from) when under it, so code scanning maps them to files")
    func sarifLocations() throws {
        let inside = SourceLocation(file: "/work/repo/deploy/docker-compose.yml", line: 4)
        let outside = SourceLocation(file: "/etc/shop/compose.override.yml", line: 2)
        let report = AuditReport(
            findings: [
                Finding(rule: "r", severity: .low, service: "a", location: inside, message: "m", fix: "f"),
                Finding(rule: "r", severity: .low, service: "a", location: outside, message: "m", fix: "f"),
            ], suppressed: [], serviceCount: 1)
        let data = Data(SARIFReporter.render(report, sourceRoot: "/work/repo").utf8)
        let log = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let base = (run["originalUriBaseIds"] as? [String: Any])?["%SRCROOT%"] as? [String: Any]
        #expect(base?["uri"] as? String == "file:///work/repo/")
        let locations = ((run["results"] as? [[String: Any]]) ?? []).map { result in
            (((result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["artifactLocation"]
                as? [String: String]) ?? [:]
        }
        #expect(locations.first == ["uri": "deploy/docker-compose.yml", "uriBaseId": "%SRCROOT%"])
        #expect(locations.last == ["uri": "file:///etc/shop/compose.override.yml"])

        let text = TextReporter(colors: false, baseDirectory: "/work/repo").render(report)
        #expect(text.contains("LOW r  deploy/docker-compose.yml:4\n"), "\(text)")
        #expect(text.contains("LOW r  /etc/shop/compose.override.yml:2\n"), "\(text)")
    }

    @Test("score: 10 with no findings, lower with each finding, capped by the worst severity")
    func score() throws {
        let clean = AuditReport(findings: [], suppressed: [], serviceCount: 3)
        #expect(clean.score == 10)
        let place = SourceLocation(file: "c.yml", line: 1)
        func finding(_ severity: Severity, _ service: String = "a") -> Finding {
            Finding(rule: "r", severity: severity, service: service, location: place, message: "m", fix: "f")
        }
        #expect(AuditReport(findings: [finding(.low)], suppressed: [], serviceCount: 1).score == 9.7)
        #expect(AuditReport(findings: [finding(.medium)], suppressed: [], serviceCount: 2).score == 9.5)
        #expect(AuditReport(findings: [finding(.high)], suppressed: [], serviceCount: 10).score == 8.0)
        #expect(AuditReport(findings: [finding(.critical)], suppressed: [], serviceCount: 10).score == 5.0)
        let shop = try shopReport()
        #expect(shop.score < 5, "the unhardened shop project is far from production-ready")
    }

    @Test("--fail-on compares severities: a medium finding fails low and medium, not high")
    func failOn() {
        let place = SourceLocation(file: "c.yml", line: 1)
        let report = AuditReport(
            findings: [Finding(rule: "r", severity: .medium, service: "a", location: place, message: "m", fix: "f")],
            suppressed: [], serviceCount: 1)
        #expect(report.hasFindings(atOrAbove: .low))
        #expect(report.hasFindings(atOrAbove: .medium))
        #expect(!report.hasFindings(atOrAbove: .high))
    }

    @Test("text output groups by service, colours only when asked")
    func text() throws {
        let report = try shopReport()
        let plain = TextReporter(colors: false).render(report)
        #expect(!plain.contains("\u{1B}["))
        #expect(plain.contains("postgres\n") && plain.contains("database-published"))
        #expect(plain.contains("Score \(report.score)/10"))
        #expect(TextReporter(colors: true).render(report).contains("\u{1B}["))
    }
}
