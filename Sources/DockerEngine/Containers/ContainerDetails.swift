import Foundation

/// What `GET /containers/{id}/json` reports: state, health, addresses and the labels Shipshape set.
public struct ContainerDetails: Sendable, Decodable, Hashable {
    /// The container's state.
    public struct State: Sendable, Decodable, Hashable {
        /// `created`, `running`, `paused`, `restarting`, `removing`, `exited` or `dead`.
        public let status: String
        /// True while it runs.
        public let running: Bool
        /// The exit code of its last run (0 while running).
        public let exitCode: Int
        /// The engine's error text, if starting it failed.
        public let error: String?
        /// When it last started (RFC 3339).
        public let startedAt: String?
        /// When it last stopped (RFC 3339).
        public let finishedAt: String?
        /// The engine's health status when the container has a health check.
        public let health: HealthStatus?
        /// True when the kernel killed it for exceeding its memory limit.
        public let oomKilled: Bool

        enum CodingKeys: String, CodingKey {
            case status = "Status"
            case running = "Running"
            case exitCode = "ExitCode"
            case error = "Error"
            case startedAt = "StartedAt"
            case finishedAt = "FinishedAt"
            case health = "Health"
            case oomKilled = "OOMKilled"
        }

        /// Decodes the engine's JSON (Podman omits some fields).
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            status = try container.decode(String.self, forKey: .status)
            running = try container.decodeIfPresent(Bool.self, forKey: .running) ?? false
            exitCode = try container.decodeIfPresent(Int.self, forKey: .exitCode) ?? 0
            error = try container.decodeIfPresent(String.self, forKey: .error).flatMap { $0.isEmpty ? nil : $0 }
            startedAt = try container.decodeIfPresent(String.self, forKey: .startedAt)
            finishedAt = try container.decodeIfPresent(String.self, forKey: .finishedAt)
            health = try container.decodeIfPresent(HealthStatus.self, forKey: .health)
            oomKilled = try container.decodeIfPresent(Bool.self, forKey: .oomKilled) ?? false
        }
    }

    /// The engine's health-check verdict.
    public struct HealthStatus: Sendable, Decodable, Hashable {
        /// `starting`, `healthy`, `unhealthy` (or empty/`none` when the engine does not run checks).
        public let status: String
        /// Consecutive failures so far.
        public let failingStreak: Int
        /// What the latest check printed (and its exit code), when the engine kept it.
        public let lastOutput: String?

        enum CodingKeys: String, CodingKey {
            case status = "Status"
            case failingStreak = "FailingStreak"
            case log = "Log"
        }

        struct Entry: Decodable {
            let output: String?
            let exitCode: Int?
            enum CodingKeys: String, CodingKey {
                case output = "Output"
                case exitCode = "ExitCode"
            }
        }

        /// Decodes the engine's JSON.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            status = try container.decodeIfPresent(String.self, forKey: .status) ?? ""
            failingStreak = try container.decodeIfPresent(Int.self, forKey: .failingStreak) ?? 0
            let last = try container.decodeIfPresent([Entry].self, forKey: .log)?.last
            lastOutput = last.map { entry in
                let output = (entry.output ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                return "exit \(entry.exitCode ?? -1)" + (output.isEmpty ? "" : ": \(output)")
            }
        }
    }

    /// One attached network.
    public struct NetworkEndpoint: Sendable, Decodable, Hashable {
        /// The container's IPv4 address on it (empty when not running).
        public let ipAddress: String
        /// DNS aliases on it.
        public let aliases: [String]

        enum CodingKeys: String, CodingKey {
            case ipAddress = "IPAddress"
            case aliases = "Aliases"
        }

        /// Decodes the engine's JSON.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            ipAddress = try container.decodeIfPresent(String.self, forKey: .ipAddress) ?? ""
            aliases = try container.decodeIfPresent([String].self, forKey: .aliases) ?? []
        }
    }

    /// The container's ID.
    public let id: String
    /// Its name without the leading `/`.
    public let name: String
    /// The image ID it was created from.
    public let imageID: String
    /// The image reference it was created with.
    public let image: String
    /// Its labels.
    public let labels: [String: String]
    /// Its state.
    public let state: State
    /// Attached networks by name.
    public let networks: [String: NetworkEndpoint]
    /// Published ports: `80/tcp` to host `ip:port` strings.
    public let publishedPorts: [String: [String]]
    /// `NAME=value` environment entries (values may be secrets: never log them).
    public let environment: [String]
    /// The hard memory limit in bytes, nil when unlimited.
    public let memoryLimit: Int64?
    /// `source:target[:mode]` binds (host paths and named volumes).
    public let binds: [String]

    /// The IP address on `network`, if attached and running.
    public func ipAddress(on network: String) -> String? {
        networks[network].flatMap { $0.ipAddress.isEmpty ? nil : $0.ipAddress }
    }

    /// The host port `containerPort/tcp` is published on, if any.
    public func hostPort(for containerPort: Int, proto: String = "tcp") -> Int? {
        publishedPorts["\(containerPort)/\(proto)"]?.compactMap { $0.split(separator: ":").last.flatMap { Int($0) } }
            .first
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case name = "Name"
        case imageID = "Image"
        case config = "Config"
        case state = "State"
        case networkSettings = "NetworkSettings"
        case hostConfig = "HostConfig"
    }

    struct Config: Decodable {
        let image: String?
        let labels: [String: String]?
        let env: [String]?
        enum CodingKeys: String, CodingKey {
            case image = "Image"
            case labels = "Labels"
            case env = "Env"
        }
    }

    struct HostConfig: Decodable {
        let memory: Int64?
        let binds: [String]?
        enum CodingKeys: String, CodingKey {
            case memory = "Memory"
            case binds = "Binds"
        }
    }

    struct NetworkSettings: Decodable {
        struct Binding: Decodable {
            let hostIP: String?
            let hostPort: String?
            enum CodingKeys: String, CodingKey {
                case hostIP = "HostIp"
                case hostPort = "HostPort"
            }
        }

        let networks: [String: NetworkEndpoint]?
        let ports: [String: [Binding]?]?
        enum CodingKeys: String, CodingKey {
            case networks = "Networks"
            case ports = "Ports"
        }
    }

    /// Decodes the engine's JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        let rawName = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        name = rawName.hasPrefix("/") ? String(rawName.dropFirst()) : rawName
        imageID = try container.decodeIfPresent(String.self, forKey: .imageID) ?? ""
        let config = try container.decodeIfPresent(Config.self, forKey: .config)
        image = config?.image ?? imageID
        labels = config?.labels ?? [:]
        environment = config?.env ?? []
        let hostConfig = try container.decodeIfPresent(HostConfig.self, forKey: .hostConfig)
        memoryLimit = hostConfig?.memory.flatMap { $0 > 0 ? $0 : nil }
        binds = hostConfig?.binds ?? []
        state = try container.decode(State.self, forKey: .state)
        let settings = try container.decodeIfPresent(NetworkSettings.self, forKey: .networkSettings)
        networks = settings?.networks ?? [:]
        var ports: [String: [String]] = [:]
        for (key, bindings) in settings?.ports ?? [:] {
            ports[key] = (bindings ?? []).map { "\($0.hostIP ?? ""):\($0.hostPort ?? "")" }
        }
        publishedPorts = ports
    }
}

/// One row of `GET /containers/json`.
public struct ContainerSummary: Sendable, Decodable, Hashable {
    /// The container's ID.
    public let id: String
    /// Its names without the leading `/`.
    public let names: [String]
    /// The image reference.
    public let image: String
    /// Its labels.
    public let labels: [String: String]
    /// `running`, `exited`, ...
    public let state: String

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case names = "Names"
        case image = "Image"
        case labels = "Labels"
        case state = "State"
    }

    /// Decodes the engine's JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        names = (try container.decodeIfPresent([String].self, forKey: .names) ?? []).map {
            $0.hasPrefix("/") ? String($0.dropFirst()) : $0
        }
        image = try container.decodeIfPresent(String.self, forKey: .image) ?? ""
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        state = try container.decodeIfPresent(String.self, forKey: .state) ?? ""
    }
}
