import ShipshapeCore

/// Why rate limiting could not be set up or a shared-store command failed.
public enum RateLimitError: UserFacingError, Equatable {
    /// `rate_limit_store` is not a usable `redis://` URL.
    case invalidStoreURL(String)
    /// A JWT key file could not be read or parsed.
    case invalidJWTKey(file: String, reason: String)
    /// The Redis server could not be reached or dropped the connection.
    case storeUnreachable(address: String, reason: String)
    /// A Redis command took longer than the command timeout.
    case storeTimeout(address: String, milliseconds: Int64)
    /// Redis answered with an error.
    case storeError(String)
    /// Redis answered with something the client did not expect.
    case protocolViolation(String)

    public var userMessage: String {
        switch self {
        case .invalidStoreURL(let url):
            return "rate_limit_store '\(url)' is not a Redis URL. Use redis://host:6379/0 (database number optional), "
                + "or memory for limits local to this process."
        case .invalidJWTKey(let file, let reason):
            return "The JWT key file '\(file)' could not be used: \(reason). Point gateway.jwt at a readable HS256 "
                + "secret file, an RS256/ES256 PEM public key, or a JWKS JSON document."
        case .storeUnreachable(let address, let reason):
            return "The shared rate limit store at \(address) is unreachable (\(reason)). Check that Redis is running "
                + "and reachable; meanwhile requests use local limits (rate_limit_failure: open) or get 503 (closed)."
        case .storeTimeout(let address, let milliseconds):
            return "The shared rate limit store at \(address) did not answer within \(milliseconds) ms. Check the "
                + "Redis server's load and latency; requests fall back as rate_limit_failure says."
        case .storeError(let message):
            return "Redis rejected a rate limit command: \(message). Check the server's logs and its configuration "
                + "(scripting must be enabled)."
        case .protocolViolation(let detail):
            return "The shared rate limit store sent an unexpected reply (\(detail)). Make sure rate_limit_store "
                + "points at a Redis server (version 5 or later)."
        }
    }
}
