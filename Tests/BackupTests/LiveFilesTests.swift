import Foundation
import Testing
import TestSupport

@testable import Backup

/// Files that change while tar reads them (a live uploads directory, a log) must not fail a backup.
@Suite("files changing during the backup")
struct LiveFilesTests {
    @Test("a file appended to during the run: backup run succeeds, with a warning naming the file; the backup restores")
    func fileChangedWhileRead() async throws {
        let project = try BackupCommandTests.FilesProject(prefix: "livefiles", data: "hello")
        let directory = project.directory
        defer { directory.remove() }
        // Large enough that tar takes a while over it while the appender keeps changing it.
        try Data(repeating: UInt8(ascii: "x"), count: 16 << 20).write(to: URL(fileURLWithPath: "\(directory.path)/data/live.log"))
        let appender = try SpawnedProcess(["sh", "-c", "while :; do echo line >> data/live.log; done"], directory: directory.path)
        var results: [ProcessRunner.Result] = []
        // Each run nearly always sees the change; a few runs make the test independent of timing.
        for _ in 0..<4 where !results.contains(where: { $0.stderr.contains("file changed as we read it") }) {
            results.append(try await ShipshapeProcess.run(["backup", "run", "--json", "-c", "shipshape.yml"], in: directory.path, timeout: 120))
        }
        appender.signal(SIGKILL)
        _ = try await offThread { appender.wait() }

        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map { "\($0.status) \($0.stderr)" })")
        let warned = try #require(results.last { $0.stderr.contains("file changed as we read it") }, "tar never saw the change")
        #expect(warned.stderr.contains("data/live.log"), "\(warned.stderr)")
        #expect(warned.stderr.contains("\"level\":\"warning\""), "\(warned.stderr)")
        let manifest = try JSONSerialization.jsonObject(with: Data(warned.stdout.utf8)) as? [String: Any]
        let id = try #require(manifest?["id"] as? String, "\(warned.stdout)")
        let restore = try await ShipshapeProcess.run(["backup", "restore", id, "--to", "out", "-c", "shipshape.yml"], in: directory.path)
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(try String(contentsOfFile: "\(directory.path)/out/files/data/a.txt", encoding: .utf8) == "hello")
    }
}
