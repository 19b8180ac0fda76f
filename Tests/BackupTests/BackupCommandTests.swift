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
        // Logs go to standard error as JSON lines, warnings and worse unless SHIPSHAPE_LOG_LEVEL says otherwise.
        #expect(plain.stderr.isEmpty, "\(plain.stderr)")
        let verbose = try await ProcessRunner.run(
            [binary, "backup", "run", "-c", "shipshape.yml"], environment: ["SHIPSHAPE_LOG_LEVEL": "info"],
            currentDirectory: directory.path)
        let lines = verbose.stderr.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(!lines.isEmpty && lines.allSatisfy { $0 != nil }, "\(verbose.stderr)")
        #expect(lines.contains { $0?["message"] as? String == "stored part" && $0?["part"] as? String == "files" }, "\(verbose.stderr)")

        let json = try await ProcessRunner.run([binary, "backup", "run", "--json", "-c", "shipshape.yml"], currentDirectory: directory.path)
        #expect(json.status == 0, "\(json.stderr)")
        let manifest = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let id = try #require(manifest?["id"] as? String, "\(json.stdout)")

        let list = try await ProcessRunner.run([binary, "backup", "list", "-c", "shipshape.yml"], currentDirectory: directory.path)
        #expect(list.status == 0)
        #expect(list.stdout.contains(id))
        #expect(list.stdout.split(separator: "\n").count == 3)
        #expect(list.stdout.split(separator: "\n").allSatisfy { $0.contains(" s ago") }, "just made: \(list.stdout)")
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

    /// A project `shop` that backs up its `data/` directory to `store/`, encrypted to a fresh X25519 key whose
    /// secret is in `key.txt`; `shipshape` runs the built binary's `backup` subcommands in it.
    struct FilesProject {
        let directory: TemporaryDirectory
        var path: String { directory.path }

        /// `retention`: a flow mapping such as `{ last: 1 }`, written under `backup:` when given.
        init(prefix: String, data: String, retention: String? = nil) throws {
            directory = try TemporaryDirectory(prefix: prefix)
            try directory.write("data/a.txt", data)
            let identity = X25519Identity.generate()
            try directory.write("key.txt", identity.encoded + "\n")
            try directory.write(
                "shipshape.yml",
                """
                project: shop
                backup:
                  store: store
                  encryption: { recipients: [\(identity.recipient.description)], identity_file: key.txt }
                \(retention.map { "  retention: \($0)\n" } ?? "")  sources:
                    - files: [data]
                """)
        }

        func shipshape(_ arguments: String...) async throws -> ProcessRunner.Result {
            try await ProcessRunner.run(
                [try ShipshapeProcess.binaryPath(), "backup"] + arguments + ["-c", "shipshape.yml"], currentDirectory: path)
        }
    }

    @Test(
        "a full disk fails the run naming the file and the cause; the good backup stays listed and restorable, nothing partial is left",
        .enabled(if: getuid() == 0, "mounting a small tmpfs as the store needs root"))
    func fullDisk() async throws {
        let project = try FilesProject(prefix: "clifull", data: String(repeating: "shipshape\n", count: 1000))
        defer { project.directory.remove() }
        let store = "\(project.path)/store"
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        let mount = try await ProcessRunner.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", store])
        try #require(mount.status == 0, "mount: \(mount.stderr)")
        do {
            try await fullDiskScenario(project)
        } catch {
            _ = try? await ProcessRunner.run(["umount", store])
            throw error
        }
        _ = try await ProcessRunner.run(["umount", store])
    }

    func fullDiskScenario(_ project: FilesProject) async throws {
        let directory = project.directory
        let good = try await project.shipshape("run", "--json")
        #expect(good.status == 0, "\(good.stderr)")
        let manifest = try JSONSerialization.jsonObject(with: Data(good.stdout.utf8)) as? [String: Any]
        let goodID = try #require(manifest?["id"] as? String, "\(good.stdout)")

        // 1 MiB that does not compress, for a 512 KiB disk already holding the first backup.
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<(1 << 17)).flatMap { _ in withUnsafeBytes(of: generator.next() as UInt64, Array.init) }
        try Data(noise).write(to: URL(fileURLWithPath: "\(directory.path)/data/noise.bin"))
        let full = try await project.shipshape("run")
        #expect(full.status == 1)
        let message = full.stdout + full.stderr
        #expect(message.contains("Cannot write \(directory.path)/store/shop/"), "\(message)")
        #expect(message.contains("No space left on device"), "\(message)")
        #expect(message.contains("existing backups were not changed"), "\(message)")

        // The store holds the good backup and nothing else: no partial file, no half backup, no lock.
        let left = try FileManager.default.subpathsOfDirectory(atPath: "\(directory.path)/store/shop").sorted()
        #expect(left == [goodID, "\(goodID)/files.age", "\(goodID)/manifest.json"], "\(left)")
        let list = try await project.shipshape("list")
        #expect(list.stdout.contains(goodID))
        #expect(list.stdout.split(separator: "\n").count == 1, "\(list.stdout)")
        let restore = try await project.shipshape("restore", goodID, "--to", "\(directory.path)/restored")
        #expect(restore.status == 0, "\(restore.stderr)")
        let restored = try String(contentsOfFile: "\(directory.path)/restored/files/data/a.txt", encoding: .utf8)
        #expect(restored == String(repeating: "shipshape\n", count: 1000))

        // Once there is room again, the next run succeeds.
        try FileManager.default.removeItem(atPath: "\(directory.path)/data/noise.bin")
        let again = try await project.shipshape("run")
        #expect(again.status == 0, "\(again.stderr)")
    }

    @Test("a part missing from the store or cut short fails verify and restore, naming the file; the restore leaves nothing behind and never writes into a non-empty directory")
    func damagedParts() async throws {
        // 1 MB: sixteen age chunks, so half a file still decrypts to several chunks tar would extract.
        let project = try FilesProject(prefix: "clidamaged", data: String(repeating: "shipshape\n", count: 100_000))
        let directory = project.directory
        defer { directory.remove() }
        let run = try await project.shipshape("run", "--json")
        let manifest = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let id = try #require(manifest?["id"] as? String, "\(run.stdout)\(run.stderr)")
        let part = "\(directory.path)/store/shop/\(id)/files.age"

        // A second restore into the same directory is refused and leaves the first one as it was.
        let first = try await project.shipshape("restore", id, "--to", "\(directory.path)/good")
        #expect(first.status == 0, "\(first.stderr)")
        try directory.write("good/files/data/a.txt", "edited since")
        let again = try await project.shipshape("restore", id, "--to", "\(directory.path)/good")
        #expect(again.status == 1)
        #expect(again.stderr.contains("good/files already exists and is not empty"), "\(again.stderr)")
        #expect(try String(contentsOfFile: "\(directory.path)/good/files/data/a.txt", encoding: .utf8) == "edited since")
        // A file where the restore would put its directory is not replaced either.
        try directory.write("other/files", "a note of mine")
        let onFile = try await project.shipshape("restore", id, "--to", "\(directory.path)/other")
        #expect(onFile.status == 1)
        #expect(try String(contentsOfFile: "\(directory.path)/other/files", encoding: .utf8) == "a note of mine")

        let whole = try Data(contentsOf: URL(fileURLWithPath: part))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: part))
        let truncated = try await project.shipshape("verify", id)
        #expect(truncated.status == 1)
        #expect(truncated.stdout.contains("files.age of backup \(id) has SHA-256"), "\(truncated.stdout)")
        #expect(truncated.stdout.contains("verification FAILED"))
        // Half the archive reached tar before the damage showed: none of it is left.
        let cut = try await project.shipshape("restore", id, "--to", "\(directory.path)/cut")
        #expect(cut.status == 1)
        #expect(cut.stderr.contains("has SHA-256"), "\(cut.stderr)")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: "\(directory.path)/cut")) ?? [] == [])

        try FileManager.default.removeItem(atPath: part)
        let missing = try await project.shipshape("verify", id)
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("files.age of backup \(id) is missing from the store"), "\(missing.stdout)")
        let restore = try await project.shipshape("restore", id, "--to", "\(directory.path)/restored")
        #expect(restore.status == 1)
        #expect(restore.stderr.contains("files.age of backup \(id) is missing from the store"), "\(restore.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(directory.path)/restored/files/data/a.txt"))
        // Still listed, now marked as failing verification, and its manifest kept for a look.
        let list = try await project.shipshape("list")
        #expect(list.stdout.contains(id))
        #expect(list.stdout.contains("VERIFY FAILED"), "\(list.stdout)")
    }
}
