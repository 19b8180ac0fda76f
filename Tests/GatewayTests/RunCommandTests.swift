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
