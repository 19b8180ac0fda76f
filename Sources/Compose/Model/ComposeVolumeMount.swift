/// A mount of a service (`./data:/data:ro`, `db:/var/lib/postgresql/data` or the long syntax).
public struct ComposeVolumeMount: Sendable, Hashable {
    /// What is mounted.
    public enum MountType: String, Sendable {
        /// A host path.
        case bind
        /// A named or anonymous volume.
        case volume
        /// A memory file system.
        case tmpfs
        /// A Windows named pipe.
        case npipe
        /// The contents of an image.
        case image
        /// A cluster volume.
        case cluster
    }

    /// The mount type.
    public var type: MountType
    /// The host path or volume name; nil for anonymous volumes and tmpfs.
    public var source: String?
    /// The path inside the container.
    public var target: String
    /// True when mounted read-only.
    public var readOnly: Bool
    /// The bind propagation (`shared`, `rshared`, …), if set.
    public var propagation: String?
    /// Where the mount was written.
    public var location: SourceLocation

    /// A mount as parsed.
    public init(
        type: MountType, source: String?, target: String, readOnly: Bool = false, propagation: String? = nil,
        location: SourceLocation
    ) {
        self.type = type
        self.source = source
        self.target = target
        self.readOnly = readOnly
        self.propagation = propagation
        self.location = location
    }

    /// Parses the short syntax `[SOURCE:]TARGET[:MODE]`.
    public static func parseShort(_ text: String, at location: SourceLocation) -> ComposeVolumeMount {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2 else {
            return ComposeVolumeMount(type: .volume, source: nil, target: text, location: location)
        }
        let source = parts[0]
        let mode = parts.count > 2 ? parts[2].split(separator: ",").map(String.init) : []
        let isPath = source.hasPrefix("/") || source.hasPrefix(".") || source.hasPrefix("~") || source.hasPrefix("$")
        return ComposeVolumeMount(
            type: isPath ? .bind : .volume, source: source, target: parts[1], readOnly: mode.contains("ro"),
            propagation: mode.first { ["shared", "rshared", "slave", "rslave", "private", "rprivate"].contains($0) },
            location: location)
    }

    /// Parses one item of a service's `volumes:`.
    public static func parse(_ node: ComposeNode) throws(ComposeError) -> ComposeVolumeMount {
        if let text = node.string { return parseShort(text, at: node.location) }
        guard node.entries != nil else {
            throw ComposeError.invalid(node.location, "a volume must be \"SOURCE:TARGET[:MODE]\" or a mapping with type, source and target")
        }
        guard let target = node["target"]?.string else {
            throw ComposeError.invalid(node.location, "a long-syntax volume needs 'target'")
        }
        let typeName = node["type"]?.string ?? "volume"
        guard let type = MountType(rawValue: typeName) else {
            throw ComposeError.invalid(node.location, "'\(typeName)' is not a mount type; use bind, volume, tmpfs, image or npipe")
        }
        return ComposeVolumeMount(
            type: type, source: node["source"]?.string, target: target, readOnly: node["read_only"]?.bool ?? false,
            propagation: node["bind"]?["propagation"]?.string, location: node.location)
    }
}
