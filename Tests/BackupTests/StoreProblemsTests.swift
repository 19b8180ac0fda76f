import Foundation
import Testing
import TestSupport

@testable import Backup

/// Stores that cannot work say why, and the command line offers only options a command uses.
@Suite("store problems and command options")
struct StoreProblemsTests {
    static func project(store: String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "storeproblem")
        try directory.write("data/a.txt", "hello")
        try directory.write(
            "shipshape.yml",
            """
            project: shop
            backup:
              store: \(store)
              encryption: { recipients: [\(X25519Identity.generate().recipient.description)] }
              sources:
                - files: [data]
            """)
        return directory
    }

    @Test("a store path that is a regular file: list and run fail naming it instead of reporting no backups")
    func storeIsAFile() async throws {
        let directory = try Self.project(store: "store")
        defer { directory.remove() }
        try directory.write("store", "not a directory")
        let list = try await ShipshapeProcess.run(["backup", "list", "-c", "shipshape.yml"], in: directory.path)
        #expect(list.status == 1, "\(list.stdout)\(list.stderr)")
        #expect(list.stderr.contains("The backup store path \(directory.path)/store is a file, not a directory"), "\(list.stderr)")
        #expect(!list.stdout.contains("no complete backups"))
        let run = try await ShipshapeProcess.run(["backup", "run", "-c", "shipshape.yml"], in: directory.path)
        #expect(run.status == 1)
        #expect(run.stderr.contains("is a file, not a directory"), "\(run.stderr)")
    }

    @Test(
        "a read-only store: run fails with the system's reason (Read-only file system), not No such file or directory",
        .enabled(if: getuid() == 0, "mounting a read-only tmpfs needs root"))
    func readOnlyStore() async throws {
        let directory = try Self.project(store: "store")
        defer { directory.remove() }
        let store = "\(directory.path)/store"
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        let mount = try await ProcessRunner.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", store])
        try #require(mount.status == 0, "mount: \(mount.stderr)")
        let run = try await ShipshapeProcess.run(["backup", "run", "-c", "shipshape.yml"], in: directory.path)
        _ = try await ProcessRunner.run(["umount", store])
        #expect(run.status == 1)
        #expect(run.stderr.contains("Read-only file system"), "\(run.stderr)")
        #expect(!run.stderr.contains("No such file or directory"), "\(run.stderr)")
    }

    @Test("--identity is offered by verify and restore, which decrypt, and not by run, list or prune")
    func identityOnlyWhereUsed() async throws {
        let directory = try Self.project(store: "store")
        defer { directory.remove() }
        for command in ["run", "list", "prune"] {
            let help = try await ShipshapeProcess.run(["backup", command, "--help"], in: directory.path)
            #expect(!help.stdout.contains("--identity"), "\(command): \(help.stdout)")
        }
        for command in ["verify", "restore"] {
            let help = try await ShipshapeProcess.run(["backup", command, "--help"], in: directory.path)
            #expect(help.stdout.contains("--identity"), "\(command): \(help.stdout)")
        }
        let refused = try await ShipshapeProcess.run(["backup", "run", "--identity", "k", "-c", "shipshape.yml"], in: directory.path)
        #expect(refused.status != 0)
    }
}
