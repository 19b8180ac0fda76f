extension ContainerSpec {
    /// The network attached at create time (the rest are connected right after; old API versions accept
    /// only one endpoint at create).
    var primaryNetwork: String? { networks.keys.sorted().first }

    /// The `POST /containers/create` body.
    var createBody: JSONValue {
        var config: [String: JSONValue] = ["Image": .string(image), "Tty": .bool(tty)]
        if !environment.isEmpty { config["Env"] = .strings(environment) }
        if !command.isEmpty { config["Cmd"] = .strings(command) }
        if let entrypoint { config["Entrypoint"] = .strings(entrypoint) }
        if !labels.isEmpty { config["Labels"] = .stringMap(labels) }
        if let user { config["User"] = .string(user) }
        if let workingDirectory { config["WorkingDir"] = .string(workingDirectory) }
        let exposed = Set(exposedPorts.map(Self.portKey) + portBindings.map { "\($0.containerPort)/\($0.proto)" })
        if !exposed.isEmpty {
            config["ExposedPorts"] = .object(Dictionary(uniqueKeysWithValues: exposed.map { ($0, .object([:])) }))
        }
        if let healthCheck {
            config["Healthcheck"] = .object([
                "Test": .strings(healthCheck.test),
                "Interval": .int(healthCheck.interval.nanoseconds),
                "Timeout": .int(healthCheck.timeout.nanoseconds),
                "Retries": .int(Int64(healthCheck.retries)),
                "StartPeriod": .int(healthCheck.startPeriod.nanoseconds),
            ])
        }
        config["HostConfig"] = .object(hostConfig)
        if let primaryNetwork {
            config["NetworkingConfig"] = .object([
                "EndpointsConfig": .object([primaryNetwork: Self.endpoint(aliases: networks[primaryNetwork] ?? [])])
            ])
        }
        return .object(config)
    }

    private var hostConfig: [String: JSONValue] {
        var host: [String: JSONValue] = [:]
        if !portBindings.isEmpty {
            let grouped = Dictionary(grouping: portBindings) { "\($0.containerPort)/\($0.proto)" }
            host["PortBindings"] = .object(
                grouped.mapValues { bindings in
                    .array(
                        bindings.map {
                            .object([
                                "HostIp": .string($0.hostIP),
                                "HostPort": .string($0.hostPort == 0 ? "" : String($0.hostPort)),
                            ])
                        })
                })
        }
        if !binds.isEmpty { host["Binds"] = .strings(binds) }
        let typedMounts = mounts.filter { $0.kind != .tmpfs }
        if !typedMounts.isEmpty {
            host["Mounts"] = .array(
                typedMounts.map {
                    .object([
                        "Type": .string($0.kind.rawValue), "Source": .string($0.source), "Target": .string($0.target),
                        "ReadOnly": .bool($0.readOnly),
                    ])
                })
        }
        var tmpfsMounts = tmpfs
        for mount in mounts where mount.kind == .tmpfs { tmpfsMounts[mount.target] = tmpfsMounts[mount.target] ?? "" }
        if !tmpfsMounts.isEmpty { host["Tmpfs"] = .stringMap(tmpfsMounts) }
        if let memory = resources.memoryLimit { host["Memory"] = .int(memory) }
        if let reservation = resources.memoryReservation { host["MemoryReservation"] = .int(reservation) }
        if let cpus = resources.cpuLimit { host["NanoCpus"] = .int(Int64(cpus * Self.nanoCPUsPerCPU)) }
        if let shares = resources.cpuShares { host["CpuShares"] = .int(Int64(shares)) }
        if let pids = resources.pidsLimit { host["PidsLimit"] = .int(Int64(pids)) }
        host["RestartPolicy"] = restartPolicyJSON
        if !securityOptions.isEmpty { host["SecurityOpt"] = .strings(securityOptions) }
        if !capAdd.isEmpty { host["CapAdd"] = .strings(capAdd) }
        if !capDrop.isEmpty { host["CapDrop"] = .strings(capDrop) }
        if readOnlyRootFilesystem { host["ReadonlyRootfs"] = .bool(true) }
        if let primaryNetwork { host["NetworkMode"] = .string(primaryNetwork) }
        return host
    }

    private var restartPolicyJSON: JSONValue {
        switch restartPolicy {
        case .no: .object(["Name": .string("no")])
        case .always: .object(["Name": .string("always")])
        case .unlessStopped: .object(["Name": .string("unless-stopped")])
        case .onFailure(let retries):
            .object(["Name": .string("on-failure"), "MaximumRetryCount": .int(Int64(retries))])
        }
    }

    /// An endpoint configuration with DNS aliases.
    static func endpoint(aliases: [String]) -> JSONValue {
        aliases.isEmpty ? .object([:]) : .object(["Aliases": .strings(aliases)])
    }

    /// `8000` becomes `8000/tcp`; `53/udp` stays.
    static func portKey(_ text: String) -> String { text.contains("/") ? text : "\(text)/tcp" }

    private static let nanoCPUsPerCPU = 1_000_000_000.0
}

extension Duration {
    /// The duration in whole nanoseconds, as the engine's health-check fields want it.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
