import ArgumentParser
import Audit
import Compose
import Foundation

extension ShipshapeCommand {
    /// `shipshape audit`: how far is the compose project from production-ready.
    struct AuditProject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "audit",
            abstract: "Audit compose files for production readiness and print a score out of 10.",
            discussion: """
                Exit status: 0 when no finding is at or above --fail-on (or --fail-on is not given), \
                1 when the compose files cannot be loaded, 2 when findings at or above --fail-on remain.
                """
        )

        /// Exit status when findings at or above `--fail-on` remain.
        static let findingsExitCode: Int32 = 2

        @OptionGroup var global: GlobalOptions
        @Option(name: .shortAndLong, help: "A compose file (repeat to merge several, as docker compose -f).")
        var file: [String] = []
        @Option(help: "Output format: text, json or sarif.") var format: OutputFormat = .text
        @Flag(help: "Same as --format json.") var json = false
        @Option(help: "Exit 2 when a finding of this severity or worse remains: low, medium, high, critical.")
        var failOn: Severity?
        @Option(name: .customLong("profile"), help: "Enable a compose profile (repeatable).") var profiles: [String] = []

        func run() async throws {
            let report: AuditReport
            do {
                let files = try ProjectLocator.composeFiles(explicit: file, configPath: global.config)
                let project = try ComposeLoader.load(files: files, profiles: profiles)
                report = Auditor().audit(project)
            } catch {
                throw CLIError(error)
            }
            switch json ? .json : format {
            case .text:
                let environment = ProcessInfo.processInfo.environment
                let colors = isatty(STDOUT_FILENO) == 1 && (environment["NO_COLOR"] ?? "").isEmpty
                print(TextReporter(colors: colors).render(report), terminator: "")
            case .json: print(JSONReporter.render(report))
            case .sarif: print(SARIFReporter.render(report))
            }
            if let failOn, report.hasFindings(atOrAbove: failOn) { throw ExitCode(Self.findingsExitCode) }
        }
    }

    /// The audit's output formats.
    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json, sarif
    }
}

extension Severity: ExpressibleByArgument {}
