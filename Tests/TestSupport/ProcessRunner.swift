import Foundation
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

    static func script(_ name: String, arguments: [String]) throws -> String {
        let directory = try TemporaryDirectory(prefix: "script")
        defer { directory.remove() }
        let output = "\(directory.path)/out"
        let command = "bash \"$0\" \"$@\" >\"\(output)\" 2>&1 </dev/null"
        let argv = ["/bin/sh", "-c", command, "\(packageRoot)/scripts/\(name)"] + arguments
        var pid: pid_t = 0
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        let spawned = posix_spawn(&pid, "/bin/sh", nil, nil, &cArguments, environ)
        guard spawned == 0 else { throw TestSupportError(message: "cannot spawn scripts/\(name): \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
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
    /// process handed out before. It is taken below the kernel's ephemeral range: a port from that range (what
    /// binding port 0 gives) can be taken by any outgoing connection of a test running meanwhile before the
    /// server that was meant to get it binds it.
    public static func freePort() throws -> Int {
        let ephemeralStart = ephemeralRangeStart()
        for _ in 0..<200 {
            let port = Int.random(in: 10_000..<ephemeralStart)
            guard canBind(port) else { continue }
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw TestSupportError(message: "cannot find a free port below \(ephemeralStart)")
    }

    /// The first port of `net.ipv4.ip_local_port_range` (32768 unless changed).
    private static func ephemeralRangeStart() -> Int {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let start = text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32768
        return max(start, 12_000)
    }

    private static func canBind(_ port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 }
        }
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
