/// Where the shared store lives, parsed from `redis://[:password@]host[:port][/db]`.
public struct RedisAddress: Sendable, Hashable, CustomStringConvertible {
    /// Host name or IP literal (brackets removed).
    public var host: String
    /// TCP port.
    public var port: Int
    /// Database number selected after connecting.
    public var database: Int
    /// Password sent with `AUTH`; never printed.
    public var password: String?

    /// The port Redis listens on by default.
    static let defaultPort = 6379

    /// A text that is not a Redis URL, shown without its password.
    public struct Invalid: Error, Equatable {
        /// The URL with any password replaced.
        public var redactedURL: String
    }

    /// Parses a store URL; throws naming the URL without its password.
    public init(url: String) throws(Invalid) {
        let scheme = "redis://"
        guard url.hasPrefix(scheme) else { throw Invalid(redactedURL: Self.redacted(url)) }
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
                guard let value = Int(after.dropFirst()) else { throw Invalid(redactedURL: Self.redacted(url)) }
                portNumber = value
            }
        } else if let colon = rest.lastIndex(of: ":") {
            hostPart = rest[..<colon]
            guard let value = Int(rest[rest.index(after: colon)...]) else { throw Invalid(redactedURL: Self.redacted(url)) }
            portNumber = value
        }
        guard !hostPart.isEmpty, (1...Int(UInt16.max)).contains(portNumber) else {
            throw Invalid(redactedURL: Self.redacted(url))
        }
        var databaseNumber = 0
        if !path.isEmpty {
            guard let value = Int(path), value >= 0 else { throw Invalid(redactedURL: Self.redacted(url)) }
            databaseNumber = value
        }
        host = String(hostPart)
        port = portNumber
        database = databaseNumber
    }

    /// `host:port/db`, without credentials, for logs and errors.
    public var description: String { "\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)" }

    /// The URL with any password replaced, safe to show.
    public static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@") else { return url }
        return "redis://***" + url[at...]
    }
}
