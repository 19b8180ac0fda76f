import NIOHTTP1
import ShipshapeCore

/// The OWASP Secure Headers set added to every response, adjusted by `gateway.headers`.
struct SecurityHeaders: Sendable {
    /// HSTS for two years with subdomains; only sent on HTTPS.
    static let strictTransportSecurity = "max-age=63072000; includeSubDomains"

    static let defaults: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
        ("X-XSS-Protection", "0"),
    ]

    /// Headers for plain HTTP responses.
    let plain: [(String, String)]
    /// Headers for HTTPS responses (with HSTS unless removed).
    let secure: [(String, String)]

    init(overrides: [(name: String, value: String?)]) {
        var merged = Self.defaults
        var includeHSTS = true
        var hstsValue = Self.strictTransportSecurity
        for (name, value) in overrides {
            if name.lowercased() == "strict-transport-security" {
                if let value { hstsValue = value } else { includeHSTS = false }
                continue
            }
            merged.removeAll { $0.0.lowercased() == name.lowercased() }
            if let value { merged.append((name, value)) }
        }
        plain = merged
        secure = includeHSTS ? merged + [("Strict-Transport-Security", hstsValue)] : merged
    }

    /// Adds the headers the upstream did not set itself (an application's own CSP wins).
    func apply(to headers: inout HTTPHeaders, secure isSecure: Bool) {
        for (name, value) in isSecure ? secure : plain where !headers.contains(name: name) {
            headers.add(name: name, value: value)
        }
    }
}
