import Compose

/// What rules know about the whole project while checking one service.
public struct AuditContext: Sendable {
    /// The project.
    public let project: ComposeProject
    /// Services that mount each named volume or host path (for shared-volume checks).
    let mountUsers: [String: [String]]

    /// A context for `project`.
    public init(project: ComposeProject) {
        self.project = project
        var users: [String: [String]] = [:]
        for service in project.services.values {
            for mount in service.volumes where mount.type != .tmpfs {
                guard let source = mount.source, !source.isEmpty else { continue }
                users[source, default: []].append(service.name)
            }
        }
        mountUsers = users
    }

    /// True when every network the service is on is `internal: true`.
    func isOnlyOnInternalNetworks(_ service: ComposeService) -> Bool {
        if service.networkMode != nil { return false }
        guard !service.networks.isEmpty else { return false }
        return service.networks.allSatisfy { project.networks[$0]?.isInternal == true }
    }

    /// True when `service` will report healthy (has an enabled healthcheck).
    func hasHealthcheck(_ name: String) -> Bool {
        guard let service = project.services[name], let check = service.healthcheck else { return false }
        return !check.disabled && !check.test.isEmpty
    }
}
