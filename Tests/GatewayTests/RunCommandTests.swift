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

    @Test("SIGTERM during a scheduled backup drains the gateway at once, cancels the backup and leaves nothing half-written")
    func sigtermDuringScheduledBackup() async throws {
        let directory = try TemporaryDirectory(prefix: "run-sigterm-backup")
        defer { directory.remove() }
        let port = try ProcessRunner.freePort()
        try directory.write("media/hello.txt", "hello\n")
        try directory.write(
            "shipshape.yml",
            """
            project: shop
            gateway:
              http: 127.0.0.1:\(port)
              admin: { socket: admin.sock, metrics: null }
              routes: [{ match: /, service: app }]
            services:
              app: { targets: [127.0.0.1:9] }
            backup:
              schedule: "* * * * *"
              store: store
              encryption: { recipients: [age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq] }
              sources:
                - files: [media/]
            """)
        // A tar that writes its archive, then holds the stream open: the backup runs until it is stopped. It gives
        // up by itself once the test's directory is gone (or after two minutes), should the gateway not stop it.
        try directory.write(
            "held/tar",
            """
            #!/bin/sh
            touch '\(directory.path)/tar-started'
            /usr/bin/tar "$@" || exit
            i=0
            while [ -d '\(directory.path)' ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done
            """)
        chmod("\(directory.path)/held/tar", 0o755)
        let path = "\(directory.path)/held:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let run = try ShipshapeProcess(["run", "-c", "shipshape.yml"], directory: directory.path, environment: ["PATH": path])
        defer { run.stop() }
        let health = "http://127.0.0.1:\(port)/health"
        try #require(await ShipshapeProcess.waitUntilServing(health), "output: \(run.output)")
        // The schedule fires at the next minute.
        let started = ContinuousClock.now + .seconds(75)
        while !FileManager.default.fileExists(atPath: "\(directory.path)/tar-started"), ContinuousClock.now < started {
            try await Task.sleep(for: .milliseconds(100))
        }
        try #require(FileManager.default.fileExists(atPath: "\(directory.path)/tar-started"), "output: \(run.output)")
        try await Task.sleep(for: .milliseconds(300))

        run.signal(SIGTERM)
        // Within a couple of seconds a new request is refused or told the connection closes.
        var draining = false
        let deadline = ContinuousClock.now + .seconds(2)
        while !draining, ContinuousClock.now < deadline {
            let answer = try await ProcessRunner.run(["curl", "-s", "-i", "--max-time", "1", health])
            draining = answer.status != 0 || answer.stdout.lowercased().contains("connection: close")
            if !draining { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(draining, "output: \(run.output)")
        #expect(await run.waitForExit(timeout: 15) == 0, "output: \(run.output)")
        #expect(run.output.contains("scheduled job cancelled by shutdown"), "output: \(run.output)")
        let list = try await ShipshapeProcess.run(["backup", "list", "--json", "-c", "shipshape.yml"], in: directory.path)
        #expect(list.status == 0 && list.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "\(list)")
        let written = (try? FileManager.default.subpathsOfDirectory(atPath: "\(directory.path)/store")) ?? []
        #expect(!written.contains { $0.hasSuffix(".age") }, "\(written)")
    }

    /// A listening socket on 127.0.0.1 at a free port, held until closed.
    static func occupyPort() throws -> (descriptor: Int32, port: Int) {
        let port = try ProcessRunner.freePort()
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 1) == 0 else {
            close(descriptor)
            throw TestSupportError(message: "cannot occupy port \(port)")
        }
        return (descriptor, port)
    }

    @Test("a port already taken stops the start with exit 1, naming the listener's key and address")
    func portTaken() async throws {
        let directory = try TemporaryDirectory(prefix: "run-port-taken")
        defer { directory.remove() }
        let taken = try Self.occupyPort()
        defer { close(taken.descriptor) }
        try directory.write(
            "shipshape.yml",
            """
            project: shop
            gateway:
              http: 127.0.0.1:\(taken.port)
              admin: { socket: admin.sock, metrics: null }
              routes: [{ match: /, service: app }]
            services:
              app: { targets: [127.0.0.1:9] }
            """)
        let result = try await ShipshapeProcess.run(["proxy"], in: directory.path, timeout: 10)
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("could not listen on 127.0.0.1:\(taken.port) (gateway.http): Address already in use"),
            "\(result.stderr)")
    }

    @Test("deploy with a misspelt service names the known ones and the closest; exit 1 before anything starts")
    func deployUnknownService() async throws {
        let directory = try TemporaryDirectory(prefix: "deploy-unknown")
        defer { directory.remove() }
        try directory.write(
            "shipshape.yml",
            """
            project: shop
            gateway: { admin: { socket: admin.sock, metrics: null } }
            services:
              backend: { runtime: process, command: [/bin/true, "{port}"] }
              frontend: { targets: [127.0.0.1:3000] }
            """)
        let result = try await ShipshapeProcess.run(["deploy", "bakend", "--version", "2"], in: directory.path, timeout: 10)
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("There is no service 'bakend' in shipshape.yml; known: backend, frontend. Did you mean 'backend'?"),
            "\(result.stderr)")
    }
}
