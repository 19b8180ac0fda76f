import Compose

extension RuleCatalog {
    /// Rules about what separates the container from the host.
    static let isolation: [AuditRule] = [
        AuditRule(
            id: "privileged", severity: .critical, title: "Privileged container",
            why: "A privileged container has every capability and all host devices: root in it is root on the host.",
            fix: "Remove `privileged: true`; add only the capabilities or devices the service needs.",
            references: ["KICS privileged_containers_enabled", "CIS 5.4"]
        ) { service, _ in
            service.privileged ? [.at(service, "privileged", "service '\(service.name)' runs privileged")] : []
        },
        hostNamespaceRule(id: "host-pid", key: "pid", title: "Host PID namespace shared",
            why: "With the host's PID namespace the container sees and can signal every host process.",
            references: ["KICS host_namespace_is_shared", "CIS 5.15"], severity: .high) { $0.pid },
        hostNamespaceRule(id: "host-ipc", key: "ipc", title: "Host IPC namespace shared",
            why: "With the host's IPC namespace the container can read and write host shared memory.",
            references: ["KICS shared_host_ipc_namespace", "KICS ipc_set_to_host", "CIS 5.16"], severity: .high) { $0.ipc },
        hostNamespaceRule(id: "host-network", key: "network_mode", title: "Host network namespace shared",
            why: "With host networking the container can bind any host port and reach services on the host's loopback.",
            references: ["KICS shared_host_network_namespace", "KICS network_mode_host_exists", "CIS 5.9"],
            severity: .high) { $0.networkMode },
        hostNamespaceRule(id: "host-userns", key: "userns_mode", title: "Host user namespace shared",
            why: "`userns_mode: host` turns off user-namespace remapping: root in the container is root on the host.",
            references: ["KICS shared_host_user_namespace", "KICS userns_set_to_host", "CIS 5.30"], severity: .high) {
            $0.usernsMode
        },
        hostNamespaceRule(id: "host-uts", key: "uts", title: "Host UTS namespace shared",
            why: "With the host's UTS namespace the container can change the host's hostname.",
            references: ["CIS 5.20"], severity: .medium) { $0.uts },
        AuditRule(
            id: "docker-socket", severity: .critical, title: "Container engine socket in the container",
            why: "Whoever reaches the Docker or Podman socket can start a privileged container: it is root on the host.",
            fix: "Remove the socket mount and `use_api_socket`; if a tool needs the API, put a filtering socket proxy between.",
            references: ["KICS docker_socket_mounted_in_container", "CIS 5.31"]
        ) { service, _ in
            var hits: [AuditRule.Hit] = []
            for mount in service.volumes {
                guard let source = mount.source else { continue }
                if engineSockets.contains(where: { source == $0 || source.hasSuffix("/" + $0) }) {
                    hits.append(AuditRule.Hit(location: mount.location, message: "service '\(service.name)' mounts the engine socket \(source)"))
                }
            }
            if service.useAPISocket {
                hits.append(.at(service, "use_api_socket", "service '\(service.name)' gets the engine API socket through use_api_socket"))
            }
            return hits
        },
        AuditRule(
            id: "sensitive-host-path", severity: .high, title: "Sensitive host directory mounted",
            why: "Mounting system directories lets the container read host secrets or change the host.",
            fix: "Mount only the application's own directory, read-only where possible, or use a named volume.",
            references: ["KICS volume_has_sensitive_host_directory", "CIS 5.5"]
        ) { service, _ in
            service.volumes.compactMap { mount in
                guard mount.type == .bind, let source = mount.source else { return nil }
                let path = source.count > 1 && source.hasSuffix("/") ? String(source.dropLast()) : source
                guard sensitiveHostPaths.contains(path) || path.hasPrefix("/proc/") || path.hasPrefix("/sys/")
                    || path.hasPrefix("/etc/") || path.hasPrefix("/boot/") || path.hasPrefix("/var/lib/docker")
                else { return nil }
                if engineSockets.contains(where: { path.hasSuffix($0) }) { return nil }
                return AuditRule.Hit(location: mount.location, message: "service '\(service.name)' mounts the host path \(source)")
            }
        },
        AuditRule(
            id: "mount-propagation-shared", severity: .medium, title: "Mount propagation shared",
            why: "Shared propagation lets mounts made in the container appear on the host.",
            fix: "Remove the `shared`/`rshared` propagation option.", references: ["CIS 5.19"]
        ) { service, _ in
            service.volumes.compactMap { mount in
                guard let propagation = mount.propagation, propagation.hasSuffix("shared") else { return nil }
                return AuditRule.Hit(location: mount.location, message: "service '\(service.name)' mounts \(mount.target) with \(propagation) propagation")
            }
        },
        AuditRule(
            id: "host-devices", severity: .medium, title: "Host devices exposed",
            why: "A host device gives the container direct access to hardware the host relies on.",
            fix: "Remove the device, or add it with only the `r`/`w` permissions the service needs.", references: ["CIS 5.17"]
        ) { service, _ in
            service.devices.isEmpty ? [] : [.at(service, "devices", "service '\(service.name)' gets host devices: \(service.devices.joined(separator: ", "))")]
        },
        AuditRule(
            id: "cap-add-dangerous", severity: .high, title: "Dangerous capability added",
            why: "SYS_ADMIN, NET_ADMIN, SYS_PTRACE and the like are close to privileged mode.",
            fix: "Remove the capability from `cap_add`; find the narrow one the service needs.",
            references: ["KICS check_cap_add_cap_drop", "CIS 5.3"]
        ) { service, _ in
            let added = service.capAdd.map(capability).filter(dangerousCapabilities.contains)
            return added.isEmpty ? [] : [.at(service, "cap_add", "service '\(service.name)' adds \(added.joined(separator: ", "))")]
        },
        AuditRule(
            id: "cap-drop-all", severity: .medium, title: "Capabilities not dropped",
            why: "Containers start with about 14 capabilities (CHOWN, NET_RAW, SETUID, …) most services never use.",
            fix: "Add `cap_drop: [ALL]` and add back only what the service needs with `cap_add`.",
            references: ["KICS container_capabilities_unrestricted", "CIS 5.3"]
        ) { service, _ in
            guard !service.privileged else { return [] }
            return service.capDrop.map(capability).contains("ALL") ? [] : [.at(service, "cap_drop", "service '\(service.name)' keeps the default capabilities")]
        },
        AuditRule(
            id: "no-new-privileges", severity: .medium, title: "no-new-privileges not set",
            why: "Without it a setuid binary in the image can give a process more privileges than its parent.",
            fix: "Add `security_opt: [\"no-new-privileges:true\"]`.",
            references: ["KICS no_new_privileges_not_set", "KICS security_opt_not_set", "CIS 5.25"]
        ) { service, _ in
            securityOptions(service).contains { $0 == "no-new-privileges" || $0 == "no-new-privileges:true" }
                ? [] : [.at(service, "security_opt", "service '\(service.name)' does not set no-new-privileges")]
        },
        securityOptionRule(id: "seccomp-unconfined", prefix: "seccomp:unconfined", title: "Seccomp profile disabled",
            why: "The default seccomp profile blocks about 44 dangerous system calls; unconfined allows them all.",
            references: ["KICS default_seccomp_profile_disabled", "KICS seccomp_disabled", "CIS 5.21"]),
        securityOptionRule(id: "apparmor-unconfined", prefix: "apparmor:unconfined", title: "AppArmor profile disabled",
            why: "The default AppArmor profile stops writes to /proc and /sys and mounts.", references: ["CIS 5.1"]),
        securityOptionRule(id: "selinux-disabled", prefix: "label:disable", title: "SELinux labelling disabled",
            why: "Without labels SELinux cannot keep the container away from host files.", references: ["CIS 5.2"]),
        AuditRule(
            id: "cgroup-parent", severity: .medium, title: "Cgroup not default",
            why: "A custom `cgroup_parent` or `cgroup: host` places the container outside the engine's resource control.",
            fix: "Remove `cgroup_parent` and `cgroup: host`.", references: ["KICS cgroup_not_default", "CIS 5.24"]
        ) { service, _ in
            var hits: [AuditRule.Hit] = []
            if let parent = service.cgroupParent, !parent.isEmpty { hits.append(.at(service, "cgroup_parent", "service '\(service.name)' sets cgroup_parent \(parent)")) }
            if service.cgroup == "host" { hits.append(.at(service, "cgroup", "service '\(service.name)' uses the host cgroup namespace")) }
            return hits
        },
    ]

    private static func hostNamespaceRule(
        id: String, key: String, title: String, why: String, references: [String], severity: Severity,
        value: @escaping @Sendable (ComposeService) -> String?
    ) -> AuditRule {
        AuditRule(id: id, severity: severity, title: title, why: why,
            fix: "Remove `\(key): host`; containers talk through compose networks and published ports.", references: references
        ) { service, _ in
            value(service) == "host" ? [.at(service, key, "service '\(service.name)' sets \(key): host")] : []
        }
    }

    private static func securityOptionRule(id: String, prefix: String, title: String, why: String, references: [String]) -> AuditRule {
        AuditRule(id: id, severity: .high, title: title, why: why,
            fix: "Remove `\(prefix)` from `security_opt`; write a custom profile if the default blocks something needed.",
            references: references
        ) { service, _ in
            securityOptions(service).contains { $0.hasPrefix(prefix) }
                ? [.at(service, "security_opt", "service '\(service.name)' sets \(prefix)")] : []
        }
    }
}
