import DockerEngine
import Foundation
import TestSupport
import Testing

/// Reaching the engine over TCP and TCP+TLS: socat listens on loopback and forwards to Podman's socket,
/// with TLS that demands a client certificate signed by a CA made for the test.
@Suite("Remote engines over tcp and tcp+TLS", .serialized, .timeLimit(.minutes(3)))
struct RemoteEngineTests {
    /// Makes a CA, a server certificate for 127.0.0.1 and a client certificate, in Docker's file names.
    static func makeCertificates(in directory: TemporaryDirectory) async throws {
        let script = """
            set -e
            key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
            key ca-key.pem
            openssl req -x509 -new -key ca-key.pem -out ca.pem -days 1 -subj /CN=shipshape-test-ca
            key server-key.pem
            openssl req -new -key server-key.pem -out server.csr -subj /CN=127.0.0.1
            printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out server-cert.pem \
                -days 1 -extfile server.ext 2>/dev/null
            key key.pem
            openssl req -new -key key.pem -out client.csr -subj /CN=shipshape-client
            printf 'extendedKeyUsage=clientAuth\\n' > client.ext
            openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out cert.pem \
                -days 1 -extfile client.ext 2>/dev/null
            """
        let result = try await ProcessRunner.run(["bash", "-c", script], currentDirectory: directory.path)
        guard result.status == 0 else { throw TestSupportError(message: "openssl failed: \(result.stderr)") }
    }

    /// Runs socat with `listen` forwarding to the unix socket until `body` returns.
    static func withForwarder<T>(
        _ listen: String, to socket: String, _ body: () async throws -> T
    ) async throws -> T {
        guard ProcessRunner.isInstalled("socat") else {
            throw TestSupportError(message: "socat is not installed: run scripts/install-docker-deps.sh")
        }
        let forwarder = try SpawnedProcess(["socat", listen, "UNIX-CONNECT:\(socket)"])
        // SIGKILL: the child may inherit a mask that blocks SIGTERM from the test runner's thread.
        defer {
            forwarder.signal(SIGKILL)
            forwarder.wait()
        }
        return try await body()
    }

    /// Connects, retrying while the forwarder starts listening.
    static func connectWhenListening(_ host: DockerHost) async throws -> DockerClient {
        var lastError: DockerEngineError?
        for _ in 0..<50 {
            do {
                return try await DockerClient.connect(.init(host: host, requestTimeout: .seconds(10)))
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        throw lastError ?? DockerEngineError(kind: .unreachable, userMessage: "never connected")
    }

    @Test("talks to the engine over plain tcp:// from DOCKER_HOST")
    func plainTCP() async throws {
        let engine = try await ExternalServer.podman()
        defer { engine.stop() }
        let port = try ProcessRunner.freePort()
        try await Self.withForwarder("TCP-LISTEN:\(port),bind=127.0.0.1,reuseaddr,fork", to: engine.location) {
            let host = try DockerHost.fromEnvironment(["DOCKER_HOST": "tcp://127.0.0.1:\(port)"])
            let client = try await Self.connectWhenListening(host)
            try await client.ping()
            #expect(client.apiVersion >= DockerAPIVersion.clientMinimum)
            #expect(try await client.engineVersion() == client.version)
            await client.shutdown()
        }
    }

    @Test("verifies the engine and presents the client certificate over tcp+TLS")
    func mutualTLS() async throws {
        let certificates = try TemporaryDirectory(prefix: "docker-certs")
        defer { certificates.remove() }
        try await Self.makeCertificates(in: certificates)
        let engine = try await ExternalServer.podman()
        defer { engine.stop() }
        let port = try ProcessRunner.freePort()
        let dir = certificates.path
        let listen =
            "OPENSSL-LISTEN:\(port),bind=127.0.0.1,reuseaddr,fork,cert=\(dir)/server-cert.pem,"
            + "key=\(dir)/server-key.pem,cafile=\(dir)/ca.pem,verify=1"
        try await Self.withForwarder(listen, to: engine.location) {
            let environment = [
                "DOCKER_HOST": "tcp://127.0.0.1:\(port)", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": dir,
            ]
            let host = try DockerHost.fromEnvironment(environment)
            #expect(host == .tls(host: "127.0.0.1", port: port, certificatePath: dir, verify: true))
            let client = try await Self.connectWhenListening(host)
            try await client.ping()
            #expect(try await client.engineVersion().apiVersion == client.version.apiVersion)
            await client.shutdown()

            // Without the client certificate the engine's side refuses the handshake.
            let caOnly = try TemporaryDirectory(prefix: "ca-only")
            defer { caOnly.remove() }
            try FileManager.default.copyItem(atPath: "\(dir)/ca.pem", toPath: "\(caOnly.path)/ca.pem")
            let refused = await #expect(throws: DockerEngineError.self) {
                _ = try await DockerClient.connect(
                    .init(host: .tls(host: "127.0.0.1", port: port, certificatePath: caOnly.path, verify: true)))
            }
            #expect(refused?.kind == .unreachable)
            #expect(refused?.userMessage.contains("tcp://127.0.0.1:\(port) (TLS)") == true)
        }
    }
}
