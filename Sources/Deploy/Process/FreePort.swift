import Foundation

/// Finds a free TCP port on loopback for a new color's process.
enum FreePort {
    /// A port the kernel just handed out (bound, read and released). Another program could take it before
    /// the new process binds it; the health gate then fails and the deploy says so, nothing worse.
    static func find(host: String) throws(DeployError) -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw failure("socket: \(DeployHistory.errnoText())") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host == "localhost" ? "127.0.0.1" : host)
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw failure("bind \(host):0: \(DeployHistory.errnoText())") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func failure(_ reason: String) -> DeployError {
        DeployError(
            kind: .processFailed,
            userMessage: "Cannot find a free port for the new process (\(reason)). Check the host's network setup.")
    }
}
