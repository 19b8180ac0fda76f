import Foundation
import ShipshapeCore

/// The active colors and targets, and maintenance mode, saved atomically (write to a temporary file, then rename)
/// after every change so a restarted gateway serves what it served before.
struct GatewayStateFile: Sendable {
    let path: String

    struct Contents: Codable {
        var version = 1
        var services: [ServiceSnapshot]
        /// Absent in files written before maintenance was saved (and while it was never turned on).
        var maintenance: MaintenanceState?
    }

    func save(_ services: [ServiceSnapshot], maintenance: MaintenanceState?) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(Contents(services: services, maintenance: maintenance))
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    func load() throws -> Contents? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode(Contents.self, from: data)
    }
}

/// Maintenance mode as the admin API set it last (`POST /v1/maintenance`).
struct MaintenanceState: Codable, Sendable, Equatable {
    /// The `Retry-After` sent when none is given, in seconds.
    static let defaultRetryAfter = 60

    var enabled: Bool
    var message: String?
    /// Seconds, never negative (RFC 9110 §10.2.3).
    var retryAfter: Int

    enum CodingKeys: String, CodingKey {
        case enabled, message
        case retryAfter = "retry_after"
    }
}
