/// A compose project: the merged result of its files, ready for audit and deploy.
public struct ComposeProject: Sendable {
    /// `name:`, or the directory name of the first file.
    public var name: String
    /// The files merged, in order.
    public var files: [String]
    /// The directory relative paths are resolved against (the first file's directory).
    public var projectDirectory: String
    /// The services enabled by the active profiles, by name.
    public var services: [String: ComposeService]
    /// Top-level `networks:`.
    public var networks: [String: ComposeResource]
    /// Top-level `volumes:`.
    public var volumes: [String: ComposeResource]
    /// Top-level `secrets:`.
    public var secrets: [String: ComposeResource]
    /// Top-level `configs:`.
    public var configs: [String: ComposeResource]
    /// The merged document, for keys the model does not name.
    public var node: ComposeNode
    /// Variables used but not set (compose substitutes an empty string).
    public var unsetVariables: Set<String>

    /// The service names in a stable order.
    public var serviceNames: [String] { services.keys.sorted() }
}
