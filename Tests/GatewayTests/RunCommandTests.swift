import Foundation
import TestSupport
import Testing

@Suite("shipshape run")
struct RunCommandTests {
    @Test("with only backup: in the file, run opens no HTTP listener, serves metrics and its admin socket, and stops on SIGTERM")
    func backupOnly() async throws {
        let directory = try TemporaryDirectory(prefix: "run-backup-only")
        defer { directory.remove() }
        let metrics = try ProcessRunner.freePort()
        try directory.write("media/hello.txt", "hello\n")
        try directory.write("pass.txt", "correct horse battery staple\n")
        try directory.write(
            "shipshape.yml",
            """
            project: db-host
            gateway:
              admin: { socket: admin.sock, metrics: 127.0.0.1:\(metrics) }
            backup:
              schedule: "0 2 * * *"
              store: store
              encryption: { passphrase_file: pass.txt }
              sources:
                - files: [media/]
            """)
        let run = try ShipshapeProcess(["run", "-c", "shipshape.yml"], directory: directory.path)
        defer { run.stop() }
        try #require(await ShipshapeProcess.waitUntilServing("http://127.0.0.1:\(metrics)/metrics"), "output: \(run.output)")
        #expect(FileManager.default.fileExists(atPath: "\(directory.path)/admin.sock"))
        let listening = run.output.split(separator: "\n").first { $0.contains("gateway listening") } ?? ""
        #expect(listening.contains(#""http":"-""#) && listening.contains(#""https":"-""#), "output: \(run.output)")
        run.signal(SIGTERM)
        #expect(await run.waitForExit(timeout: 10) == 0, "output: \(run.output)")
    }
}
