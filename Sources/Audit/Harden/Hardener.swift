import Compose

/// Builds `compose.production.yml`: an override that fixes what can be fixed safely and explains each change.
/// It never edits the user's files.
public struct Hardener: Sendable {
    /// Sizes of the resource limits written.
    public var profile: HardenProfile
    /// HTTP health endpoints from `shipshape.yml`, used to write probes for application images.
    public var healthEndpoints: [String: HealthEndpoint]

    /// How often the written healthchecks run.
    static let healthInterval = "10s"
    /// How long one check may take.
    static let healthTimeout = "5s"
    /// Failures before unhealthy.
    static let healthRetries = 5
    /// Grace time after start.
    static let healthStartPeriod = "30s"
    /// The json-file size at which logs rotate.
    static let logMaxSize = "10m"
    /// How many rotated log files are kept.
    static let logMaxFiles = "3"
    /// The restart policy written.
    static let restartPolicy = "unless-stopped"
    /// The interface application ports are bound to: only the host (and the gateway on it) reaches them.
    static let loopbackAddress = "127.0.0.1"
    /// The directory moved secrets are written to, relative to the project.
    static let secretsDirectory = "secrets"

    /// A hardener.
    public init(profile: HardenProfile = .medium, healthEndpoints: [String: HealthEndpoint] = [:]) {
        self.profile = profile
        self.healthEndpoints = healthEndpoints
    }

    /// Plans the override for `project`.
    public func plan(for project: ComposeProject) -> HardenPlan {
        let report = Auditor().audit(project)
        var byService: [String: [Finding]] = [:]
        var human: [Finding] = []
        for finding in report.findings {
            if let service = finding.service { byService[service, default: []].append(finding) } else { human.append(finding) }
        }
        var state = State(project: project)
        state.assignNetworks = project.services.count > 1
            && project.services.values.allSatisfy { $0.networks.isEmpty && $0.networkMode == nil }
        // Healthchecks first: depends_on can only wait for services that will have one.
        for name in project.serviceNames {
            guard let service = project.services[name] else { continue }
            if service.healthcheck == nil, healthcheck(for: service) != nil { state.willBeHealthy.insert(name) }
            if let check = service.healthcheck, !check.disabled, !check.test.isEmpty { state.willBeHealthy.insert(name) }
        }
        var services: [(key: String, value: YAMLValue, comment: String?)] = []
        for name in project.serviceNames {
            guard let service = project.services[name] else { continue }
            var edit = ServiceEdit()
            for finding in byService[name] ?? [] where !fix(finding, service: service, edit: &edit, state: &state) {
                human.append(finding)
            }
            if !edit.entries.isEmpty { services.append((name, .map(edit.entries), nil)) }
            state.changes += edit.changes.map { HardenChange(service: name, rule: $0.rule, explanation: $0.text) }
        }
        var document: [(key: String, value: YAMLValue, comment: String?)] = [
            ("services", .map(services), nil)
        ]
        if !state.networks.isEmpty {
            let networks = state.networks.sorted().map { name -> (key: String, value: YAMLValue, comment: String?) in
                name == "frontend"
                    ? (name, .map([]), "harden: the only network with outside access; published ports need it")
                    : (name, .map([("internal", .literal("true"), nil)]), "harden: internal — no route to or from outside")
            }
            document.append(("networks", .map(networks), nil))
        }
        if !state.secrets.isEmpty {
            document.append(("secrets", .map(state.secrets.map { ($0.name, .map([("file", .string($0.file), nil)]), nil) }), nil))
        }
        let header = """
            # compose.production.yml — written by `shipshape harden`; never edits your compose files.
            # Use it as the last -f: docker compose -f \(project.files.joined(separator: " -f ")) -f compose.production.yml up -d
            # Each change is explained in the comment above it.

            """
        return HardenPlan(
            overrideYAML: header + YAMLValue.map(document).render(), secretFiles: state.secretFiles,
            changes: state.changes, humanItems: human)
    }

    // MARK: - Per finding

