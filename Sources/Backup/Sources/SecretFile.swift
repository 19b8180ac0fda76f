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
        let secret = contents.trimmingCharacters(in: .newlines)
        // An empty file is a mistake (`printf '\n' > file`, a template never filled in): using it would encrypt
        // every backup with the empty passphrase, or connect without the intended password.
        guard !secret.isEmpty else {
            throw BackupError(
                .configuration, "The \(what) file \(path) is empty",
                hint: "Write the secret on its one line (mode 0600), e.g. `openssl rand -base64 32 > \(path)`.")
        }
        return secret
    }
}
