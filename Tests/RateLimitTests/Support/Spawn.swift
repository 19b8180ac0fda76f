import Foundation
import TestSupport

/// Runs programs with `posix_spawn` and `waitpid` directly.
///
/// Foundation's `Process` on Linux sometimes never notices that a child exited (the child stays a zombie
/// and `waitUntilExit` blocks forever), which we hit with `scripts/redis.sh`, whose child daemonises.
/// These tests therefore start Redis in the foreground as their own child and reap it themselves.
enum Spawn {
    /// Starts `arguments` (first looked up on PATH) with output discarded; returns its pid.
    static func start(_ arguments: [String]) throws -> pid_t {
        try spawn(arguments, outputFile: "/dev/null")
    }

    /// Runs `arguments` to completion and returns its exit status and standard output.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let directory = try TemporaryDirectory(prefix: "spawn")
        defer { directory.remove() }
        let outputFile = "\(directory.path)/out"
        let pid = try spawn(arguments, outputFile: outputFile)
        let status = wait(pid)
        let output = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
        return (status, output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// True when `program` is on PATH.
    static func isInstalled(_ program: String) -> Bool {
        (try? run(["sh", "-c", "command -v \(program)"]).status) == 0
    }

    /// Waits for `pid` and returns its exit status (128 + signal when killed).
    @discardableResult
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    private static func spawn(_ arguments: [String], outputFile: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        guard result == 0 else {
            throw TestSupportError(message: "cannot start \(arguments[0]): \(String(cString: strerror(result)))")
        }
        return pid
    }
}
