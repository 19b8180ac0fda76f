import Foundation
import ShipshapeCore

/// The active colors and targets, saved atomically (write to a temporary file, then rename) after every
/// change so a restarted gateway serves what it served before.
struct GatewayStateFile: Sendable {
    let path: String

    struct Contents: Codable {
        var version = 1
        var services: [ServiceSnapshot]
    }

    func save(_ services: [ServiceSnapshot]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(Contents(services: services))
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    func load() throws -> [ServiceSnapshot]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode(Contents.self, from: data).services
    }
}
