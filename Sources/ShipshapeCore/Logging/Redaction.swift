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

    /// Query parameters that carry credentials under names `isSecretKey` does not catch: OAuth codes, signed
    /// URLs' signatures (S3's `X-Amz-Signature`, `sig`), API keys passed as `key`, session ids.
    static let secretQueryNames: Set<String> = [
        "code", "key", "sig", "signature", "x-amz-signature", "x-amz-credential", "x-amz-security-token", "auth",
        "session", "sessionid", "sid", "jwt", "otp", "ticket",
    ]

    /// A request target for the access log: the values of query parameters whose names carry credentials
    /// (`token`, `access_token`, `password`, `code`, `X-Amz-Signature`, `api_key`, …) become `[REDACTED]`. A
    /// target without a query is returned as it is, without a copy.
    public static func redactQuery(_ target: String) -> String {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return target }
        let query = target[target.index(after: mark)...]
        var changed = false
        let parameters = query.split(separator: "&", omittingEmptySubsequences: false).map { parameter -> Substring in
            guard let equals = parameter.firstIndex(of: "=") else { return parameter }
            let name = parameter[..<equals]
            // An application decodes `%63ode` and `api%5Fkey` to `code` and `api_key`: so must the match.
            let lowered = (name.contains("%") || name.contains("+") ? decodedName(name) : String(name)).lowercased()
            guard secretQueryNames.contains(lowered) || isSecretKey(lowered), parameter.index(after: equals) < parameter.endIndex
            else { return parameter }
            changed = true
            return name + "=" + mask
        }
        guard changed else { return target }
        return target[...mark] + parameters.joined(separator: "&")
    }

    /// A query parameter name as a form decoder reads it: `+` is a space, `%XX` a byte (a malformed escape is kept).
    static func decodedName(_ name: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count)
        var iterator = name.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next() else {
                    bytes.append(byte)
                    break
                }
                guard let low = iterator.next() else {
                    bytes += [byte, high]
                    break
                }
                if let value = hexValue(high).flatMap({ h in hexValue(low).map { h << 4 | $0 } }) {
                    bytes.append(value)
                } else {
                    bytes += [byte, high, low]
                }
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
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
