import Foundation
import ShipshapeCore

/// Checks whether something accepts TCP connections on a target, so a new color is registered with the
/// gateway only once it listens: the gateway's first probes would otherwise fail against a process that is
/// still starting and mark it unhealthy.
enum PortProbe {
    /// How often a starting target is tried.
    static let pollInterval: Duration = .milliseconds(20)

    /// Waits until `target` accepts a connection; false when `deadline` passes, `stillRunning` says no or
    /// the task is cancelled.
    static func waitUntilListening(
        _ target: HostPort, until deadline: ContinuousClock.Instant, stillRunning: () async -> Bool
    ) async -> Bool {
        while ContinuousClock().now < deadline, !Task.isCancelled {
            if accepts(target) { return true }
            if !(await stillRunning()) { return false }
            try? await Task.sleep(for: pollInterval)
        }
        return false
    }

    /// True when a TCP connection to `target` (an IPv4 address or `localhost`) succeeds now.
    static func accepts(_ target: HostPort) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(target.host == "localhost" ? "127.0.0.1" : target.host)
        address.sin_port = UInt16(target.port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
