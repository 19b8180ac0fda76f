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

    /// One header to add, with its name lowercased for matching.
    struct Header: Sendable {
        let name: String
        let value: String
        let key: [UInt8]

        init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
            self.key = Array(name.lowercased().utf8)
        }
    }

    /// Headers for plain HTTP responses.
    let plain: [Header]
    /// Headers for HTTPS responses (with HSTS unless removed).
    let secure: [Header]
    /// The same sets as header blocks, appended in one step to a response that has none of them (the usual
    /// case): adding them one by one checks each name and whether it is `Connection`.
    let plainBlock: HTTPHeaders
    let secureBlock: HTTPHeaders
    /// The lengths of the names in `plain` and `secure`, one bit per length below 64: an upstream header whose
    /// name has none of them (most do) is none of ours, without comparing it to each.
    let plainLengths: UInt64
    let secureLengths: UInt64

    /// Bit `n` set for each name of `n` bytes (`n` < 64); names of 64 bytes or more set bit 63, which makes
    /// every name of that length or longer be compared.
    static func lengthMask(_ names: [String]) -> UInt64 {
        names.reduce(0) { $0 | (1 << UInt64(min($1.utf8.count, 63))) }
    }

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
        let secureSet = includeHSTS ? merged + [("Strict-Transport-Security", hstsValue)] : merged
        plain = merged.map(Header.init)
        secure = secureSet.map(Header.init)
        plainBlock = HTTPHeaders(merged)
        secureBlock = HTTPHeaders(secureSet)
        plainLengths = Self.lengthMask(merged.map(\.0))
        secureLengths = Self.lengthMask(secureSet.map(\.0))
    }
}
