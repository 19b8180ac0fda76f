import Foundation
import Testing
import TestSupport

@testable import Backup

/// `shipshape backup` as a user runs it: the built binary, its output and exit status.
@Suite("shipshape backup command line")
struct BackupCommandTests {
    @Test("run prints a summary line per part and the backup id; --json prints only the manifest; list shows it")
    func runAndList() async throws {
        let directory = try TemporaryDirectory(prefix: "cli")
        defer { directory.remove() }
        try directory.write("data/a.txt", "hello")
        // An X25519 recipient: a passphrase's scrypt (2^18) would dominate a debug build's run time.
        let recipient = X25519Identity.generate().recipient.description
        try directory.write(
            "shipshape.yml",
            """
            project: shop
            backup:
              store: store
              encryption: { recipients: [\(recipient)] }
              retention: { daily: 7 }
              sources:
                - files: [data]
            """)
        let binary = try ShipshapeProcess.binaryPath()
        let plain = try await ProcessRunner.run([binary, "backup", "run", "-c", "shipshape.yml"], currentDirectory: directory.path)
        #expect(plain.status == 0, "\(plain.stderr)")
        // Not a terminal: no carriage-return updates, one summary line for the part, then the result.
        #expect(!plain.stdout.contains("\r"))
        #expect(plain.stdout.contains("files: 10.0 KB at"), "\(plain.stdout)")
        #expect(plain.stdout.contains("done in"))
        #expect(plain.stdout.contains("1 files"))

        let json = try await ProcessRunner.run([binary, "backup", "run", "--json", "-c", "shipshape.yml"], currentDirectory: directory.path)
        #expect(json.status == 0, "\(json.stderr)")
        let manifest = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let id = try #require(manifest?["id"] as? String, "\(json.stdout)")

        let list = try await ProcessRunner.run([binary, "backup", "list", "-c", "shipshape.yml"], currentDirectory: directory.path)
        #expect(list.status == 0)
        #expect(list.stdout.contains(id))
        #expect(list.stdout.split(separator: "\n").count == 2)
    }

    @Test("while the store is locked, run exits 1 with a message naming the holder")
    func lockedRun() async throws {
        let directory = try TemporaryDirectory(prefix: "clilock")
        defer { directory.remove() }
        try directory.write("data/a.txt", "hello")
        try directory.write("passphrase.txt", "pass\n")
        try directory.write(
            "shipshape.yml",
            """
            project: shop
            backup:
              store: store
              encryption: { passphrase_file: passphrase.txt }
              sources:
                - files: [data]
            """)
        // A live holder: this test process itself, with an hour to go.
        let expires = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
        let now = ISO8601DateFormatter().string(from: Date())
        try directory.write(
            "store/shop/lock.json",
            #"{"host":"\#(ProcessInfo.processInfo.hostName)","pid":\#(getpid()),"operation":"backup prune","acquired_at":"\#(now)","expires_at":"\#(expires)","token":"t"}"#)
        let run = try await ProcessRunner.run(
            [try ShipshapeProcess.binaryPath(), "backup", "run", "-c", "shipshape.yml"], currentDirectory: directory.path)
        #expect(run.status == 1)
        #expect((run.stdout + run.stderr).contains("Another `backup prune` (pid \(getpid())"), "\(run.stdout)\(run.stderr)")
    }
}
