import Foundation

/// Where the Docker Engine listens, as `DOCKER_HOST` describes it.
public enum DockerHost: Sendable, Hashable, CustomStringConvertible {
    /// The socket used when `DOCKER_HOST` is unset.
    public static let defaultSocketPath = "/var/run/docker.sock"
    /// The port Docker uses for plain TCP when `tcp://host` names none.
    public static let defaultPlainPort = 2375
    /// The port Docker uses for TLS when `tcp://host` names none.
    public static let defaultTLSPort = 2376

    /// A unix socket at a path.
    case unix(path: String)
    /// Plain HTTP over TCP.
    case tcp(host: String, port: Int)
    /// HTTPS over TCP with client certificates from a directory (`ca.pem`, `cert.pem`, `key.pem`).
    case tls(host: String, port: Int, certificatePath: String?, verify: Bool)

    /// Reads `DOCKER_HOST`, `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH` from `environment`.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(DockerEngineError) -> DockerHost {
        guard let text = environment["DOCKER_HOST"], !text.isEmpty else { return .unix(path: defaultSocketPath) }
        let verify = !(environment["DOCKER_TLS_VERIFY"] ?? "").isEmpty && environment["DOCKER_TLS_VERIFY"] != "0"
        let certificatePath = environment["DOCKER_CERT_PATH"].flatMap { $0.isEmpty ? nil : $0 }
        return try parse(text, tlsVerify: verify, certificatePath: certificatePath)
    }

    /// Parses a `DOCKER_HOST` value; TLS is used when `tlsVerify` is set or a certificate directory is given.
    public static func parse(
        _ text: String, tlsVerify: Bool = false, certificatePath: String? = nil
    ) throws(DockerEngineError) -> DockerHost {
        if text.hasPrefix("unix://") {
            let path = String(text.dropFirst("unix://".count))
            guard path.hasPrefix("/") else {
                throw .invalidHost(text, reason: "a unix socket needs an absolute path (unix:///run/docker.sock)")
            }
            return .unix(path: path)
        }
        if text.hasPrefix("/") { return .unix(path: text) }
        let useTLS = tlsVerify || certificatePath != nil
        let remainder: Substring
        if text.hasPrefix("tcp://") {
            remainder = text.dropFirst("tcp://".count)
        } else if text.hasPrefix("https://") {
            remainder = text.dropFirst("https://".count)
        } else if text.hasPrefix("http://") {
            remainder = text.dropFirst("http://".count)
        } else {
            throw .invalidHost(text, reason: "only unix:// and tcp:// hosts are supported (ssh:// is not)")
        }
        let authority = remainder.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let (host, port) = try splitAuthority(
            String(authority), text: text,
            defaultPort: useTLS || text.hasPrefix("https://")
                ? defaultTLSPort : defaultPlainPort)
        if useTLS || text.hasPrefix("https://") {
            return .tls(host: host, port: port, certificatePath: certificatePath, verify: tlsVerify)
        }
        return .tcp(host: host, port: port)
    }

    private static func splitAuthority(
        _ authority: String, text: String, defaultPort: Int
    ) throws(DockerEngineError) -> (String, Int) {
        var host = authority
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw .invalidHost(text, reason: "an IPv6 address needs a closing ']'")
            }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let rest = authority[authority.index(after: close)...]
            if rest.hasPrefix(":") { portText = rest.dropFirst() }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty else { throw .invalidHost(text, reason: "the host name is missing") }
        guard let portText else { return (host, defaultPort) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw .invalidHost(text, reason: "'\(portText)' is not a port between 1 and 65535")
        }
        return (host, port)
    }

    /// The base URL requests are sent to (AsyncHTTPClient's `http+unix://` form for sockets).
    var baseURL: String {
        switch self {
        case .unix(let path):
            let encoded = path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? path
            return "http+unix://\(encoded)"
        case .tcp(let host, let port):
            return "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        case .tls(let host, let port, _, _):
            return "https://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        }
    }

    /// The host as a user would write it in `DOCKER_HOST`.
    public var description: String {
        switch self {
        case .unix(let path): "unix://\(path)"
        case .tcp(let host, let port): "tcp://\(host):\(port)"
        case .tls(let host, let port, _, _): "tcp://\(host):\(port) (TLS)"
        }
    }
}
