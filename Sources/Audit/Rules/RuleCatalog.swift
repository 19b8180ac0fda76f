import Compose
import Foundation

/// Every audit rule, in report order.
public enum RuleCatalog {
    /// All rules.
    public static let all: [AuditRule] = isolation + resources + exposure + supplyChain

    /// The rule with `id`.
    public static func rule(_ id: String) -> AuditRule? { all.first { $0.id == id } }

    /// Capabilities that give a container the host in practice (CIS 5.3).
    static let dangerousCapabilities: Set<String> = [
        "ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO", "DAC_READ_SEARCH", "SYS_BOOT",
        "SYS_TIME", "MAC_ADMIN", "MAC_OVERRIDE", "BPF", "PERFMON", "SYSLOG",
    ]
    /// Host paths that must not be mounted into a container (CIS 5.5, KICS sensitive host directory).
    static let sensitiveHostPaths = [
        "/", "/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr", "/var", "/var/lib", "/var/lib/docker",
        "/var/log", "/root", "/run", "/var/run", "/home", "/bin", "/sbin", "/lib64", "/opt/containerd",
        "/var/lib/containerd", "/var/lib/kubelet", "/etc/docker", "/etc/kubernetes",
    ]
    /// Socket paths of container engines: mounting one gives the container the host.
    static let engineSockets = [
        "/var/run/docker.sock", "/run/docker.sock", "/run/podman/podman.sock", "/var/run/podman/podman.sock",
        "/run/containerd/containerd.sock", "/var/run/containerd/containerd.sock", "/var/run/crio/crio.sock",
        "docker.sock", "podman.sock",
    ]

    /// Normalizes a capability name (`cap_sys_admin` → `SYS_ADMIN`).
    static func capability(_ name: String) -> String {
        let upper = name.uppercased()
        return upper.hasPrefix("CAP_") ? String(upper.dropFirst(4)) : upper
    }

    /// The `security_opt` entries of `service`, with `:` and `=` spellings made the same.
    static func securityOptions(_ service: ComposeService) -> [String] {
        service.securityOpt.map { $0.replacingOccurrences(of: "=", with: ":").lowercased() }
    }
}