    /// Applies the fix for `finding`; false when it needs a human.
    private func fix(_ finding: Finding, service: ComposeService, edit: inout ServiceEdit, state: inout State) -> Bool {
        let kind = ImageKind.of(service)
        let known = KnownImage.named(service.imageName)
        let limits = profile.limits(for: kind)
        switch finding.rule {
        case "healthcheck-missing":
            guard service.healthcheck == nil, let test = healthcheck(for: service) else { return false }
            edit.set("healthcheck", .map([
                ("test", .list(test.map(YAMLValue.string)), nil), ("interval", .string(Self.healthInterval), nil),
                ("timeout", .string(Self.healthTimeout), nil), ("retries", .literal("\(Self.healthRetries)"), nil),
                ("start_period", .string(Self.healthStartPeriod), nil),
            ]), rule: finding.rule, "harden: lets depends_on and deploys wait until \(name(service)) answers, not just starts")
        case "memory-limit":
            edit.resource("limits", "memory", .string(limits.memory))
            edit.resource("reservations", "memory", .string(limits.reservedMemory))
            edit.note(finding.rule, "memory limited to \(limits.memory) (\(profile.name) profile), \(limits.reservedMemory) reserved")
        case "cpu-limit":
            edit.resource("limits", "cpus", .string(limits.cpus))
            edit.resource("reservations", "cpus", .string(limits.reservedCPUs))
            edit.note(finding.rule, "CPU limited to \(limits.cpus) (\(profile.name) profile), \(limits.reservedCPUs) reserved")
        case "pids-limit":
            edit.resource("limits", "pids", .literal("\(limits.pids)"))
            edit.note(finding.rule, "at most \(limits.pids) processes: a fork bomb stays inside the container")
        case "restart-policy":
            edit.set("restart", .string(Self.restartPolicy), rule: finding.rule, "harden: come back after a crash or a host reboot")
        case "log-rotation":
            edit.set("logging", .map([
                ("driver", .string("json-file"), nil),
                ("options", .map([("max-size", .string(Self.logMaxSize), nil), ("max-file", .string(Self.logMaxFiles), nil)]), nil),
            ]), rule: finding.rule, "harden: rotate logs at \(Self.logMaxSize), keep \(Self.logMaxFiles) files, so they cannot fill the disk")
        case "no-new-privileges":
            edit.set("security_opt", .list([.string("no-new-privileges:true")]), rule: finding.rule,
                "harden: setuid binaries cannot raise privileges (appended to any security_opt you have)")
        case "cap-drop-all":
            var added = known?.capabilities ?? []
            // The port it listens on: published, or the one shipshape.yml's gateway proxies to.
            let listens = service.ports.compactMap(\.targetNumber) + [healthEndpoints[service.name]?.port].compactMap { $0 }
            if known == nil, listens.contains(where: { $0 < RuleCatalog.firstUnprivilegedPort }) {
                added.append("NET_BIND_SERVICE")
            }
            edit.set("cap_drop", .list([.string("ALL")]), rule: finding.rule,
                "harden: drop every capability" + (added.isEmpty ? "; add back with cap_add only what the service proves to need" : ""))
            if !added.isEmpty {
                let missing = added.filter { !service.capAdd.map(RuleCatalog.capability).contains($0) }
                if !missing.isEmpty {
                    edit.set("cap_add", .list(missing.map(YAMLValue.string)), rule: finding.rule,
                        "harden: what the \(service.imageName) \(known == nil ? "port binding" : "entrypoint") needs back")
                }
            }
        case "read-only-root":
            guard let known else { return false }
            if let data = known.dataPath, !service.volumes.contains(where: { $0.target == data || data.hasPrefix($0.target + "/") }) {
                return false
            }
            edit.set("read_only", .literal("true"), rule: finding.rule, "harden: nothing can be written outside volumes and tmpfs")
            let paths = known.writablePaths.filter { !service.tmpfs.contains($0) }
            if !paths.isEmpty {
                edit.set("tmpfs", .list(paths.map(YAMLValue.string)), rule: finding.rule, "harden: where \(service.imageName) writes at run time")
            }
        case "port-all-interfaces", "exposed-without-gateway", "database-published":
            if kind == .gateway { return false }
            guard !edit.portsDone else { return true }
            edit.portsDone = true
            if kind.isDataStore {
                edit.set("ports", .tagged("!reset", .list([])), rule: finding.rule,
                    "harden: \(service.imageName) is reached over the compose network only; use `docker compose exec` to administer it")
            } else {
                let rebound = service.ports.map { port -> YAMLValue in
                    var bound = port
                    if !port.isLoopbackOnly { bound.hostIP = Self.loopbackAddress }
                    return .string(bound.shortSyntax)
                }
                edit.set("ports", .tagged("!override", .list(rebound)), rule: finding.rule,
                    "harden: bound to \(Self.loopbackAddress) — the Shipshape gateway on this host proxies to it; nothing else can")
            }
        case "networks-not-set", "database-not-internal":
            guard state.assignNetworks, !edit.networksDone else { return state.assignNetworks }
            edit.networksDone = true
            let networks = state.networks(for: service, gatewayReached: healthEndpoints[service.name] != nil)
            edit.set("networks", .list(networks.map(YAMLValue.string)), rule: finding.rule,
                "harden: " + (kind.isDataStore
                    ? "only on the internal database network"
                    : "on \(networks.joined(separator: ", ")); backend and database are internal (no outside access — add frontend if it must call out)"))
        case "inline-secret":
            // One finding per variable, one move for the whole service.
            if let done = edit.secretsMoved { return done }
            let fixed = moveSecrets(of: service, known: known, edit: &edit, state: &state)
            edit.secretsMoved = fixed
            return fixed
        case "depends-on-unhealthy":
            var entries: [(key: String, value: YAMLValue, comment: String?)] = []
            for dependency in service.dependsOn where dependency.condition == ComposeDependency.defaultCondition {
                guard state.willBeHealthy.contains(dependency.service) else { return false }
                entries.append((dependency.service, .map([("condition", .string("service_healthy"), nil)]), nil))
            }
            edit.set("depends_on", .map(entries), rule: finding.rule, "harden: start only when dependencies report healthy")
        default:
            return false
        }
        return true
    }

