/// A published or exposed port of a service (`"127.0.0.1:8080:80/tcp"` or the long syntax).
public struct ComposePort: Sendable, Hashable {
    /// The host interface the port is bound to; nil means every interface.
    public var hostIP: String?
    /// The host port or range; nil when the engine picks one.
    public var published: String?
    /// The container port or range.
    public var target: String
    /// `tcp` or `udp`.
    public var protocolName: String
    /// Where the port was written.
    public var location: SourceLocation

    /// A port as parsed.
    public init(hostIP: String?, published: String?, target: String, protocolName: String = "tcp", location: SourceLocation) {
        self.hostIP = hostIP
        self.published = published
        self.target = target
        self.protocolName = protocolName
        self.location = location
    }

    /// True when the host side is only reachable from the host itself.
    public var isLoopbackOnly: Bool {
        guard let hostIP else { return false }
        return hostIP.hasPrefix("127.") || hostIP == "::1" || hostIP == "[::1]" || hostIP == "localhost"
    }

    /// The first host port number, when one is fixed.
    public var publishedNumber: Int? {
        published.flatMap { Int($0.split(separator: "-").first ?? "") }
    }

    /// The first container port number.
    public var targetNumber: Int? { Int(target.split(separator: "-").first ?? "") }

    /// The short syntax, as compose writes it back.
    public var shortSyntax: String {
        var text = ""
        if let hostIP { text += (hostIP.contains(":") && !hostIP.hasPrefix("[") ? "[\(hostIP)]" : hostIP) + ":" }
        if let published { text += published + ":" } else if hostIP != nil { text += ":" }
        text += target
        if protocolName != "tcp" { text += "/" + protocolName }
        return text
    }

    /// Parses one item of `ports:`.
    public static func parse(_ node: ComposeNode) throws(ComposeError) -> ComposePort {
        if node.entries != nil {
            guard let target = node["target"]?.string else {
                throw ComposeError.invalid(node.location, "a long-syntax port needs 'target'")
            }
            return ComposePort(
                hostIP: node["host_ip"]?.string, published: node["published"]?.string, target: target,
                protocolName: node["protocol"]?.string ?? "tcp", location: node.location)
        }
        guard let text = node.string, !text.isEmpty else {
            throw ComposeError.invalid(node.location, "a port must be a string such as \"127.0.0.1:8080:80\"")
        }
        var body = Substring(text)
        var protocolName = "tcp"
        if let slash = body.lastIndex(of: "/") {
            protocolName = String(body[body.index(after: slash)...])
            body = body[..<slash]
        }
        var hostIP: String?
        if body.hasPrefix("["), let close = body.firstIndex(of: "]") {
            hostIP = String(body[body.index(after: body.startIndex)..<close])
            body = body[body.index(after: close)...].drop { $0 == ":" }
            let parts = body.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            return ComposePort(
                hostIP: hostIP, published: parts.count > 1 && !parts[0].isEmpty ? parts[0] : nil,
                target: parts.last ?? "", protocolName: protocolName, location: node.location)
        }
        let parts = body.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1:
            return ComposePort(hostIP: nil, published: nil, target: parts[0], protocolName: protocolName, location: node.location)
        case 2:
            return ComposePort(
                hostIP: nil, published: parts[0].isEmpty ? nil : parts[0], target: parts[1],
                protocolName: protocolName, location: node.location)
        case 3:
            return ComposePort(
                hostIP: parts[0], published: parts[1].isEmpty ? nil : parts[1], target: parts[2],
                protocolName: protocolName, location: node.location)
        default:
            throw ComposeError.invalid(node.location, "'\(text)' is not a port; write [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]")
        }
    }
}
