import ShipshapeCore

/// Why a certificate could not be obtained through ACME.
enum ACMEError: UserFacingError {
    /// The ACME server could not be reached (network, TLS trust, DNS).
    case unreachable(String, String)
    /// The server refused a request or a validation failed.
    case rejected(String)
    /// The server answered something RFC 8555 does not allow.
    case protocolViolation(String)
    /// The cache directory could not be written.
    case cacheUnwritable(String)

    var userMessage: String {
        switch self {
        case .unreachable(let url, let reason):
            "cannot reach the ACME server at \(url): \(reason); check tls.acme.directory, the network, and tls.acme.ca_file for a private CA"
        case .rejected(let reason):
            "the ACME server refused: \(reason); check that every domain in tls.acme.domains resolves to this gateway and that port 80 reaches gateway.http"
        case .protocolViolation(let reason):
            "unexpected answer from the ACME server: \(reason)"
        case .cacheUnwritable(let path):
            "cannot write \(path); check that the ACME cache directory (tls.acme.cache) is writable by the gateway's user"
        }
    }
}
