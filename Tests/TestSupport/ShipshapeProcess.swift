import Foundation
import Synchronization

/// The built `shipshape` executable, run as a separate process (for signals and the CLI).
public final class ShipshapeProcess: Sendable {
    /// The executable path: `SHIPSHAPE_BINARY`, else the debug build in `.build`.
    public static func binaryPath() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["SHIPSHAPE_BINARY"] { return explicit }
        for candidate in [".build/debug/shipshape", ".build/x86_64-unknown-linux-gnu/debug/shipshape",
            ".build/aarch64-unknown-linux-gnu/debug/shipshape"]
        {
            let path = "\(ProcessRunner.packageRoot)/\(candidate)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw TestSupportError(message: "the shipshape binary is not built; run `swift build` before `swift test`")
    }

    let child: SpawnedProcess
    let exitStatus = Mutex<Int32?>(nil)
    /// Everything the process printed so far is appended here.
    public let outputPath: String

    /// Starts `shipshape ARGUMENTS` in `directory`, output to a file.
    public init(_ arguments: [String], directory: String, environment: [String: String] = [:]) throws {
        outputPath = "\(directory)/shipshape-\(UUID().uuidString.prefix(6)).log"
        child = try SpawnedProcess(
            [try Self.binaryPath()] + arguments, environment: environment, directory: directory, stdout: outputPath,
            stderr: outputPath)
    }

    /// Runs `shipshape ARGUMENTS` in `directory` to its end and returns its status and output. It runs under
    /// `timeout`, so a command that should have stopped but serves on ends with status 124 after `seconds`.
    public static func run(
        _ arguments: [String], in directory: String, environment: [String: String]? = nil, timeout seconds: Int = 30
    ) async throws -> ProcessRunner.Result {
        try await ProcessRunner.run(
            ["timeout", String(seconds), try binaryPath()] + arguments, environment: environment, currentDirectory: directory)
    }

    /// The process id.
    public var pid: Int32 { child.pid }

    /// Sends a signal.
    public func signal(_ signal: Int32) { child.signal(signal) }

    /// Waits for exit (up to `timeout` seconds) and returns the status, or nil if still running.
    public func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = exited() { return status }
            usleep(50_000)
        }
        return nil
    }

    /// The exit status if the process has exited (reaped once, remembered after).
    private func exited() -> Int32? {
        if let status = exitStatus.withLock({ $0 }) { return status }
        guard let status = child.poll() else { return nil }
        exitStatus.withLock { $0 = status }
        return status
    }

    /// Waits for exit (up to `timeout` seconds) without holding a thread, and returns the status, or nil if
    /// still running.
    public func waitForExit(timeout: Double) async -> Int32? {
        let deadline = ContinuousClock.now + .seconds(timeout)
        repeat {
            if let status = exited() { return status }
            try? await Task.sleep(for: .milliseconds(50))
        } while ContinuousClock.now < deadline
        return nil
    }

    /// What it printed.
    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Stops it if still running (SIGTERM, then SIGKILL).
    public func stop() {
        guard exitStatus.withLock({ $0 }) == nil else { return }
        child.signal(SIGTERM)
        if waitForExit(timeout: 5) == nil {
            child.signal(SIGKILL)
            _ = waitForExit(timeout: 5)
        }
    }

    /// Polls `url` with curl until it answers (any status) or `timeout` passes.
    public static func waitUntilServing(_ url: String, timeout: Double = 20) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            if let result = try? await ProcessRunner.run(["curl", "-k", "-s", "-o", "/dev/null", "--max-time", "1", url]),
                result.status == 0
            {
                return true
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
