import Foundation

/// What harden will write: the override file, the secret files moved out of `environment`, the changes
/// and what is left for a human.
public struct HardenPlan: Sendable {
    /// The override file's YAML.
    public var overrideYAML: String
    /// Secret files to create (path relative to the project directory → contents), mode 0600.
    public var secretFiles: [String: String]
    /// Every change, with its reason.
    public var changes: [HardenChange]
    /// Findings harden does not fix: they need a decision only a human can make.
    public var humanItems: [Finding]

    /// Writes the override to `path` and the secret files under `projectDirectory` (existing secret files
    /// are kept: they may already hold the production value).
    public func write(overrideTo path: String, projectDirectory: String) throws(AuditError) {
        let manager = FileManager.default
        for (relative, contents) in secretFiles.sorted(by: { $0.key < $1.key }) {
            let target = projectDirectory + "/" + relative
            if manager.fileExists(atPath: target) { continue }
            try SecretFile.create(target, contents: contents)
        }
        do {
            try overrideYAML.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw AuditError.cannotWrite(path: path, reason: error.localizedDescription)
        }
    }
}
