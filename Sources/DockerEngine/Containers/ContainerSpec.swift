/// Everything needed to create a container, in Shipshape's terms; encoded to the engine's
/// `POST /containers/create` body by `ContainerSpec+Encoding.swift`.
public struct ContainerSpec: Sendable, Hashable {
    /// A published port: container port (`80/tcp`) to a host address.
    public struct PortBinding: Sendable, Hashable {
        /// The port inside the container.
        public var containerPort: Int
        /// `tcp` or `udp`.
        public var proto: String
        /// The host address to bind (empty: all).
        public var hostIP: String
        /// The host port (0: chosen by the engine).
        public var hostPort: Int

        /// A binding of `containerPort/proto` to `hostIP:hostPort`.
        public init(containerPort: Int, proto: String = "tcp", hostIP: String = "127.0.0.1", hostPort: Int = 0) {
            self.containerPort = containerPort
            self.proto = proto
            self.hostIP = hostIP
            self.hostPort = hostPort
        }
    }

    /// A mount of a volume, a host path or a tmpfs.
    public struct Mount: Sendable, Hashable {
        /// What is mounted.
        public enum Kind: String, Sendable, Hashable {
            /// A named volume.
            case volume
            /// A host path.
            case bind
            /// An in-memory file system.
            case tmpfs
        }

        /// What is mounted.
        public var kind: Kind
        /// The volume name or host path (ignored for tmpfs).
        public var source: String
        /// The path inside the container.
        public var target: String
        /// Mounted read-only.
        public var readOnly: Bool

        /// A mount of `source` at `target`.
        public init(kind: Kind, source: String, target: String, readOnly: Bool = false) {
            self.kind = kind
            self.source = source
            self.target = target
            self.readOnly = readOnly
        }
    }

    /// When the engine restarts the container.
    public enum RestartPolicy: Sendable, Hashable {
        /// Never.
        case no
        /// Always, unless stopped by the user.
        case always
        /// Like always, but not after the engine restarts if the user had stopped it.
        case unlessStopped
        /// When it exits non-zero, at most `maximumRetries` times (0: no limit).
        case onFailure(maximumRetries: Int)
    }

    /// The engine's own health check (Podman's compatible service does not run it without systemd).
    public struct HealthCheck: Sendable, Hashable {
        /// The command, as compose writes it (`["CMD", "wget", "-q", "--spider", "http://localhost/health"]`).
        public var test: [String]
        /// Time between checks.
        public var interval: Duration
        /// Time a check may take.
        public var timeout: Duration
        /// Consecutive failures that make the container unhealthy.
        public var retries: Int
        /// Grace time after start during which failures do not count.
        public var startPeriod: Duration

        /// A health check with Docker's defaults.
        public init(
            test: [String], interval: Duration = .seconds(30), timeout: Duration = .seconds(30), retries: Int = 3,
            startPeriod: Duration = .zero
        ) {
            self.test = test
            self.interval = interval
            self.timeout = timeout
            self.retries = retries
            self.startPeriod = startPeriod
        }
    }

    /// CPU, memory and process limits and reservations.
    public struct Resources: Sendable, Hashable {
        /// Hard memory limit in bytes.
        public var memoryLimit: Int64?
        /// Soft memory reservation in bytes.
        public var memoryReservation: Int64?
        /// CPU limit in CPUs (`0.5`).
        public var cpuLimit: Double?
        /// Relative CPU weight under contention (compose's cpu reservation maps here).
        public var cpuShares: Int?
        /// Maximum number of processes.
        public var pidsLimit: Int?

        /// No limits.
        public init(
            memoryLimit: Int64? = nil, memoryReservation: Int64? = nil, cpuLimit: Double? = nil,
            cpuShares: Int? = nil, pidsLimit: Int? = nil
        ) {
            self.memoryLimit = memoryLimit
            self.memoryReservation = memoryReservation
            self.cpuLimit = cpuLimit
            self.cpuShares = cpuShares
            self.pidsLimit = pidsLimit
        }
    }

    /// The image reference.
    public var image: String
    /// `NAME=value` environment entries (values may be secrets: never logged).
    public var environment: [String]
    /// The command (empty: the image's).
    public var command: [String]
    /// The entrypoint (nil: the image's).
    public var entrypoint: [String]?
    /// Labels (Shipshape marks its containers with `shipshape.*` labels).
    public var labels: [String: String]
    /// Ports the container listens on (`8000/tcp`).
    public var exposedPorts: [String]
    /// Ports published on the host.
    public var portBindings: [PortBinding]
    /// `source:target[:ro]` binds as compose writes them.
    public var binds: [String]
    /// Typed mounts.
    public var mounts: [Mount]
    /// tmpfs mounts: path to options (`size=64m`).
    public var tmpfs: [String: String]
    /// Resource limits and reservations.
    public var resources: Resources
    /// The restart policy.
    public var restartPolicy: RestartPolicy
    /// `security_opt` entries (`no-new-privileges:true`).
    public var securityOptions: [String]
    /// Capabilities added.
    public var capAdd: [String]
    /// Capabilities dropped (`ALL`).
    public var capDrop: [String]
    /// Root file system mounted read-only.
    public var readOnlyRootFilesystem: Bool
    /// The user (`1000:1000`), nil for the image's.
    public var user: String?
    /// The working directory, nil for the image's.
    public var workingDirectory: String?
    /// Networks to attach, with aliases per network; the first is attached at create time.
    public var networks: [String: [String]]
    /// The engine health check, if any.
    public var healthCheck: HealthCheck?
    /// Allocate a TTY (output is then not multiplexed).
    public var tty: Bool

    /// A spec for `image` with everything else defaulted.
    public init(
        image: String, environment: [String] = [], command: [String] = [], entrypoint: [String]? = nil,
        labels: [String: String] = [:], exposedPorts: [String] = [], portBindings: [PortBinding] = [],
        binds: [String] = [], mounts: [Mount] = [], tmpfs: [String: String] = [:], resources: Resources = .init(),
        restartPolicy: RestartPolicy = .no, securityOptions: [String] = [], capAdd: [String] = [],
        capDrop: [String] = [], readOnlyRootFilesystem: Bool = false, user: String? = nil,
        workingDirectory: String? = nil, networks: [String: [String]] = [:], healthCheck: HealthCheck? = nil,
        tty: Bool = false
    ) {
        self.image = image
        self.environment = environment
        self.command = command
        self.entrypoint = entrypoint
        self.labels = labels
        self.exposedPorts = exposedPorts
        self.portBindings = portBindings
        self.binds = binds
        self.mounts = mounts
        self.tmpfs = tmpfs
        self.resources = resources
        self.restartPolicy = restartPolicy
        self.securityOptions = securityOptions
        self.capAdd = capAdd
        self.capDrop = capDrop
        self.readOnlyRootFilesystem = readOnlyRootFilesystem
        self.user = user
        self.workingDirectory = workingDirectory
        self.networks = networks
        self.healthCheck = healthCheck
        self.tty = tty
    }
}
