import Foundation
import TestSupport

/// Starts the project's server scripts through `ProcessRunner.script` (posix_spawn and waitpid).
///
/// `ExternalServer.postgres()/.redis()` hang in this test target: after the start script exits, Foundation's
/// `Process` never reaps it (it stays a zombie) when the script leaves a daemon behind, so the tests wait
/// forever. Spawning and reaping directly avoids that; output goes to a file.
enum ServerLauncher {
    static func start(_ script: String, _ arguments: [String]) throws -> Int32 {
        let text = try ProcessRunner.script(script, arguments: arguments)
        guard let serverPID = Int32(text.split(separator: "\n").last ?? "") else {
            throw TestSupportError(message: "scripts/\(script) \(arguments.joined(separator: " ")) printed no pid: \(text)")
        }
        return serverPID
    }

    static func postgres() throws -> LaunchedServer {
        let directory = try TemporaryDirectory(prefix: "pg")
        let port = try ProcessRunner.freePort()
        let pid = try start("postgres.sh", ["start", directory.path, String(port)])
        return LaunchedServer(pid: pid, port: port, location: directory.path)
    }

    static func redis() throws -> LaunchedServer {
        let directory = try TemporaryDirectory(prefix: "redis")
        let port = try ProcessRunner.freePort()
        let pid = try start("redis.sh", ["start", directory.path, String(port)])
        return LaunchedServer(pid: pid, port: port, location: directory.path)
    }

    /// moto checking every SigV4 signature, with `bucket` created and the only valid key written to
    /// `credentialsFile` (shared-credentials format).
    static func s3(bucket: String) throws -> LaunchedServer {
        let port = try ProcessRunner.freePort()
        let directory = try TemporaryDirectory(prefix: "s3")
        let credentials = "\(directory.path)/credentials"
        let pid = try start("s3.sh", ["start-auth", String(port), credentials, bucket])
        return LaunchedServer(pid: pid, port: port, location: "http://127.0.0.1:\(port)", credentialsFile: credentials)
    }
}

/// A server started by `ServerLauncher`; `stop()` ends it.
struct LaunchedServer: Sendable {
    let pid: Int32
    let port: Int
    let location: String
    /// For S3: the shared-credentials file holding the key the server accepts.
    var credentialsFile: String? = nil

    func stop() {
        kill(pid, SIGTERM)
        for _ in 0..<50 {
            if kill(pid, 0) != 0 { return }
            usleep(100_000)
        }
        kill(pid, SIGKILL)
    }
}
