import Foundation
import TestSupport

/// A throwaway `redis-server` in the foreground on a loopback port, owned and reaped by the test.
struct RedisServer {
    let process: SpawnedProcess
    let port: Int
    let directory: TemporaryDirectory

    /// Starts Redis (optionally on a given port, to restart "the same" server) and waits until it answers,
    /// without holding a thread of the cooperative pool meanwhile.
    static func start(port: Int? = nil) async throws -> RedisServer {
        guard ProcessRunner.isInstalled("redis-server"), ProcessRunner.isInstalled("redis-cli") else {
            throw TestSupportError(message: "redis-server/redis-cli not installed; run scripts/install-ratelimit-deps.sh")
        }
        let port = try port ?? ProcessRunner.freePort()
        let directory = try TemporaryDirectory(prefix: "redis")
        let process = try SpawnedProcess([
            "redis-server", "--port", String(port), "--bind", "127.0.0.1", "--dir", directory.path, "--save", "",
            "--appendonly", "no",
        ])
        let server = RedisServer(process: process, port: port, directory: directory)
        for _ in 0..<startAttempts {
            if (try? await server.cli("PING")) == "PONG" { return server }
            try await Task.sleep(for: startPoll)
        }
        server.stop()
        throw TestSupportError(message: "redis-server on port \(port) did not answer PING")
    }

    /// Runs `redis-cli` against this server and returns its output.
    func cli(_ arguments: String...) async throws -> String {
        try await ProcessRunner.run(["redis-cli", "-h", "127.0.0.1", "-p", String(port)] + arguments).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the server (SIGKILL: the tests want it gone at once, as in a crash) and reaps it.
    func stop() {
        process.signal(SIGCONT)
        process.signal(SIGKILL)
        process.wait()
        directory.remove()
    }

    static let startAttempts = 100
    static let startPoll: Duration = .milliseconds(50)
}
