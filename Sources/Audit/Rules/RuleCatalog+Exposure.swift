import Compose

extension RuleCatalog {
    /// The first unprivileged port.
    static let firstUnprivilegedPort = 1024

    /// Rules about what the network can reach.
    static let exposure: [AuditRule] = [
        AuditRule(
            id: "port-all-interfaces", severity: .medium, title: "Port published on every interface",
            why: "A port without a host address listens on every interface and bypasses host firewalls (iptables rules from the engine come first).",
            fix: "Bind to an address: `127.0.0.1:8000:8000` behind the gateway, or the public address for the gateway itself.",
            references: ["KICS container_traffic_not_bound_to_host_interface", "CIS 5.13"]
        ) { service, _ in
            service.ports.compactMap { port in
                guard port.hostIP == nil || port.hostIP == "0.0.0.0" || port.hostIP == "::" else { return nil }
                return AuditRule.Hit(location: port.location, message: "service '\(service.name)' publishes \(port.shortSyntax) on every interface")
            }
        },
        AuditRule(
            id: "privileged-port", severity: .low, title: "Privileged host port",
            why: "Host ports below 1024 need extra privileges; only the gateway should hold 80 and 443.",
            fix: "Publish a port of 1024 or more, or let the gateway hold 80/443.",
            references: ["KICS privileged_ports_mapped_in_container", "CIS 5.7"]
        ) { service, _ in
            service.ports.compactMap { port in
                guard let number = port.publishedNumber, number < firstUnprivilegedPort, ImageKind.of(service) != .gateway else { return nil }
                return AuditRule.Hit(location: port.location, message: "service '\(service.name)' publishes host port \(number)")
            }
        },
        AuditRule(
            id: "networks-not-set", severity: .low, title: "Default network only",
            why: "On the default network every service reaches every other; separate networks limit what a compromised service can reach.",
            fix: "Put services on named networks (frontend, backend, database).", references: ["KICS networks_not_set", "CIS 5.29"]
        ) { service, context in
            guard context.project.services.count > 1, service.networks.isEmpty, service.networkMode == nil else { return [] }
            return [.at(service, "networks", "service '\(service.name)' is only on the default network")]
        },
        AuditRule(
            id: "shared-volume", severity: .low, title: "Volume shared between services",
            why: "A writable volume mounted by several services lets one corrupt or read the other's data.",
            fix: "Give each service its own volume; share read-only where one service only reads.",
            references: ["KICS shared_volumes_between_containers", "KICS volume_mounted_in_multiple_containers"]
        ) { service, context in
            service.volumes.compactMap { mount in
                guard mount.type != .tmpfs, !mount.readOnly, let source = mount.source,
                    let users = context.mountUsers[source], users.count > 1 else { return nil }
                let others = users.filter { $0 != service.name }.sorted()
                guard !others.isEmpty else { return nil }
                return AuditRule.Hit(location: mount.location, message: "service '\(service.name)' shares \(source) with \(others.joined(separator: ", "))")
            }
        },
        AuditRule(
            id: "database-published", severity: .high, title: "Database or cache published on the host",
            why: "Databases and caches are scanned for on the internet within minutes; they should only be reachable from the app.",
            fix: "Remove their `ports:`; reach them from the app over a compose network (and with `docker compose exec` for admin).",
            references: []
        ) { service, _ in
            guard ImageKind.of(service).isDataStore else { return [] }
            return service.ports.compactMap { port in
                guard !port.isLoopbackOnly else { return nil }
                return AuditRule.Hit(location: port.location, message: "\(service.imageName) service '\(service.name)' publishes \(port.shortSyntax) on the host")
            }
        },
        AuditRule(
            id: "database-not-internal", severity: .medium, title: "Database not on an internal network",
            why: "A database on a network with outside access can exfiltrate data and be reached by every service.",
            fix: "Put the database only on a network with `internal: true` that the app joins too.", references: []
        ) { service, context in
            guard ImageKind.of(service).isDataStore, !context.isOnlyOnInternalNetworks(service) else { return [] }
            return [.at(service, "networks", "\(service.imageName) service '\(service.name)' is not only on internal networks")]
        },
        AuditRule(
            id: "depends-on-unhealthy", severity: .low, title: "depends_on without service_healthy",
            why: "`service_started` only waits for the container to start: the app boots before the database accepts connections.",
            fix: "Use `depends_on: {db: {condition: service_healthy}}` and give the dependency a healthcheck.", references: []
        ) { service, _ in
            service.dependsOn.compactMap { dependency in
                guard dependency.condition == ComposeDependency.defaultCondition else { return nil }
                return AuditRule.Hit(location: dependency.location, message: "service '\(service.name)' starts when '\(dependency.service)' starts, not when it is healthy")
            }
        },
        AuditRule(
            id: "exposed-without-gateway", severity: .medium, title: "Service exposed without the gateway",
            why: "A service published directly skips the gateway's TLS, rate limits, security headers and access log.",
            fix: "Publish only the gateway; bind the service to 127.0.0.1 and route to it from shipshape.yml.", references: []
        ) { service, _ in
            guard ImageKind.of(service) == .application else { return [] }
            return service.ports.compactMap { port in
                guard !port.isLoopbackOnly else { return nil }
                return AuditRule.Hit(location: port.location, message: "service '\(service.name)' is published on \(port.shortSyntax) without the gateway")
            }
        },
    ]
}
