/// Keeps secrets out of logs: metadata keys that name secrets, and credentials inside URLs and messages.
public enum Redaction {
    /// What a redacted value is replaced with.
    public static let mask = "[REDACTED]"

    static let secretKeyFragments = [
        "authorization", "cookie", "password", "passwd", "secret", "token", "api_key", "apikey", "passphrase",
        "private_key", "credential",
    ]

    /// True when a metadata key or header name names a secret (`Authorization`, `db_password`, `x-api-key`).
    public static func isSecretKey(_ key: String) -> Bool {
        let lowered = key.lowercased().replacingOccurrences(of: "-", with: "_")
        return secretKeyFragments.contains { lowered.contains($0) }
    }

    /// Removes `user:password@` from URLs and `password=...`-style pairs from free text.
    public static func redactText(_ text: String) -> String {
        guard text.contains("@") || text.contains("=") else { return text }
        var result = text
        if let regex = try? Regex(#"(://[^/\s:@]*:)[^@\s/]+@"#) {
            result = result.replacing(regex) { match in
                let prefix = match.output[1].substring ?? ""
                return "\(prefix)\(mask)@"
            }
        }
        if let regex = try? Regex(#"(?i)\b(password|passwd|secret|token|api_key|passphrase)=([^\s&]+)"#) {
            result = result.replacing(regex) { match in
                let key = match.output[1].substring ?? ""
                return "\(key)=\(mask)"
            }
        }
        return result
    }
}
