import Audit
import Compose
import Foundation
import Testing
import TestSupport

@Suite("Harden round trip, validated by podman-compose")
struct HardenRoundTripTests {
    /// The corpus projects and their compose files, in -f order.
    static let projects: [(name: String, files: [String])] = [
        ("shop", ["docker-compose.yml"]),
        ("blog", ["compose.yaml", "compose.prod.yml"]),
    ]
    static let projectNames = projects.map(\.name)

    /// (rule, service) pairs of a report, for comparing reports from different loaders.
    static func pairs(_ report: AuditReport) -> [String] {
        report.findings.map { "\($0.rule)@\($0.service ?? "-")" }.sorted()
    }

    @Test("base + override leaves only what harden listed for a human, and podman-compose accepts the merge",
          arguments: projectNames)
    func roundTrip(project name: String) async throws {
        let files = try #require(Self.projects.first { $0.name == name }).files
        let directory = try Corpus.copyProject(name)
        defer { directory.remove() }
        let paths = files.map { directory.path + "/" + $0 }
        let project = try ComposeLoader.load(files: paths, environment: [:])
        let before = Auditor().audit(project)
        let plan = Hardener().plan(for: project)
        let override = directory.path + "/compose.production.yml"
        try plan.write(overrideTo: override, projectDirectory: directory.path)

        let hardened = try ComposeLoader.load(files: paths + [override], environment: [:])
        let after = Auditor().audit(hardened)
        #expect(after.score > before.score)
        let human = Set(plan.humanItems.map { "\($0.rule)@\($0.service ?? "-")" })
        let left = Set(Self.pairs(after))
        #expect(left.isSubset(of: human), "harden left findings it did not list for a human: \(left.subtracting(human).sorted())")
        let fixable: Set<String> = ["memory-limit", "cpu-limit", "pids-limit", "restart-policy", "log-rotation",
                                    "no-new-privileges", "cap-drop-all", "database-published", "database-not-internal",
                                    "networks-not-set", "inline-secret"]
        #expect(after.findings.allSatisfy { !fixable.contains($0.rule) }, "\(after.findings.filter { fixable.contains($0.rule) })")

        // Moved secrets: files with mode 0600 holding the original value.
        for (relative, value) in plan.secretFiles {
            let path = directory.path + "/" + relative
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)
            #expect(mode.intValue == 0o600)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == value)
        }

        // A real compose implementation must accept base + override and merge it as we do.
        #expect(ProcessRunner.isInstalled("podman-compose"), "podman-compose is missing: run scripts/install-audit-deps.sh")
        let arguments = ["podman-compose"] + (files + ["compose.production.yml"]).flatMap { ["-f", $0] } + ["config"]
        let result = try await ProcessRunner.run(arguments, currentDirectory: directory.path)
        #expect(result.status == 0, "podman-compose config rejected the override: \(result.stderr)")
        let merged = try directory.write("merged.yml", result.stdout)
        let theirs = Auditor().audit(try ComposeLoader.load(files: [merged], environment: [:]))
        // Their output is interpolated, so `${VAR}` references read as inline values there: compare the rest.
        #expect(Self.pairs(theirs).filter { !$0.hasPrefix("inline-secret@") } == Self.pairs(after).filter { !$0.hasPrefix("inline-secret@") })
        let mergedText = result.stdout
        for secret in plan.changes where secret.rule == "inline-secret" {
            #expect(mergedText.contains("/run/secrets/"), "\(secret)")
        }
        for file in plan.secretFiles.keys {
            let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            #expect(mergedText.contains("/run/secrets/\(name)"))
        }
    }

    @Test("the shop project's secrets leave the environment: podman-compose's merge has no inline password")
    func shopSecretsLeaveEnvironment() async throws {
        let directory = try Corpus.copyProject("shop")
        defer { directory.remove() }
        let base = directory.path + "/docker-compose.yml"
        let plan = Hardener().plan(for: try ComposeLoader.load(files: [base], environment: [:]))
        try plan.write(overrideTo: directory.path + "/compose.production.yml", projectDirectory: directory.path)
        #expect(ProcessRunner.isInstalled("podman-compose"), "podman-compose is missing: run scripts/install-audit-deps.sh")
        let result = try await ProcessRunner.run(
            ["podman-compose", "-f", "docker-compose.yml", "-f", "compose.production.yml", "config"],
            currentDirectory: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("s3cr3t-Passw0rd"), "the inline password is still in the merged environment")
        #expect(result.stdout.contains("POSTGRES_PASSWORD_FILE: /run/secrets/postgres_postgres_password"))
        #expect(!result.stdout.contains("5432:5432"), "postgres is still published")
        #expect(result.stdout.contains("127.0.0.1:8000:8000"))
    }

    @Test("harden never edits the user's compose files")
    func userFilesUntouched() async throws {
        let directory = try Corpus.copyProject("shop")
        defer { directory.remove() }
        let base = directory.path + "/docker-compose.yml"
        let original = try String(contentsOfFile: base, encoding: .utf8)
        let plan = Hardener().plan(for: try ComposeLoader.load(files: [base], environment: [:]))
        try plan.write(overrideTo: directory.path + "/compose.production.yml", projectDirectory: directory.path)
        #expect(try String(contentsOfFile: base, encoding: .utf8) == original)
        #expect(plan.changes.count > 10)
        #expect(plan.overrideYAML.contains("# harden:"), "every change is explained in the file")
    }
}

@Suite("Harden on every rule's corpus file")
struct HardenRuleCorpusTests {
    @Test("podman-compose accepts base + override and only human items remain", arguments: RuleCorpusTests.ruleIDs)
    func hardenRuleCorpus(rule: String) async throws {
        let directory = try TemporaryDirectory(prefix: "harden-\(rule)")
        defer { directory.remove() }
        let base = directory.path + "/compose.yaml"
        try FileManager.default.copyItem(atPath: Corpus.rule(rule), toPath: base)
        let plan = Hardener().plan(for: try ComposeLoader.load(files: [base], environment: [:]))
        let override = directory.path + "/compose.production.yml"
        try plan.write(overrideTo: override, projectDirectory: directory.path)
        let after = Auditor().audit(try ComposeLoader.load(files: [base, override], environment: [:]))
        let human = Set(plan.humanItems.map { "\($0.rule)@\($0.service ?? "-")" })
        let left = Set(HardenRoundTripTests.pairs(after))
        #expect(left.isSubset(of: human), "not listed for a human: \(left.subtracting(human).sorted())")
        #expect(ProcessRunner.isInstalled("podman-compose"), "podman-compose is missing: run scripts/install-audit-deps.sh")
        let result = try await ProcessRunner.run(
            ["podman-compose", "-f", "compose.yaml", "-f", "compose.production.yml", "config"], currentDirectory: directory.path)
        #expect(result.status == 0, "podman-compose config rejected the override for \(rule): \(result.stderr)")
    }
}
