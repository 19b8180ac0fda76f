/// A Docker Engine API version such as `1.41`, compared numerically (1.9 < 1.10).
public struct DockerAPIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The newest API version this client speaks.
    public static let clientMaximum = DockerAPIVersion(major: 1, minor: 45)
    /// The oldest API version this client supports (Docker 19.03, Podman 3).
    public static let clientMinimum = DockerAPIVersion(major: 1, minor: 40)

    /// The major part (always 1 so far).
    public let major: Int
    /// The minor part.
    public let minor: Int

    /// A version from its parts.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `"1.41"`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".")
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        self.init(major: major, minor: minor)
    }

    /// The version both sides speak: the server's, capped at the client's maximum.
    public static func negotiated(server: DockerAPIVersion) -> DockerAPIVersion {
        min(server, clientMaximum)
    }

    /// Orders numerically.
    public static func < (lhs: DockerAPIVersion, rhs: DockerAPIVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    /// `1.41`.
    public var description: String { "\(major).\(minor)" }
}
