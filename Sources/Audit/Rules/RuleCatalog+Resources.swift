import Compose

extension RuleCatalog {
    /// The highest `on-failure` retry count that still lets a crash loop stop (KICS, CIS 5.14).
    static let maximumRestartAttempts = 5
    /// Official images whose entrypoint switches to an unprivileged user before starting the server.
    static let imagesDroppingRoot: Set<String> = ["postgres", "postgis", "mysql", "mariadb", "mongo", "redis", "valkey", "rabbitmq"]

    /// Rules about resources, health and operations.
    static let resources: [AuditRule] = [
        AuditRule(
            id: "memory-limit", severity: .medium, title: "Memory not limited",
            why: "One leaking container can take all host memory and get other services killed.",
            fix: "Set `deploy.resources.limits.memory` (or `mem_limit`).",
            references: ["KICS memory_not_limited", "CIS 5.10"]
        ) { service, _ in
            service.resources.memoryLimit == nil ? [.at(service, "deploy", "service '\(service.name)' has no memory limit")] : []
        },
        AuditRule(
            id: "cpu-limit", severity: .low, title: "CPU not limited",
            why: "A busy container can starve the others of CPU, including the gateway.",
            fix: "Set `deploy.resources.limits.cpus` (or `cpus`).", references: ["KICS cpus_not_limited", "CIS 5.11"]
        ) { service, _ in
            service.resources.cpuLimit == nil ? [.at(service, "deploy", "service '\(service.name)' has no CPU limit")] : []
        },
        AuditRule(
            id: "pids-limit", severity: .medium, title: "Process count not limited",
            why: "Without a pids limit a fork bomb in one container exhausts the host's process table.",
            fix: "Set `deploy.resources.limits.pids` (or `pids_limit`).", references: ["KICS pids_limit_not_set", "CIS 5.28"]
        ) { service, _ in
            guard let limit = service.resources.pidsLimit, limit > 0 else {
                return [.at(service, "pids_limit", "service '\(service.name)' has no pids limit")]
            }
            return []
        },
        AuditRule(
            id: "healthcheck-missing", severity: .medium, title: "No healthcheck",
            why: "Without a healthcheck the engine, depends_on and deploys cannot tell a started service from a working one.",
            fix: "Add a `healthcheck:` that checks the service answers (pg_isready, redis-cli ping, an HTTP probe).",
            references: ["KICS healthcheck_not_set", "CIS 5.26"]
        ) { service, _ in
            guard let check = service.healthcheck else {
                return [.at(service, "healthcheck", "service '\(service.name)' has no healthcheck")]
            }
            if check.disabled { return [.at(service, "healthcheck", "service '\(service.name)' disables its healthcheck")] }
            return []
        },
        AuditRule(
            id: "restart-policy", severity: .low, title: "No restart policy",
            why: "A service that crashes or is on a host that reboots stays down until someone notices.",
            fix: "Set `restart: unless-stopped` (or `on-failure:5`).",
            references: ["KICS restart_policy_on_failure_not_set_to_5", "CIS 5.14"]
        ) { service, _ in
            let policy = service.restart ?? service.restartPolicyCondition
            guard let policy, policy != "no", policy != "none" else {
                return [.at(service, "restart", "service '\(service.name)' is not restarted when it stops")]
            }
            if policy.hasPrefix("on-failure") {
                let attempts = policy.split(separator: ":").dropFirst().first.flatMap { Int($0) } ?? service.restartPolicyMaxAttempts
                if let attempts, attempts > maximumRestartAttempts {
                    return [.at(service, "restart", "service '\(service.name)' retries \(attempts) times on failure (more than \(maximumRestartAttempts))")]
                }
            }
            return []
        },
        AuditRule(
            id: "log-rotation", severity: .low, title: "Logs not rotated",
            why: "The json-file driver keeps every line forever by default: logs fill the disk.",
            fix: "Set `logging: {driver: json-file, options: {max-size: 10m, max-file: \"3\"}}` or use the local driver.",
            references: []
        ) { service, _ in
            let logging = service.logging ?? ComposeLogging(driver: ComposeLogging.defaultDriver, options: [:])
            guard logging.driver == "json-file", logging.options["max-size"] == nil else { return [] }
            return [.at(service, "logging", "service '\(service.name)' logs with json-file without max-size")]
        },
        AuditRule(
            id: "read-only-root", severity: .medium, title: "Writable root file system",
            why: "A writable root lets an attacker drop tools and persist changes inside the container.",
            fix: "Set `read_only: true` and give the paths the service writes as `tmpfs:` or volumes.", references: ["CIS 5.12"]
        ) { service, _ in
            service.readOnly ? [] : [.at(service, "read_only", "service '\(service.name)' has a writable root file system")]
        },
        AuditRule(
            id: "non-root-user", severity: .medium, title: "Runs as root",
            why: "A process running as root inside the container is one kernel bug away from root on the host.",
            fix: "Set `user:` to a non-root uid:gid (or build the image with a USER).", references: ["CIS 4.1"]
        ) { service, _ in
            // These official images start as root only to fix ownership, then run the server as their own user.
            if service.user == nil, imagesDroppingRoot.contains(service.imageName) { return [] }
            guard let user = service.user, !user.isEmpty else {
                return [.at(service, "user", "service '\(service.name)' does not set a non-root user")]
            }
            let name = user.split(separator: ":").first.map(String.init) ?? user
            return name == "root" || name == "0" ? [.at(service, "user", "service '\(service.name)' runs as \(user)")] : []
        },
    ]
}
