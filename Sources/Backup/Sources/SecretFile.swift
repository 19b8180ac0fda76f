import Foundation

/// Reads a one-line secret (password, passphrase) from a file.
enum SecretFile {
    static func read(_ path: String, what: String) throws(BackupError) -> String {
        guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw BackupError(
                .configuration, "Cannot read the \(what) file \(path)",
                hint: "Create it (mode 0600) with the secret on one line, or fix the path in shipshape.yml.")
        }
        // A trailing newline from `echo secret > file` is not part of the secret.
        return contents.trimmingCharacters(in: .newlines)
    }
}
