import Compose
import Foundation
import Subprocess

/// `shipshape secrets check`: hardcoded secrets in compose files, `.env` and Dockerfiles (by key name and
/// entropy), secret files others can read, and secrets tracked by git.
public struct SecretScanner: Sendable {
    /// The project directory scanned.
    public var projectDirectory: String
    /// The compose files scanned (as written, before interpolation).
    public var composeFiles: [String]

    /// Permission bits that let users other than the owner's group read a file.
    static let worldReadableBits = 0o004

    /// A scanner.
    public init(projectDirectory: String, composeFiles: [String]) {
        self.projectDirectory = projectDirectory
        self.composeFiles = composeFiles
    }

    /// Scans and returns the findings, most severe first.
    public func scan() async -> AuditReport {
        var findings: [Finding] = []
        var secretFiles: [String] = []
        for file in composeFiles {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                let document = try? ComposeNode.parse(yaml: text, file: file)
            else { continue }
            for service in document["services"]?.entries ?? [] {
                findings += environmentFindings(service.value["environment"], service: service.key)
            }
            for secret in document["secrets"]?.entries ?? [] {
                if let path = secret.value["file"]?.string { secretFiles.append(resolve(path)) }
            }
        }
        findings += envFileFindings(projectDirectory + "/.env")
        for dockerfile in dockerfiles() { findings += dockerfileFindings(dockerfile) }
        let secretsDirectory = projectDirectory + "/secrets"
        if let names = try? FileManager.default.contentsOfDirectory(atPath: secretsDirectory) {
            secretFiles += names.map { secretsDirectory + "/" + $0 }
        }
        for path in Set(secretFiles).sorted() {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue
            else { continue }
            if mode & Self.worldReadableBits != 0 {
                findings.append(Finding(
                    rule: "secret-file-readable", severity: .high, service: nil, location: SourceLocation(file: path, line: 1),
                    message: "the secret file \(path) is readable by every user (mode \(String(mode, radix: 8)))",
                    fix: "chmod 600 \(path)"))
            }
        }
        for path in await trackedSecrets(secretFiles) {
            findings.append(Finding(
                rule: "secret-tracked-by-git", severity: .critical, service: nil, location: SourceLocation(file: path, line: 1),
                message: "\(path) is tracked by git: everyone with the repository has the secret",
                fix: "git rm --cached \(path), add it to .gitignore, and rotate the secret (it stays in history)."))
        }
        findings.sort { $0.severity > $1.severity || ($0.severity == $1.severity && $0.location.description < $1.location.description) }
        return AuditReport(findings: findings, suppressed: [], serviceCount: 1)
    }

    // MARK: - Sources

    private func environmentFindings(_ environment: ComposeNode?, service: String) -> [Finding] {
        var pairs: [(String, String, SourceLocation)] = []
        for entry in environment?.entries ?? [] {
            if let value = entry.value.string { pairs.append((entry.key, value, entry.value.location)) }
        }
        for item in environment?.sequence ?? [] {
            guard let text = item.string, let equals = text.firstIndex(of: "=") else { continue }
            pairs.append((String(text[..<equals]), String(text[text.index(after: equals)...]), item.location))
        }
        return pairs.compactMap { name, value, location in
            guard isHardcodedSecret(name: name, value: value) else { return nil }
            return Finding(
                rule: "secret-hardcoded", severity: .high, service: service, location: location,
                message: "\(name) of service '\(service)' is written in the compose file",
                fix: "Use a compose secret with \(name)_FILE (`shipshape harden` moves it), or ${\(name)} from an ignored .env.")
        }
    }

    private func envFileFindings(_ path: String) -> [Finding] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var findings: [Finding] = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let pairs = DotEnv.parse(String(line))
            for (name, value) in pairs where isHardcodedSecret(name: name, value: value) {
                findings.append(Finding(
                    rule: "secret-in-env-file", severity: .medium, service: nil,
                    location: SourceLocation(file: path, line: offset + 1),
                    message: "\(name) is stored in plain text in .env",
                    fix: "Keep .env out of git and readable only by you (chmod 600), or move the value to secrets/ with `shipshape secrets generate`."))
            }
        }
        return findings
    }

    private func dockerfileFindings(_ path: String) -> [Finding] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var findings: [Finding] = []
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            let upper = line.uppercased()
            guard upper.hasPrefix("ENV ") || upper.hasPrefix("ARG ") else { continue }
            let body = line.dropFirst(4).trimmingCharacters(in: .whitespaces)
            var pairs: [(String, String)] = []
            if body.contains("=") {
                for word in body.split(separator: " ") {
                    guard let equals = word.firstIndex(of: "=") else { continue }
                    let value = word[word.index(after: equals)...].trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                    pairs.append((String(word[..<equals]), value))
                }
            } else if let space = body.firstIndex(of: " ") {
                pairs.append((String(body[..<space]), body[body.index(after: space)...].trimmingCharacters(in: .whitespaces)))
            }
            for (name, value) in pairs where isHardcodedSecret(name: name, value: value) {
                findings.append(Finding(
                    rule: "secret-in-dockerfile", severity: .high, service: nil,
                    location: SourceLocation(file: path, line: offset + 1),
                    message: "\(name) is baked into the image by \(upper.hasPrefix("ENV") ? "ENV" : "ARG") — anyone who pulls the image reads it",
                    fix: "Remove it from the Dockerfile; pass it at run time through a compose secret (RUN --mount=type=secret for build-time use)."))
            }
        }
        return findings
    }

    /// True for a secret-named key with a literal value, or any long random-looking literal.
    func isHardcodedSecret(name: String, value: String) -> Bool {
        guard SecretHeuristics.isInlineValue(value) else { return false }
        if SecretHeuristics.hasURLCredentials(value) { return true }
        if SecretHeuristics.isSecretName(name) { return true }
        return SecretHeuristics.looksRandom(value)
    }

    private func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return projectDirectory + "/" + (path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
    }

    private func dockerfiles() -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: projectDirectory) else { return [] }
        var result: [String] = []
        for name in names.sorted() {
            let path = projectDirectory + "/" + name
            if name.hasPrefix("Dockerfile") || name.hasSuffix(".Dockerfile") || name.hasSuffix(".dockerfile") {
                result.append(path)
            } else if let inner = try? FileManager.default.contentsOfDirectory(atPath: path) {
                // One level down covers the usual build contexts (./app/Dockerfile, ./web/Dockerfile).
                result += inner.filter { $0.hasPrefix("Dockerfile") }.sorted().map { path + "/" + $0 }
            }
        }
        return result
    }

    /// The secret files and `.env` that git tracks (nothing when the project is not a git repository).
    private func trackedSecrets(_ secretFiles: [String]) async -> [String] {
        let listing: String
        do {
            let result = try await Subprocess.run(
                .name("git"), arguments: ["-C", projectDirectory, "ls-files", "-z"],
                output: .string(limit: Self.gitListingLimit), error: .discarded)
            guard result.terminationStatus.isSuccess else { return [] }
            listing = result.standardOutput
        } catch {
            return []  // git missing or the listing too large: nothing to report rather than a false alarm
        }
        let tracked = Set(listing.split(separator: "\0").map { ((projectDirectory + "/" + $0) as NSString).standardizingPath })
        let candidates = secretFiles + [projectDirectory + "/.env"]
        return Set(candidates.map { ($0 as NSString).standardizingPath }).filter(tracked.contains).sorted()
    }

    /// The most `git ls-files` output read (a monorepo's listing fits well within it).
    static let gitListingLimit = 64 << 20
}
