import ShipshapeCore

extension ComposeService {
    /// Every key the Compose Specification allows in a service (extension keys `x-…` are always allowed).
    static let knownKeys: Set<String> = [
        "annotations", "attach", "blkio_config", "build", "cap_add", "cap_drop", "cgroup", "cgroup_parent",
        "command", "configs", "container_name", "cpu_count", "cpu_percent", "cpu_period", "cpu_quota",
        "cpu_rt_period", "cpu_rt_runtime", "cpu_shares", "cpus", "cpuset", "credential_spec", "depends_on",
        "deploy", "develop", "device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "domainname",
        "driver_opts", "entrypoint", "env_file", "environment", "expose", "extends", "external_links",
        "extra_hosts", "gpus", "group_add", "healthcheck", "hostname", "image", "init", "ipc", "isolation",
        "label_file", "labels", "links", "logging", "mac_address", "mem_limit", "mem_reservation", "mem_swappiness",
        "memswap_limit", "models", "network_mode", "networks", "oom_kill_disable", "oom_score_adj", "pid",
        "pids_limit", "platform", "ports", "post_start", "pre_stop", "privileged", "profiles", "provider",
        "pull_policy", "read_only", "restart", "runtime", "scale", "secrets", "security_opt", "shm_size",
        "stdin_open", "stop_grace_period", "stop_signal", "storage_opt", "sysctls", "tmpfs", "tty", "ulimits",
        "use_api_socket", "user", "userns_mode", "uts", "volumes", "volumes_from", "working_dir",
    ]

    /// Reads a merged service definition.
    static func decode(name: String, node: ComposeNode, at location: SourceLocation) throws(ComposeError) -> ComposeService {
        guard let entries = node.entries else {
            throw ComposeError.invalid(node.location, "service '\(name)' must be a mapping of keys to values")
        }
        for entry in entries where !entry.key.hasPrefix("x-") && !knownKeys.contains(entry.key) {
            var message = "service '\(name)' has an unknown key '\(entry.key)'"
            if let suggestion = Suggestion.closest(to: entry.key, among: Array(knownKeys)) {
                message += "; did you mean '\(suggestion)'?"
            }
            throw ComposeError.invalid(entry.value.location, message)
        }
        var service = ComposeService(name: name, node: node, location: location)
        service.image = node["image"]?.string
        if let build = node["build"] {
            service.buildContext = build.string ?? build["context"]?.string ?? (build.entries != nil ? "." : nil)
            service.dockerfile = build["dockerfile"]?.string
        }
        service.command = node["command"].flatMap(ComposeCommand.parse)
        service.entrypoint = node["entrypoint"].flatMap(ComposeCommand.parse)
        for entry in node["environment"]?.entries ?? [] {
            service.environment.append(
                ComposeEnvironmentVariable(
                    name: entry.key, value: entry.value.string, written: entry.value.written ?? entry.value.string,
                    location: entry.keyLocation))
        }
        if let envFile = node["env_file"] {
            service.envFiles = envFile.sequence?.compactMap { $0.string ?? $0["path"]?.string } ?? envFile.strings
        }
        service.secrets = try references(node["secrets"], kind: "secret")
        service.configs = try references(node["configs"], kind: "config")
        for item in node["volumes"]?.sequence ?? [] { service.volumes.append(try ComposeVolumeMount.parse(item)) }
        service.networks = node["networks"]?.entries?.map(\.key) ?? node["networks"]?.strings ?? []
        for item in node["ports"]?.sequence ?? [] { service.ports.append(try ComposePort.parse(item)) }
        service.expose = node["expose"]?.strings ?? []
        for entry in node["labels"]?.entries ?? [] { service.labels[entry.key] = entry.value.string ?? "" }
        service.user = node["user"]?.string
        service.readOnly = node["read_only"]?.bool ?? false
        service.tmpfs = node["tmpfs"]?.strings ?? []
        service.capAdd = node["cap_add"]?.strings ?? []
        service.capDrop = node["cap_drop"]?.strings ?? []
        service.securityOpt = node["security_opt"]?.strings ?? []
        service.privileged = node["privileged"]?.bool ?? false
        service.pid = node["pid"]?.string
        service.ipc = node["ipc"]?.string
        service.networkMode = node["network_mode"]?.string
        service.usernsMode = node["userns_mode"]?.string
        service.uts = node["uts"]?.string
        service.cgroupParent = node["cgroup_parent"]?.string
        service.cgroup = node["cgroup"]?.string
        service.devices = node["devices"]?.sequence?.compactMap { $0.string ?? $0["source"]?.string } ?? []
        service.healthcheck = node["healthcheck"].map(ComposeHealthcheck.parse)
        service.restart = node["restart"]?.string
        service.restartPolicyCondition = node["deploy"]?["restart_policy"]?["condition"]?.string
        service.restartPolicyMaxAttempts = node["deploy"]?["restart_policy"]?["max_attempts"]?.int
        for entry in node["depends_on"]?.entries ?? [] {
            service.dependsOn.append(
                ComposeDependency(
                    service: entry.key, condition: entry.value["condition"]?.string ?? ComposeDependency.defaultCondition,
                    required: entry.value["required"]?.bool ?? true, location: entry.keyLocation))
        }
        if let logging = node["logging"] {
            var options: [String: String] = [:]
            for entry in logging["options"]?.entries ?? [] { options[entry.key] = entry.value.string ?? "" }
            service.logging = ComposeLogging(driver: logging["driver"]?.string ?? ComposeLogging.defaultDriver, options: options)
        }
        let resources = node["deploy"]?["resources"]
        service.resources = ComposeResources(
            cpuLimit: resources?["limits"]?["cpus"]?.string ?? node["cpus"]?.string,
            memoryLimit: resources?["limits"]?["memory"]?.string ?? node["mem_limit"]?.string,
            pidsLimit: resources?["limits"]?["pids"]?.int ?? node["pids_limit"]?.int,
            cpuReservation: resources?["reservations"]?["cpus"]?.string,
            memoryReservation: resources?["reservations"]?["memory"]?.string ?? node["mem_reservation"]?.string)
        service.profiles = node["profiles"]?.strings ?? []
        service.useAPISocket = node["use_api_socket"]?.bool ?? false
        for item in node["x-shipshape-ignore"]?.sequence ?? [] {
            if let rule = item.string {
                service.suppressions.append(ComposeSuppression(rule: rule, reason: nil, location: item.location))
            } else if let rule = item["rule"]?.string {
                service.suppressions.append(
                    ComposeSuppression(rule: rule, reason: item["reason"]?.string, location: item.location))
            } else {
                throw ComposeError.invalid(item.location, "x-shipshape-ignore items are {rule: ID, reason: WHY}")
            }
        }
        return service
    }

    private static func references(_ node: ComposeNode?, kind: String) throws(ComposeError) -> [ComposeReference] {
        var result: [ComposeReference] = []
        for item in node?.sequence ?? [] {
            if let name = item.string {
                result.append(ComposeReference(source: name, target: nil, location: item.location))
            } else if let source = item["source"]?.string {
                result.append(ComposeReference(source: source, target: item["target"]?.string, location: item.location))
            } else {
                throw ComposeError.invalid(item.location, "a \(kind) reference needs a name or 'source'")
            }
        }
        return result
    }
}
