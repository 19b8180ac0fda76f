import ArgumentParser
import Audit
import Compose
import Foundation

extension ShipshapeCommand {
    /// `shipshape harden`: write an override that fixes what can be fixed safely, and explain each change.
    struct Harden: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write compose.production.yml: an override that fixes what can be fixed safely.",
            discussion: "Never edits your compose files. Prints every change, the score before and after, and what needs a human."
        )

        @OptionGroup var global: GlobalOptions
        @Option(name: .shortAndLong, help: "A compose file (repeat to merge several).") var file: [String] = []
        @Option(name: .shortAndLong, help: "The override file to write (default: compose.production.yml beside the first compose file).")
        var output: String?
        @Option(help: "Resource limits profile: small, medium or large.") var resources = "medium"
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            do {
                guard let profile = HardenProfile.named(resources) else {
                    throw AuditError.invalidArgument("'\(resources)' is not a resources profile; use small, medium or large")
                }
                let listed = try ProjectLocator.composeFiles(explicit: file, configPath: global.config)
                // The override harden writes is its output, never its input: shipshape.yml's `compose:` may list
                // it (so deploys use it), and reading it back would harden the hardened file into an empty one.
                func standardized(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
                let first = listed.first.map { ($0 as NSString).deletingLastPathComponent } ?? ""
                let target = output ?? (first.isEmpty ? "." : first) + "/compose.production.yml"
                let files = listed.filter { standardized($0) != standardized(target) }
                guard !files.isEmpty else {
                    throw AuditError.invalidArgument("\(target) is the override harden writes; name the compose files to harden with -f")
                }
                let project = try ComposeLoader.load(files: files)
                let before = Auditor().audit(project)
                let hardener = Hardener(profile: profile, healthEndpoints: ProjectLocator.healthEndpoints(configPath: global.config))
                let plan = hardener.plan(for: project)
                try plan.write(overrideTo: target, projectDirectory: project.projectDirectory)
                let after = Auditor().audit(try ComposeLoader.load(files: files + [target]))
                if json {
                    print(HardenReport.json(plan: plan, before: before, after: after, output: target))
                } else {
                    print(HardenReport.text(plan: plan, before: before, after: after, output: target))
                }
            } catch {
                throw CLIError(error)
            }
        }
    }
}
