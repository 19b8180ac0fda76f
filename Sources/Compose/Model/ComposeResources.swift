/// Resource limits and reservations, from `deploy.resources` or the legacy `mem_limit`/`cpus`/`pids_limit`.
public struct ComposeResources: Sendable, Hashable {
    /// The CPU limit, as written (`"0.5"`).
    public var cpuLimit: String?
    /// The memory limit, as written (`512M`).
    public var memoryLimit: String?
    /// The process limit.
    public var pidsLimit: Int?
    /// The reserved CPUs, as written.
    public var cpuReservation: String?
    /// The reserved memory, as written.
    public var memoryReservation: String?

    /// Empty resources.
    public init(
        cpuLimit: String? = nil, memoryLimit: String? = nil, pidsLimit: Int? = nil, cpuReservation: String? = nil,
        memoryReservation: String? = nil
    ) {
        self.cpuLimit = cpuLimit
        self.memoryLimit = memoryLimit
        self.pidsLimit = pidsLimit
        self.cpuReservation = cpuReservation
        self.memoryReservation = memoryReservation
    }
}
