import Foundation

/// How a value is recognised as a secret: by the name it is stored under, by embedded credentials in a
/// URL, or by its entropy.
public enum SecretHeuristics {
    /// Name fragments that mark a variable as holding a secret.
    static let secretNameFragments = [
        "PASSWORD", "PASSWD", "PASS", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "ACCESS_KEY",
        "CREDENTIAL", "AUTH_KEY", "SIGNING_KEY", "ENCRYPTION_KEY", "MASTER_KEY", "SALT", "DSN",
    ]
    /// Names that contain a fragment but do not hold secrets.
    static let nonSecretNames: Set<String> = ["PASSWORD_MIN_LENGTH", "TOKEN_EXPIRY", "SECRET_NAME", "PASSENGER_APP_ENV"]
    /// Values that are placeholders rather than secrets.
    static let placeholders: Set<String> = ["", "changeme", "change-me", "xxx", "todo", "none", "null", "false", "true"]
    /// Shannon entropy in bits per character above which a long random-looking value is a secret.
    static let entropyThreshold = 4.0
    /// The shortest value judged by entropy alone.
    static let minimumEntropyLength = 24

    /// True when `name` says the variable holds a secret (`DB_PASSWORD`, `JWT_SECRET`, …).
    public static func isSecretName(_ name: String) -> Bool {
        let upper = name.uppercased()
        if upper.hasSuffix("_FILE") || nonSecretNames.contains(upper) { return false }
        return secretNameFragments.contains { upper.contains($0) }
    }

    /// True when `value` is written inline rather than referenced (`${VAR}` was already interpolated, so
    /// callers pass raw file text where that matters).
    public static func isInlineValue(_ value: String) -> Bool {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        // `${API_TOKEN:-sk_live_…}` is a reference with a literal secret as its fallback: judge the fallback.
        if let fallback = interpolationDefault(trimmed) { return isInlineValue(fallback) }
        if placeholders.contains(trimmed.lowercased()) { return false }
        if trimmed.hasPrefix("/run/secrets/") || trimmed.hasPrefix("${") || trimmed.hasPrefix("$") { return false }
        return true
    }

    /// The fallback of a `${NAME:-default}` or `${NAME-default}` reference that is the whole value, if any.
    static func interpolationDefault(_ value: String) -> String? {
        guard value.hasPrefix("${"), value.hasSuffix("}") else { return nil }
        let body = value.dropFirst(2).dropLast()
        guard let end = body.firstIndex(where: { !($0.isLetter || $0.isNumber || $0 == "_") }) else { return nil }
        var rest = body[end...]
        if rest.hasPrefix(":") { rest = rest.dropFirst() }
        guard rest.hasPrefix("-") else { return nil }
        return String(rest.dropFirst())
    }

    /// True when a URL carries a password (`postgres://user:pass@db/app`).
    public static func hasURLCredentials(_ value: String) -> Bool {
        guard let scheme = value.range(of: "://") else { return false }
        let rest = value[scheme.upperBound...]
        guard let at = rest.firstIndex(of: "@") else { return false }
        let userInfo = rest[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return false }
        let password = userInfo[userInfo.index(after: colon)...]
        return !password.isEmpty && !password.hasPrefix("$")
    }

    /// Shannon entropy of `value` in bits per character.
    public static func entropy(_ value: String) -> Double {
        var counts: [Character: Int] = [:]
        for character in value { counts[character, default: 0] += 1 }
        let length = Double(value.count)
        guard length > 0 else { return 0 }
        return counts.values.reduce(0) { total, count in
            let probability = Double(count) / length
            return total - probability * log2(probability)
        }
    }

    /// True when `value` looks like a generated key or token (long, random).
    public static func looksRandom(_ value: String) -> Bool {
        value.count >= minimumEntropyLength && !value.contains(" ") && !value.contains("/")
            && entropy(value) >= entropyThreshold
    }
}
