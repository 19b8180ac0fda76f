/// Where the shared store lives, parsed from `redis://[:password@]host[:port][/db]`.
struct RedisAddress: Sendable, Hashable, CustomStringConvertible {
    /// Host name or IP literal (brackets removed).
    var host: String
    /// TCP port.
    var port: Int
    /// Database number selected after connecting.
    var database: Int
    /// Password sent with `AUTH`; never printed.
    var password: String?

    /// The port Redis listens on by default.
    static let defaultPort = 6379

    /// Parses a store URL; throws naming the URL without its password.
    init(url: String) throws(RateLimitError) {
        let scheme = "redis://"
        guard url.hasPrefix(scheme) else { throw .invalidStoreURL(Self.redacted(url)) }
        var rest = Substring(url.dropFirst(scheme.count))
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            let secret = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).last ?? ""
            password = secret.isEmpty ? nil : String(secret)
            rest = rest[rest.index(after: at)...]
        }
        var hostPart = rest
        var portNumber = Self.defaultPort
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()) else { throw .invalidStoreURL(Self.redacted(url)) }
                portNumber = value
            }
        } else if let colon = rest.lastIndex(of: ":") {
            hostPart = rest[..<colon]
            guard let value = Int(rest[rest.index(after: colon)...]) else { throw .invalidStoreURL(Self.redacted(url)) }
            portNumber = value
        }
        guard !hostPart.isEmpty, (1...Int(UInt16.max)).contains(portNumber) else {
            throw .invalidStoreURL(Self.redacted(url))
        }
        var databaseNumber = 0
        if !path.isEmpty {
            guard let value = Int(path), value >= 0 else { throw .invalidStoreURL(Self.redacted(url)) }
            databaseNumber = value
        }
        host = String(hostPart)
        port = portNumber
        database = databaseNumber
    }

    /// `host:port/db`, without credentials, for logs and errors.
    var description: String { "\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)" }

    /// The URL with any password replaced, safe to show.
    static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@") else { return url }
        return "redis://***" + url[at...]
    }
}
