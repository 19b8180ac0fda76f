/// The resource limits and reservations harden writes, per size and per kind of service.
public struct HardenProfile: Sendable {
    /// Limits for one kind of service.
    public struct Limits: Sendable {
        /// CPUs.
        public var cpus: String
        /// Memory.
        public var memory: String
        /// Processes.
        public var pids: Int
        /// Reserved CPUs.
        public var reservedCPUs: String
        /// Reserved memory.
        public var reservedMemory: String
    }

    /// The profile's name.
    public var name: String
    /// Limits for databases.
    public var database: Limits
    /// Limits for caches and brokers.
    public var cache: Limits
    /// Limits for gateways and applications.
    public var application: Limits

    /// A small host (2 GB).
    public static let small = HardenProfile(
        name: "small",
        database: Limits(cpus: "1.0", memory: "512M", pids: 200, reservedCPUs: "0.25", reservedMemory: "256M"),
        cache: Limits(cpus: "0.5", memory: "128M", pids: 64, reservedCPUs: "0.1", reservedMemory: "64M"),
        application: Limits(cpus: "0.5", memory: "256M", pids: 128, reservedCPUs: "0.1", reservedMemory: "128M"))
    /// A medium host (4–8 GB); the default.
    public static let medium = HardenProfile(
        name: "medium",
        database: Limits(cpus: "2.0", memory: "1G", pids: 300, reservedCPUs: "0.5", reservedMemory: "512M"),
        cache: Limits(cpus: "1.0", memory: "256M", pids: 128, reservedCPUs: "0.25", reservedMemory: "128M"),
        application: Limits(cpus: "1.0", memory: "512M", pids: 256, reservedCPUs: "0.25", reservedMemory: "256M"))
    /// A large host (16 GB and more).
    public static let large = HardenProfile(
        name: "large",
        database: Limits(cpus: "4.0", memory: "4G", pids: 500, reservedCPUs: "1.0", reservedMemory: "2G"),
        cache: Limits(cpus: "2.0", memory: "1G", pids: 256, reservedCPUs: "0.5", reservedMemory: "512M"),
        application: Limits(cpus: "2.0", memory: "1G", pids: 512, reservedCPUs: "0.5", reservedMemory: "512M"))

    /// The profile named `name`.
    public static func named(_ name: String) -> HardenProfile? {
        [small, medium, large].first { $0.name == name }
    }

    /// The limits for a service of `kind`.
    func limits(for kind: ImageKind) -> Limits {
        switch kind {
        case .database: database
        case .cache: cache
        case .gateway, .application: application
        }
    }
}
