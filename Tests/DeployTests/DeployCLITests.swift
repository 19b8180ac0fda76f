import Deploy
import Foundation
import TestSupport
import Testing

/// `shipshape deploy` and `rollback` as a user runs them (the built binary), against a real gateway in this
/// process and real processes: what they print and how they exit.
@Suite("deploy and rollback commands", .serialized, .timeLimit(.minutes(3)))
struct DeployCLITests {
    @Test("deploy --json and rollback --json print the failure record on standard output and exit 1")
    func jsonOnFailure() async throws {
        try await DeployHarness.with { harness in
            try await harness.controller().deploy(version: "1.0.0")
            try harness.writeConfiguration()
            let deploy = try await harness.run(["deploy", "app", "--version", "2.0.0-exits", "--json"])
            #expect(deploy.status == 1)
            let record = try Self.record(deploy.stdout)
            #expect(record.outcome == .failed && record.version == "2.0.0-exits" && record.color == .green)
            #expect(record.message?.contains("fatal: database unavailable") == true)
            #expect(deploy.stderr.contains("Error: "))
            // The failed deploy left nothing verified in green: the rollback is refused, with its record.
            let rollback = try await harness.run(["rollback", "app", "--json"])
            #expect(rollback.status == 1)
            let refused = try Self.record(rollback.stdout)
            #expect(refused.outcome == .failed && refused.service == "app")
            #expect(refused.message?.contains("the last deploy to the green color (2.0.0-exits) failed") == true)
            #expect(try await harness.servedVersion() == "1.0.0")
        }
    }

    @Test("deploy says which flag a runtime takes: --image for docker, --version for process")
    func flagFitsRuntime() async throws {
        let directory = try TemporaryDirectory(prefix: "deploy-flag")
        defer { directory.remove() }
        _ = try directory.write(
            "shipshape.yml",
            """
            project: flags
            gateway:
              routes: [{ match: /api/, service: api }, { match: /, service: web }]
            services:
              web: { runtime: docker, port: 8000 }
              api: { runtime: process, command: ["./api", "{port}"] }
            """)
        let docker = try await ShipshapeProcess.run(["deploy", "web", "--version", "2"], in: directory.path)
        #expect(docker.status == 1)
        #expect(docker.stderr.contains("Service 'web' uses the docker runtime: give the image to run with --image REF"))
        let process = try await ShipshapeProcess.run(["deploy", "api", "--image", "api:2"], in: directory.path)
        #expect(process.status == 1)
        #expect(process.stderr.contains("Service 'api' uses the process runtime: give --version V"))
    }

    @Test("a deploy with another --state-dir still waits for the project's lock")
    func stateDirectoryKeepsTheLock() async throws {
        let directory = try TemporaryDirectory(prefix: "deploy-lock")
        defer { directory.remove() }
        _ = try directory.write(
            "shipshape.yml",
            """
            project: locked
            gateway:
              routes: [{ match: /, service: api }]
              admin: { socket: \(directory.path)/admin.sock }
            services:
              api: { runtime: process, command: ["./api", "{port}"] }
            """)
        let lock = try DeployLock.acquire(
            path: "\(directory.path)/.shipshape/\(DeployLock.fileName(project: "locked"))", project: "locked",
            detail: "deploy api 1")
        defer { lock.release() }
        let second = try await ShipshapeProcess.run(
            ["deploy", "api", "--version", "2", "--state-dir", "elsewhere"], in: directory.path)
        #expect(second.status == 1)
        #expect(second.stderr.contains("Another deploy of project 'locked' is running (pid \(getpid())"), "\(second.stderr)")
    }

    /// The one JSON record `text` holds (the whole of standard output).
    static func record(_ text: String) throws -> DeployRecord {
        try DeployHistory.makeDecoder().decode(DeployRecord.self, from: Data(text.utf8))
    }
}
