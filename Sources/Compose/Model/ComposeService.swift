/// One service of a compose project, after merging, `extends` and interpolation.
public struct ComposeService: Sendable {
    /// The service name.
    public var name: String
    /// The merged definition, for keys the model does not name and for locations.
    public var node: ComposeNode
    /// Where the service was (first) defined: the line of its name.
    public var location: SourceLocation


    /// `image:`.
    public var image: String?
    /// `build:` context (a string or `build.context`).
    public var buildContext: String?
    /// `build.dockerfile`.
    public var dockerfile: String?
    /// `command:`.
    public var command: ComposeCommand?
    /// `entrypoint:`.
    public var entrypoint: ComposeCommand?
    /// `environment:`, in written order.
    public var environment: [ComposeEnvironmentVariable] = []
    /// `env_file:` paths.
    public var envFiles: [String] = []
    /// `secrets:`.
    public var secrets: [ComposeReference] = []
    /// `configs:`.
    public var configs: [ComposeReference] = []
    /// `volumes:`.
    public var volumes: [ComposeVolumeMount] = []
    /// `networks:` names; empty means the default network.
    public var networks: [String] = []
    /// `ports:`.
    public var ports: [ComposePort] = []
    /// `expose:`.
    public var expose: [String] = []
    /// `labels:`.
    public var labels: [String: String] = [:]
    /// `user:`.
    public var user: String?
    /// `read_only:`.
    public var readOnly = false
    /// `tmpfs:` paths.
    public var tmpfs: [String] = []
    /// `cap_add:`.
    public var capAdd: [String] = []
    /// `cap_drop:`.
    public var capDrop: [String] = []
    /// `security_opt:`.
    public var securityOpt: [String] = []
    /// `privileged:`.
    public var privileged = false
    /// `pid:`.
    public var pid: String?
    /// `ipc:`.
    public var ipc: String?
    /// `network_mode:`.
    public var networkMode: String?
    /// `userns_mode:`.
    public var usernsMode: String?
    /// `uts:`.
    public var uts: String?
    /// `cgroup_parent:`.
    public var cgroupParent: String?
    /// `cgroup:` (`host` or `private`).
    public var cgroup: String?
    /// `devices:`, as written.
    public var devices: [String] = []
    /// `healthcheck:`.
    public var healthcheck: ComposeHealthcheck?
    /// `restart:`.
    public var restart: String?
    /// `deploy.restart_policy.condition`.
    public var restartPolicyCondition: String?
    /// `deploy.restart_policy.max_attempts`.
    public var restartPolicyMaxAttempts: Int?
    /// `depends_on:`, normalized to the long syntax.
    public var dependsOn: [ComposeDependency] = []
    /// `logging:`.
    public var logging: ComposeLogging?
    /// Limits and reservations from `deploy.resources` and the legacy keys.
    public var resources = ComposeResources()
    /// `profiles:`.
    public var profiles: [String] = []
    /// `use_api_socket:` (gives the container the engine's API socket).
    public var useAPISocket = false
    /// `x-shipshape-ignore:` suppressions.
    public var suppressions: [ComposeSuppression] = []

    /// Where `key` was written in this service, or the service itself.
    public func location(of key: String) -> SourceLocation {
        node.keyLocation(of: key) ?? location
    }

    /// The image name without registry path and tag, lowercased (`postgres`, `redis`, `bitnami/redis` → `redis`).
    public var imageName: String {
        guard let image else { return "" }
        var reference = Substring(image.lowercased())
        if let at = reference.firstIndex(of: "@") { reference = reference[..<at] }
        if let slash = reference.lastIndex(of: "/") { reference = reference[reference.index(after: slash)...] }
        if let colon = reference.firstIndex(of: ":") { reference = reference[..<colon] }
        return String(reference)
    }

    /// The tag of the image, nil when none is written.
    public var imageTag: String? {
        guard let image else { return nil }
        var reference = Substring(image)
        if let at = reference.firstIndex(of: "@") { reference = reference[..<at] }
        let lastComponent = reference.split(separator: "/").last ?? reference
        guard let colon = lastComponent.firstIndex(of: ":") else { return nil }
        return String(lastComponent[lastComponent.index(after: colon)...])
    }

    /// True when the image is pinned by digest.
    public var imageHasDigest: Bool { image?.contains("@sha256:") == true }
}
