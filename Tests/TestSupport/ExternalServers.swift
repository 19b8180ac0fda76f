import Foundation
import ShipshapeCore

/// Real servers started by tests through the project's `scripts/`; each is stopped by `stop()`.
public struct ExternalServer: Sendable {
    /// The server's process id.
    public let pid: Int32
    /// The loopback port it listens on (0 for unix-socket servers).
    public let port: Int
    /// Its data directory or socket path.
    public let location: String
    /// For an S3 server that checks signatures: the shared-credentials file with the one key it accepts.
    public var credentialsFile: String? = nil

    /// Stops the server (SIGTERM, then SIGKILL after a grace period).
    public func stop() {
        kill(pid, SIGTERM)
        for _ in 0..<50 {
            // The start script exited before it, so its zombie waits for init, which here may never reap it.
            if !ProcessTable.isRunning(pid) { return }
            usleep(100_000)
        }
        kill(pid, SIGKILL)
    }

    // Each start waits for its server on a thread of its own: starting PostgreSQL (initdb) or Podman takes
    // seconds, which a blocked thread of the cooperative pool (two on these machines) would take from the other
    // tests running meanwhile.

    /// A throwaway PostgreSQL on loopback; connect as `postgres` with trust auth.
    public static func postgres() async throws -> ExternalServer {
        let directory = try TemporaryDirectory(prefix: "pg")
        let port = try ProcessRunner.freePort()
        let pid = try await ProcessRunner.script("postgres.sh", "start", directory.path, String(port))
        return try server(pid: pid, port: port, location: directory.path)
    }

    /// A throwaway Redis on loopback.
    public static func redis(port: Int? = nil) async throws -> ExternalServer {
        let directory = try TemporaryDirectory(prefix: "redis")
        let port = try port ?? ProcessRunner.freePort()
        let pid = try await ProcessRunner.script("redis.sh", "start", directory.path, String(port))
        return try server(pid: pid, port: port, location: directory.path)
    }

    /// An S3-compatible server (moto) on loopback; any credentials, region us-east-1, path-style.
    public static func s3() async throws -> ExternalServer {
        let port = try ProcessRunner.freePort()
        let pid = try await ProcessRunner.script("s3.sh", "start", String(port))
        return try server(pid: pid, port: port, location: "http://127.0.0.1:\(port)")
    }

    /// moto checking every SigV4 signature, with `bucket` created and the only valid key written to
    /// `credentialsFile` (shared-credentials format).
    public static func s3CheckingSignatures(bucket: String) async throws -> ExternalServer {
        let port = try ProcessRunner.freePort()
        let directory = try TemporaryDirectory(prefix: "s3")
        let credentials = "\(directory.path)/credentials"
        let pid = try await ProcessRunner.script("s3.sh", "start-auth", String(port), credentials, bucket)
        var server = try server(pid: pid, port: port, location: "http://127.0.0.1:\(port)")
        server.credentialsFile = credentials
        return server
    }

    /// Podman's Docker-compatible API on a unix socket; use `DOCKER_HOST=unix://<location>`.
    public static func podman() async throws -> ExternalServer {
        let directory = try TemporaryDirectory(prefix: "podman")
        let socket = "\(directory.path)/podman.sock"
        let pid = try await ProcessRunner.script("podman-engine.sh", "start", socket)
        return try server(pid: pid, port: 0, location: socket)
    }

    static func server(pid: String, port: Int, location: String) throws -> ExternalServer {
        guard let value = Int32(pid.split(separator: "\n").last ?? "") else {
            throw TestSupportError(message: "server did not report a pid (got '\(pid)')")
        }
        return ExternalServer(pid: value, port: port, location: location)
    }
}
