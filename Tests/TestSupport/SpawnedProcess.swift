import Foundation
import ShipshapeCore

/// A child process started with posix_spawn and reaped with waitpid. Tests use it instead of Foundation's
/// `Process`, which on this platform can miss a child's exit when many threads run (the child stays a zombie
/// and `waitUntilExit` never returns).
public final class SpawnedProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t

    /// Starts `arguments` (the first is looked up on PATH) with its output sent to files.
    public init(
        _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        stdin: String = "/dev/null", stdout: String = "/dev/null", stderr: String = "/dev/null"
    ) throws {
        var command = arguments
        if let directory {
            command = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + arguments
        } else if !(arguments.first?.hasPrefix("/") ?? false) {
            command = ["/usr/bin/env"] + arguments
        }
        let merged = ProcessInfo.processInfo.environment.merging(environment ?? [:]) { _, new in new }
        var argv = command.map { strdup($0) } + [nil]
        var envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        // Only these three files: a child holding a copy of a socket the gateway under test closed would keep
        // the connection open (see `SpawnFileActions`). An empty signal mask and default handlers: the spawning
        // thread may block SIGTERM.
        let result = SpawnFileActions.with { actions in
            posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            if stderr == stdout {
                posix_spawn_file_actions_adddup2(&actions, 1, 2)
            } else {
                posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            }
        } _: { actions in
            SpawnAttributes.with { attributes in posix_spawn(&child, command[0], &actions, &attributes, &argv, &envp) }
        }
        guard result == 0 else {
            throw TestSupportError(message: "cannot start \(arguments.first ?? "?"): error \(result)")
        }
        pid = child
    }

    /// Waits for the child to exit and returns its exit status (128+signal when killed).
    @discardableResult
    public func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR { return -1 }
        }
        return Self.exitCode(status)
    }

    /// The exit status if the child has exited (reaping it), else nil.
    public func poll() -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        return result == pid ? Self.exitCode(status) : nil
    }

    /// Sends a signal.
    public func signal(_ signal: Int32) { kill(pid, signal) }

    static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
