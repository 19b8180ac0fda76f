import ArgumentParser
import Audit
import Compose
import Foundation
import ShipshapeCore

extension ShipshapeCommand {
    /// `shipshape secrets …`: generate secrets and check for leaked ones.
    struct Secrets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate random secrets and check for hardcoded or exposed ones.",
            subcommands: [Generate.self, Check.self]
        )
    }
}

extension ShipshapeCommand.Secrets {
    /// `shipshape secrets generate`: random values for the compose project's secret files.
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write random secrets to secrets/NAME.txt (mode 0600) and ignore secrets/ in git.",
            discussion: "Without names, generates every top-level compose secret whose file is missing, and the secrets shipshape.yml names that Shipshape itself owns: the backup's passphrase_file and the gateway's jwt.hs256_secret_files. Passwords are 32 random bytes in base64; JWT/signing keys 256 bits in hex."
        )

        @OptionGroup var global: GlobalOptions
        @Option(name: .shortAndLong, help: "A compose file (repeat to merge several).") var file: [String] = []
        @Option(help: "The kind for the named secrets: password or jwt (default: guessed from the name).") var kind: String?
        @Flag(help: "Replace existing secret files.") var force = false
        @Argument(help: "Secret names to generate (as secrets/NAME.txt).") var names: [String] = []

        func run() async throws {
            do {
                var requests: [SecretGenerator.Request] = []
                var directory = "."
                if names.isEmpty {
                    let project = try ComposeLoader.load(files: try ProjectLocator.composeFiles(explicit: file, configPath: global.config))
                    directory = project.projectDirectory
                    var files: [String: String] = [:]
                    for (name, secret) in project.secrets { if let path = secret.file, !path.hasPrefix("/") { files[name] = path } }
                    requests = SecretGenerator.requests(from: files) + ownedSecrets(in: project.projectDirectory)
                } else {
                    let chosen = try kind.map { text -> SecretKind in
                        guard let value = SecretKind(rawValue: text) else {
                            throw AuditError.invalidArgument("'\(text)' is not a secret kind; use password or jwt")
                        }
                        return value
                    }
                    requests = names.map { .init(name: $0, kind: chosen ?? SecretKind.guess(from: $0), file: "secrets/\($0).txt") }
                }
                let written = try SecretGenerator(projectDirectory: directory).generate(requests, overwrite: force)
                for request in requests {
                    let state = written.contains(request.file) ? "generated" : "kept (exists; --force replaces it)"
                    print("\(request.file): \(request.kind.rawValue), \(state)")
                }
                if requests.isEmpty { print("no secrets to generate: the compose project declares no secret files") }
            } catch {
                throw CLIError(error)
            }
        }

        /// The secret files `shipshape.yml` names whose value Shipshape alone uses (so a random one is right):
        /// the backup passphrase and the HS256 keys tokens are checked with. A database's password file is
        /// left alone: the database already has its password. Paths outside the project directory are skipped.
        func ownedSecrets(in projectDirectory: String) -> [SecretGenerator.Request] {
            guard FileManager.default.fileExists(atPath: global.config),
                let configuration = try? ShipshapeConfiguration.load(path: global.config)
            else { return [] }
            var owned: [(name: String, kind: SecretKind, file: String)] = []
            if case .passphraseFile(let file) = configuration.backup?.encryption {
                owned.append(("backup_passphrase", .password, file))
            }
            for (index, file) in configuration.gateway.rateLimits.jwt.hmacSecretFiles.enumerated() {
                owned.append(("jwt_hs256_secret_\(index)", .jwt, file))
            }
            let root = URL(fileURLWithPath: projectDirectory).standardizedFileURL.path + "/"
            return owned.compactMap { name, kind, file in
                let resolved = configuration.resolve(file)
                guard resolved.hasPrefix(root) else { return nil }
                return SecretGenerator.Request(name: name, kind: kind, file: String(resolved.dropFirst(root.count)))
            }
        }
    }

    /// `shipshape secrets check`: hardcoded secrets, readable secret files, secrets tracked by git.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find hardcoded secrets (compose, .env, Dockerfiles), world-readable secret files and secrets tracked by git.",
            discussion: "Exit status: 0 when nothing is found, 1 when the project cannot be read, 2 when secrets problems are found."
        )

        @OptionGroup var global: GlobalOptions
        @Option(name: .shortAndLong, help: "A compose file (repeat to merge several).") var file: [String] = []
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            let report: AuditReport
            do {
                let files = try ProjectLocator.composeFiles(explicit: file, configPath: global.config)
                let directory = (files.first.map { ($0 as NSString).deletingLastPathComponent }).flatMap { $0.isEmpty ? nil : $0 } ?? "."
                report = await SecretScanner(projectDirectory: directory, composeFiles: files).scan()
            } catch {
                throw CLIError(error)
            }
            if json {
                print(JSONReporter.render(report))
            } else if report.findings.isEmpty {
                print("no secrets problems found")
            } else {
                let colors = isatty(STDOUT_FILENO) == 1 && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
                print(TextReporter(colors: colors, showsScore: false).render(report), terminator: "")
            }
            if !report.findings.isEmpty { throw ExitCode(ShipshapeCommand.AuditProject.findingsExitCode) }
        }
    }
}
