import Compose
import DockerEngine
import Foundation

/// Names and paths as compose resolves them for a project: host paths relative to the project directory,
/// named volumes and networks prefixed `<project>_` unless external or renamed with `name:`.
struct ComposePathResolver: Sendable {
    /// Secrets and configs are both files bound read-only into the container; they differ in where.
    enum FileReferenceKind: String {
        case secret
        case config
    }

    /// The volume and tmpfs parts of a service's `volumes:`.
    struct Mounts {
        /// `source:target[:ro]` for bind mounts and named volumes.
        var binds: [String] = []
        /// Typed mounts (anonymous volumes).
        var mounts: [ContainerSpec.Mount] = []
        /// tmpfs mounts, path to options.
        var tmpfs: [String: String] = [:]
        /// The named volumes used that are not external.
        var namedVolumes: [ComposeContainerTemplate.Volume] = []
    }

    let project: String
    let compose: ComposeProject

    /// A host path from the compose file: `~` is the home directory, relative paths start at the project
    /// directory (the first compose file's).
    func hostPath(_ written: String) -> String {
        var path = written
        if path == "~" || path.hasPrefix("~/") {
            path = (ProcessInfo.processInfo.environment["HOME"] ?? "/root") + path.dropFirst()
        }
        if !path.hasPrefix("/") {
            let base = compose.projectDirectory.hasPrefix("/")
                ? compose.projectDirectory
                : FileManager.default.currentDirectoryPath + "/" + compose.projectDirectory
            path = base + "/" + path
        }
        return URL(fileURLWithPath: path).standardized.path
    }

    /// The engine name of a top-level volume or network: its `name:`, else the name itself when external,
    /// else `<project>_<name>`.
    func engineName(_ name: String, in resources: [String: ComposeResource]) -> String {
        let resource = resources[name]
        if let explicit = resource?.node["name"]?.string { return explicit }
        return resource?.isExternal == true ? name : "\(project)_\(name)"
    }

    /// The service's `volumes:`: binds get absolute host paths (a missing directory is created, as the
    /// Docker engine does for binds and Podman does not), named volumes their engine names.
    func mounts(of service: ComposeService) throws(DeployError) -> Mounts {
        var result = Mounts()
        for mount in service.volumes {
            let mode = mount.readOnly ? ":ro" : ""
            switch mount.type {
            case .bind:
                guard let source = mount.source else { continue }
                let path = hostPath(source)
                if !FileManager.default.fileExists(atPath: path) {
                    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                }
                result.binds.append("\(path):\(mount.target)\(mode)")
            case .volume:
                guard let source = mount.source, !source.isEmpty else {
                    // Anonymous: a fresh volume per container, as compose gives each new container.
                    result.mounts.append(.init(kind: .volume, source: "", target: mount.target))
                    continue
                }
                let name = engineName(source, in: compose.volumes)
                let volume = ComposeContainerTemplate.Volume(name: name, composeName: source)
                if !result.namedVolumes.contains(volume), compose.volumes[source]?.isExternal != true {
                    result.namedVolumes.append(volume)
                }
                result.binds.append("\(name):\(mount.target)\(mode)")
            case .tmpfs:
                result.tmpfs[mount.target] = ""
            case .npipe, .image, .cluster:
                throw DeployError(
                    kind: .invalidRequest,
                    userMessage: """
                        The compose service '\(service.name)' mounts \(mount.target) as type \
                        '\(mount.type.rawValue)', which the docker runtime does not create. Use a bind or named \
                        volume (\(mount.location)).
                        """)
            }
        }
        return result
    }

    /// `secrets:` or `configs:` entries as read-only binds of their files: secrets at
    /// `/run/secrets/<target or name>`, configs at `/<target or name>` (compose's defaults). Only file-based
    /// ones can be bound; anything else is refused with what to do.
    func fileReferences(_ references: [ComposeReference], kind: FileReferenceKind, service: String)
        throws(DeployError) -> [String]
    {
        let defined = kind == .secret ? compose.secrets : compose.configs
        return try references.map { reference throws(DeployError) in
            guard let resource = defined[reference.source], let file = resource.file else {
                throw DeployError(
                    kind: .invalidRequest,
                    userMessage: """
                        The compose service '\(service)' uses the \(kind.rawValue) '\(reference.source)', which is \
                        not a top-level \(kind.rawValue) with `file:` (external and environment \(kind.rawValue)s \
                        cannot be bound into a container by the docker runtime). Define it as `file: PATH` \
                        (\(reference.location)).
                        """)
            }
            let target = reference.target ?? reference.source
            let inside =
                target.hasPrefix("/")
                ? target
                : (kind == .secret ? "\(ComposeContainerTemplate.secretsDirectory)/\(target)" : "/\(target)")
            return "\(hostPath(file)):\(inside):ro"
        }
    }

    /// The service's networks (compose's `default` network when none is named), each with the service name
    /// and its `aliases:` as DNS names, so the other services keep reaching it by name.
    func networks(of service: ComposeService) -> [ComposeContainerTemplate.Network] {
        let names = service.networks.isEmpty ? ["default"] : service.networks
        return names.map { name in
            let written = service.node["networks"]?[name]?["aliases"]?.strings ?? []
            var aliases = [service.name]
            for alias in written where !aliases.contains(alias) { aliases.append(alias) }
            return .init(
                name: engineName(name, in: compose.networks),
                isInternal: compose.networks[name]?.isInternal ?? false,
                isExternal: compose.networks[name]?.isExternal ?? false, aliases: aliases, composeName: name)
        }
    }
}
