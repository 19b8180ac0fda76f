import Foundation
import ShipshapeCore
import Synchronization

/// Runs external programs for tests: servers' start scripts, `curl`, `openssl`, `age`, `pg_dump`.
public enum ProcessRunner {
    /// The output and status of a finished program.
    public struct Result: Sendable {
        /// Exit status.
        public var status: Int32
        /// Standard output.
        public var stdout: String
        /// Standard error.
        public var stderr: String
    }

    /// The repository root, found from this file's location.
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// Runs `arguments` (the first is looked up on PATH) and waits for it to finish. Input and output go
    /// through files, so a chatty child can never block on a full pipe.
    @discardableResult
    public static func run(
        _ arguments: [String], input: Data? = nil, environment: [String: String]? = nil,
        currentDirectory: String? = nil
    ) throws -> Result {
        let directory = try TemporaryDirectory(prefix: "run")
        defer { directory.remove() }
        let inputPath = "\(directory.path)/in", outputPath = "\(directory.path)/out", errorPath = "\(directory.path)/err"
        _ = FileManager.default.createFile(atPath: inputPath, contents: input ?? Data())
        let child = try SpawnedProcess(
            arguments, environment: environment, directory: currentDirectory, stdin: inputPath, stdout: outputPath,
            stderr: errorPath)
        let status = child.wait()
        return Result(
            status: status,
            stdout: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
    }

    /// `run` on a thread of its own, leaving the cooperative pool to the other tests.
    @discardableResult
    public static func run(
        _ arguments: [String], input: Data? = nil, environment: [String: String]? = nil,
        currentDirectory: String? = nil
    ) async throws -> Result {
        try await offThread { try run(arguments, input: input, environment: environment, currentDirectory: currentDirectory) as Result }
    }

    /// Runs one of the project's `scripts/NAME` with arguments and returns its trimmed standard output;
    /// a non-zero exit is an error carrying its output. Spawned and reaped with posix_spawn/waitpid: when a
    /// script leaves a daemon behind, Foundation's `Process` can miss the script's exit and wait forever.
    public static func script(_ name: String, _ arguments: String...) throws -> String {
        try script(name, arguments: arguments)
    }

    /// `script` on a thread of its own, leaving the cooperative pool to the other tests.
    public static func script(_ name: String, _ arguments: String...) async throws -> String {
        try await offThread { try script(name, arguments: arguments) }
    }

    /// `script` with its arguments as an array.
    public static func script(_ name: String, arguments: [String]) throws -> String {
        let directory = try TemporaryDirectory(prefix: "script")
        defer { directory.remove() }
        let output = "\(directory.path)/out"
        let status = try SpawnedProcess(["bash", "\(packageRoot)/scripts/\(name)"] + arguments, stdout: output, stderr: output)
            .wait()
        let text = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == 0 else {
            throw TestSupportError(message: "scripts/\(name) \(arguments.joined(separator: " ")) failed: \(text)")
        }
        return text
    }

    /// True when `program` is on PATH.
    public static func isInstalled(_ program: String) -> Bool {
        (try? run(["sh", "-c", "command -v \(program)"]).status) == 0
    }

    /// Ports already handed out in this test process: two servers of concurrent tests must not race for one.
    private static let handedOut = Mutex(Set<Int>())

    /// A free TCP port on loopback (bound and released; fine for servers started right after), never one this
    /// process handed out before, from below the kernel's ephemeral range (see `FreePort`).
    public static func freePort() throws -> Int {
        guard let port = FreePort.belowEphemeralRange(accept: { port in handedOut.withLock { $0.insert(port).inserted } })
        else { throw TestSupportError(message: "cannot find a free port below the ephemeral range") }
        return port
    }
}

/// A failure of the test fixtures themselves (a server that would not start, a missing tool).
public struct TestSupportError: Error, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// A fixture failure.
    public init(message: String) { self.message = message }
    public var description: String { message }
}
