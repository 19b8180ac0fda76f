/// A top-level network, volume, secret or config.
public struct ComposeResource: Sendable {
    /// Its name in the compose file.
    public var name: String
    /// The whole definition, for keys the model does not name.
    public var node: ComposeNode
    /// Where it was defined.
    public var location: SourceLocation { node.location }

    /// `external: true`.
    public var isExternal: Bool { node["external"]?.bool == true }
    /// `internal: true` (networks).
    public var isInternal: Bool { node["internal"]?.bool == true }
    /// `file:` (secrets and configs).
    public var file: String? { node["file"]?.string }
    /// `environment:` (secrets).
    public var environment: String? { node["environment"]?.string }
    /// `driver:`.
    public var driver: String? { node["driver"]?.string }
}
