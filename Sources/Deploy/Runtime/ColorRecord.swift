import Foundation

/// What runs in one color of one service, written to the state directory so `rollback` and the next
/// deploy (later `shipshape` runs) know the pid or container, the port and the version.
public struct ColorRecord: Sendable, Codable, Hashable {
    /// The service.
    public var service: String
    /// The color.
    public var color: DeployColor
    /// The version (process) or image (docker) it runs.
    public var version: String
    /// Where the gateway reaches it, `host:port`.
    public var target: String
    /// The process group id (process runtime).
    public var pid: Int32?
    /// The container name (docker runtime).
    public var container: String?
    /// The log file (process runtime).
    public var logFile: String?

    /// A record.
    public init(
        service: String, color: DeployColor, version: String, target: String, pid: Int32? = nil,
        container: String? = nil, logFile: String? = nil
    ) {
        self.service = service
        self.color = color
        self.version = version
        self.target = target
        self.pid = pid
        self.container = container
        self.logFile = logFile
    }

    enum CodingKeys: String, CodingKey {
        case service, color, version, target, pid, container
        case logFile = "log_file"
    }
}

/// The per-color records in the state directory: one small JSON file per service and color, replaced
/// atomically (write to a temporary file, then rename) so a crash never leaves half a record.
public struct ColorRecordStore: Sendable {
    /// The state directory.
    public let directory: String

    /// A store in `directory` (created on the first save).
    public init(directory: String) {
        self.directory = directory
    }

    /// The record file of `service`'s `color`.
    public func path(service: String, color: DeployColor) -> String { "\(directory)/\(service)-\(color).json" }

    /// The record of `service`'s `color`, if one was saved and is readable.
    public func load(service: String, color: DeployColor) -> ColorRecord? {
        guard let data = FileManager.default.contents(atPath: path(service: service, color: color)) else { return nil }
        return try? JSONDecoder().decode(ColorRecord.self, from: data)
    }

    /// Saves `record`, replacing the previous one.
    public func save(_ record: ColorRecord) throws(DeployError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let destination = path(service: record.service, color: record.color)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try encoder.encode(record).write(to: URL(fileURLWithPath: destination), options: .atomic)
        } catch {
            throw DeployError(
                kind: .history,
                userMessage: """
                    Cannot write \(destination): \(error.localizedDescription). Check that the state directory \
                    \(directory) is writable.
                    """)
        }
    }

    /// Forgets `service`'s `color`.
    public func remove(service: String, color: DeployColor) {
        try? FileManager.default.removeItem(atPath: path(service: service, color: color))
    }
}
