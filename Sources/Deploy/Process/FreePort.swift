import ShipshapeCore

extension FreePort {
    /// A free port for a new process on `host` (see `FreePort`); a deploy error when none can be found.
    static func find(host: String) throws(DeployError) -> Int {
        guard let port = belowEphemeralRange(host: host) else {
            throw DeployError(
                kind: .processFailed,
                userMessage: "Cannot find a free port for the new process on \(host) between \(lowest) and the "
                    + "ephemeral range (net.ipv4.ip_local_port_range). Check the host's network setup.")
        }
        return port
    }
}