    private func name(_ service: ComposeService) -> String { "'\(service.name)'" }

    /// The healthcheck harden can write for `service`, if it knows one.
    func healthcheck(for service: ComposeService) -> [String]? {
        if let known = KnownImage.named(service.imageName) { return known.healthcheck }
        if let endpoint = healthEndpoints[service.name] {
            let url = "http://127.0.0.1:\(endpoint.port)\(endpoint.path)"
            return ["CMD-SHELL", "curl -fsS -o /dev/null \(url) || wget -q -O /dev/null \(url) || exit 1"]
        }
        return nil
    }

    private func moveSecrets(of service: ComposeService, known: KnownImage?, edit: inout ServiceEdit, state: inout State) -> Bool {
        var environment: [(key: String, value: YAMLValue, comment: String?)] = []
        var references: [YAMLValue] = []
        var fixedAll = true
        for variable in service.environment {
            guard let written = variable.written ?? variable.value else { continue }
            if SecretHeuristics.hasURLCredentials(written) { fixedAll = false; continue }
            guard SecretHeuristics.isSecretName(variable.name), SecretHeuristics.isInlineValue(written),
                let value = variable.value else { continue }
            let secretName = "\(service.name)_\(variable.name)".lowercased().replacingOccurrences(of: "-", with: "_")
            let file = "./\(Self.secretsDirectory)/\(secretName).txt"
            state.secrets.append((secretName, file))
            state.secretFiles["\(Self.secretsDirectory)/\(secretName).txt"] = value
            environment.append((variable.name, .tagged("!reset", .null), nil))
            environment.append((variable.name + "_FILE", .string("/run/secrets/\(secretName)"), nil))
            references.append(.string(secretName))
            let supported = known?.fileSecrets.contains(variable.name) == true
            edit.note("inline-secret", "\(variable.name) moved to secret \(secretName) (\(file), mode 0600) and \(variable.name)_FILE"
                + (supported ? "" : "; the application must read \(variable.name)_FILE"))
        }
        if !environment.isEmpty {
            edit.set("environment", .map(environment), rule: "inline-secret", "harden: secrets come from files in /run/secrets, not the environment")
            edit.set("secrets", .list(references), rule: "inline-secret", nil)
        }
        return fixedAll
    }
}
