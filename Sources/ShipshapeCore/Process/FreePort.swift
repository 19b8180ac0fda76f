import Foundation

/// Free TCP ports for processes Shipshape starts and tells which port to listen on.
///
/// A port is taken from below the kernel's ephemeral range, never by binding port 0. Port 0 gives a port from
/// that range, where every outgoing connection on the host (the gateway's own to its upstreams, health checks)
/// takes its source port too: one of them can take it before the new process binds it.
public enum FreePort {
    /// Where ports are drawn from: [`lowest`, the ephemeral range's start).
    public static let lowest = 10_000

    /// A random port in range that can be bound on `host` now and that `accept` takes, or nil after `attempts`.
    public static func belowEphemeralRange(
        host: String = "127.0.0.1", attempts: Int = 200, accept: (Int) -> Bool = { _ in true }
    ) -> Int? {
        let end = ephemeralRangeStart()
        for _ in 0..<attempts {
            let port = Int.random(in: lowest..<end)
            if canBind(port, host: host), accept(port) { return port }
        }
        return nil
    }

    /// The first port of `net.ipv4.ip_local_port_range` (32768 unless changed), at least 2 000 above `lowest`.
    static func ephemeralRangeStart() -> Int {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let start = range.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32_768
        return max(start, lowest + 2_000)
    }

    /// Whether `port` on `host` (an IPv4 address or `localhost`) can be bound now. Without `SO_REUSEADDR`, so a
    /// port still in TIME_WAIT counts as taken.
    static func canBind(_ port: Int, host: String) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host == "localhost" ? "127.0.0.1" : host)
        address.sin_port = UInt16(port).bigEndian
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 }
        }
    }
}
