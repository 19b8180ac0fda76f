/// What a generated secret is for, which decides its size and encoding.
public enum SecretKind: String, Sendable, CaseIterable {
    /// A password: 32 random bytes, base64 (44 characters).
    case password
    /// A JWT or HMAC signing key: 256 random bits, hex (64 characters).
    case jwt

    /// Random bytes per secret of this kind.
    public var byteCount: Int {
        switch self {
        case .password: 32
        case .jwt: 32
        }
    }

    /// The kind a secret's name suggests (`jwt_secret`, `signing_key` → jwt; anything else → password).
    public static func guess(from name: String) -> SecretKind {
        let lower = name.lowercased()
        let keyWords = ["jwt", "signing", "hmac", "secret_key", "_key", "key_"]
        return keyWords.contains(where: lower.contains) || lower == "key" ? .jwt : .password
    }
}
