import Compose

extension Hardener {
    /// What harden has decided so far across services.
    struct State {
        let project: ComposeProject
        var assignNetworks = false
        var networks: Set<String> = []
        var willBeHealthy: Set<String> = []
        var secrets: [(name: String, file: String)] = []
        var secretFiles: [String: String] = [:]
        var changes: [HardenChange] = []

        init(project: ComposeProject) {
            self.project = project
        }

        /// The networks of `service` in the frontend/backend/database layout.
        /// `gatewayReached`: the Shipshape gateway on the host proxies to it (a service with a `port:` in
        /// shipshape.yml), which an internal network would cut off just as it cuts off a published port.
        mutating func networks(for service: ComposeService, gatewayReached: Bool) -> [String] {
            let kind = ImageKind.of(service)
            let hasDataStores = project.services.values.contains { ImageKind.of($0).isDataStore }
            var result: [String]
            if kind.isDataStore {
                result = ["database"]
            } else if kind == .gateway {
                result = ["frontend", "backend"]
            } else {
                result = service.ports.isEmpty && !gatewayReached ? ["backend"] : ["frontend", "backend"]
                if hasDataStores { result.append("database") }
            }
            networks.formUnion(result)
            return result
        }
    }

    /// The override of one service being built.
    struct ServiceEdit {
        var entries: [(key: String, value: YAMLValue, comment: String?)] = []
        var changes: [(rule: String, text: String)] = []
        var limits: [(key: String, value: YAMLValue, comment: String?)] = []
        var reservations: [(key: String, value: YAMLValue, comment: String?)] = []
        var portsDone = false
        var networksDone = false
        var secretsMoved: Bool?

        mutating func set(_ key: String, _ value: YAMLValue, rule: String, _ comment: String?) {
            entries.removeAll { $0.key == key }
            entries.append((key, value, comment))
            if let comment { note(rule, comment.hasPrefix("harden: ") ? String(comment.dropFirst("harden: ".count)) : comment) }
        }

        mutating func note(_ rule: String, _ text: String) {
            changes.append((rule, text))
        }

        mutating func resource(_ group: String, _ key: String, _ value: YAMLValue) {
            if group == "limits" { limits.append((key, value, nil)) } else { reservations.append((key, value, nil)) }
            var resources: [(key: String, value: YAMLValue, comment: String?)] = []
            if !limits.isEmpty { resources.append(("limits", .map(limits), nil)) }
            if !reservations.isEmpty { resources.append(("reservations", .map(reservations), nil)) }
            entries.removeAll { $0.key == "deploy" }
            entries.append(("deploy", .map([("resources", .map(resources), nil)]),
                "harden: resource limits and reservations: one service cannot starve the others"))
        }
    }
}
