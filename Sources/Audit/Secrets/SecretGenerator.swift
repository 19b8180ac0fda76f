import Crypto
import Foundation

/// Writes cryptographically random secrets to `secrets/NAME.txt` (mode 0600) and keeps them out of git.
public struct SecretGenerator: Sendable {
    /// Mode of secret files: owner read/write only.
    public static let fileMode = 0o600
    /// Mode of the secrets directory: owner only.
    public static let directoryMode = 0o700
    /// The ignore line added to `.gitignore`.
    static let ignoreLine = "secrets/"

    /// The project directory.
    public var projectDirectory: String

    /// A generator writing under `projectDirectory`.
    public init(projectDirectory: String) {
        self.projectDirectory = projectDirectory
    }

    /// A new random value of `kind`.
    public static func value(of kind: SecretKind) -> String {
        let key = SymmetricKey(size: SymmetricKeySize(bitCount: kind.byteCount * 8))
        let bytes = key.withUnsafeBytes { Data($0) }
        switch kind {
        case .password: return bytes.base64EncodedString()
        case .jwt: return bytes.map { String(format: "%02x", $0) }.joined()
        }
    }

    /// One secret to generate: its name, kind and the file it goes to (relative to the project).
    public struct Request: Sendable, Hashable {
        /// The secret's name.
        public var name: String
        /// Its kind.
        public var kind: SecretKind
        /// Its file, relative to the project directory.
        public var file: String

        /// A request.
        public init(name: String, kind: SecretKind, file: String) {
            self.name = name
            self.kind = kind
            self.file = file
        }
    }

    /// Writes each requested secret whose file does not exist yet (or every one with `overwrite`), then
    /// makes sure `.gitignore` ignores `secrets/`. Returns the files written.
    public func generate(_ requests: [Request], overwrite: Bool = false) throws(AuditError) -> [String] {
        let manager = FileManager.default
        var written: [String] = []
        for request in requests {
            let path = projectDirectory + "/" + request.file
            if manager.fileExists(atPath: path), !overwrite { continue }
            if manager.fileExists(atPath: path) {
                do {
                    try manager.removeItem(atPath: path)
                } catch {
                    throw AuditError.cannotWrite(path: path, reason: error.localizedDescription)
                }
            }
            try SecretFile.create(path, contents: Self.value(of: request.kind) + "\n")
            written.append(request.file)
        }
        try ignoreSecretsDirectory()
        return written
    }

    /// The secrets a compose project declares with a `file:` under the project (top-level `secrets:`).
    public static func requests(from secrets: [String: String]) -> [Request] {
        secrets.sorted { $0.key < $1.key }.map { name, file in
            let relative = file.hasPrefix("./") ? String(file.dropFirst(2)) : file
            return Request(name: name, kind: SecretKind.guess(from: name), file: relative)
        }
    }

    private func ignoreSecretsDirectory() throws(AuditError) {
        let path = projectDirectory + "/.gitignore"
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let lines = existing.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        if lines.contains(where: { $0 == Self.ignoreLine || $0 == "/secrets/" || $0 == "secrets" || $0 == "/secrets" }) { return }
        let addition = (existing.isEmpty || existing.hasSuffix("\n") ? "" : "\n") + "# generated secrets (shipshape secrets generate)\n\(Self.ignoreLine)\n"
        do {
            try (existing + addition).write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw AuditError.cannotWrite(path: path, reason: error.localizedDescription)
        }
    }
}
