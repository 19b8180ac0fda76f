import Foundation
import Testing
import TestSupport

@testable import Backup

/// One backup whose manifest was cut short must not take `list`, `prune`, `verify` and `status` down for all.
@Suite("a damaged manifest is skipped, not fatal")
struct DamagedManifestTests {
    @Test("a manifest cut to 100 bytes: list shows it as damaged and the others; prune and verify go on and leave it; status reports the rest")
    func truncatedManifest() async throws {
        let project = try BackupCommandTests.FilesProject(prefix: "damaged", data: "hello", retention: "{ last: 1 }")
        let directory = project.directory
        defer { directory.remove() }
        func shipshape(_ arguments: String...) async throws -> ProcessRunner.Result {
            try await ShipshapeProcess.run(arguments + ["-c", "shipshape.yml"], in: directory.path)
        }
        var ids: [String] = []
        for _ in 0..<3 {
            let run = try await shipshape("backup", "run", "--json")
            let manifest = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            ids.append(try #require(manifest?["id"] as? String, "\(run.stdout)\(run.stderr)"))
        }
        let damaged = ids[0]
        let manifestPath = "\(directory.path)/store/shop/\(damaged)/manifest.json"
        #expect(truncate(manifestPath, 100) == 0)

        let list = try await shipshape("backup", "list")
        #expect(list.status == 0, "\(list.stdout)\(list.stderr)")
        #expect(list.stdout.contains(ids[1]) && list.stdout.contains(ids[2]), "\(list.stdout)")
        #expect(list.stdout.contains("\(damaged)  DAMAGED: The manifest of backup '\(damaged)' is unreadable: it is not valid JSON"), "\(list.stdout)")
        let everything = list.stdout + list.stderr
        #expect(!everything.contains("DecodingError") && !everything.contains("dataCorrupted"), "\(everything)")
        let json = try await shipshape("backup", "list", "--json")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], "\(json.stdout)")
        #expect(rows.count == 3)
        // Every key is there: `verified` is null when verify never ran.
        #expect(rows.allSatisfy { $0.keys.contains("verified") && $0.keys.contains("damaged") }, "\(json.stdout)")

        let verify = try await shipshape("backup", "verify")
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("backup \(ids[2]): verified"), "\(verify.stdout)")

        let prune = try await shipshape("backup", "prune")
        #expect(prune.status == 0, "\(prune.stdout)\(prune.stderr)")
        #expect(prune.stdout.contains("remove \(ids[1])"), "\(prune.stdout)")
        // Its date is unknown, so prune leaves the damaged backup alone.
        #expect(!prune.stdout.contains(damaged), "\(prune.stdout)")
        #expect(FileManager.default.fileExists(atPath: "\(directory.path)/store/shop/\(damaged)/files.age"))

        let status = try await ShipshapeProcess.run(["status", "--json", "-c", "shipshape.yml"], in: directory.path)
        #expect(status.stdout.contains("newest \(ids[2])"), "\(status.stdout)\(status.stderr)")
        #expect(status.stdout.contains("skipped: The manifest of backup '\(damaged)' is unreadable"), "\(status.stdout)")
    }
}
