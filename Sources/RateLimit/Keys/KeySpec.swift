/// How a policy groups requests: `ip`, `header:NAME`, `jwt:CLAIM`, or a `+` combination of them.
struct KeySpec: Sendable, Hashable {
    /// One component of a key.
    enum Part: Sendable, Hashable {
        /// The client address resolved by the gateway.
        case ip
        /// A request header (name stored lower case).
        case header(String)
        /// A claim of a verified JWT from `Authorization: Bearer`.
        case jwt(String)
    }

    /// The components in the order written.
    let parts: [Part]

    /// Parses the configuration text (already validated by the config loader).
    init(_ text: String) {
        parts = text.split(separator: "+").map { part in
            if part.hasPrefix("header:") { return .header(part.dropFirst("header:".count).lowercased()) }
            if part.hasPrefix("jwt:") { return .jwt(String(part.dropFirst("jwt:".count))) }
            return .ip
        }
    }

    /// True when building the key needs a verified JWT.
    var needsJWT: Bool {
        parts.contains { if case .jwt = $0 { return true } else { return false } }
    }

    /// Lower-case names of the request headers this key reads (`authorization` carries a JWT).
    var headerNames: [String] {
        var names: [String] = []
        for part in parts {
            switch part {
            case .ip: continue
            case .header(let name): names.append(name)
            case .jwt: names.append(Self.authorizationHeader)
            }
        }
        return names
    }

    /// The header a `jwt:` key reads its bearer token from.
    static let authorizationHeader = "authorization"

    /// Separates components of a combined key; a control character cannot occur in header values.
    static let separator = "\u{1F}"
    /// Marks a component that fell back to the client IP, so it never equals a header or claim value.
    static let fallbackMarker = "\u{1}ip:"

    /// The key for `request`. `claims` holds the verified token's claims (nil when there is no valid
    /// token); a missing header or claim falls back to the client IP so anonymous traffic is still limited
    /// per client rather than in one shared bucket.
    func key(for request: RateLimitRequest, claims: [String: String]?) -> String {
        if parts.count == 1 { return component(parts[0], request: request, claims: claims) }
        var key = ""
        for (index, part) in parts.enumerated() {
            if index > 0 { key += Self.separator }
            key += component(part, request: request, claims: claims)
        }
        return key
    }

    private func component(_ part: Part, request: RateLimitRequest, claims: [String: String]?) -> String {
        switch part {
        case .ip:
            return request.clientIP
        case .header(let name):
            if let value = request.header(name), !value.isEmpty { return value }
            return Self.fallbackMarker + request.clientIP
        case .jwt(let claim):
            if let value = claims?[claim], !value.isEmpty { return value }
            return Self.fallbackMarker + request.clientIP
        }
    }
}
