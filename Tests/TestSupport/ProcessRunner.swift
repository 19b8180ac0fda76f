import Foundation

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

    /// Runs `arguments` (the first is looked up on PATH) and waits for it to finish.
    @discardableResult
    public static func run(
        _ arguments: [String], input: Data? = nil, environment: [String: String]? = nil,
        currentDirectory: String? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try? stdin.fileHandleForWriting.close()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var errorData = Data()
        group.enter()
        DispatchQueue.global().async {
            errorData = stderr.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData, as: UTF8.self))
    }

    /// Runs one of the project's `scripts/NAME` with arguments and returns its trimmed standard output;
    /// a non-zero exit is an error carrying its standard error.
    public static func script(_ name: String, _ arguments: String...) throws -> String {
        let result = try run(["bash", "\(packageRoot)/scripts/\(name)"] + arguments)
        guard result.status == 0 else {
            throw TestSupportError(message: "scripts/\(name) \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// True when `program` is on PATH.
    public static func isInstalled(_ program: String) -> Bool {
        (try? run(["sh", "-c", "command -v \(program)"]).status) == 0
    }

    /// A free TCP port on loopback (bound and released; fine for servers started right after).
    public static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        guard bound else { throw TestSupportError(message: "cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
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
