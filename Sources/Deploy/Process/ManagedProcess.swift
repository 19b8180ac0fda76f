import Foundation
import ShipshapeCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One color's running process, started by `ProcessRuntime`: its own process group (so stopping reaches
/// the children of a shell wrapper too), its last output lines, and its exit status once it ends.
public final class ManagedProcess: Sendable {
    /// How a process ended.
    public enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
        /// It exited with a code.
        case exited(Int32)
        /// A signal ended it.
        case signaled(Int32)

        /// `exit 0` or `signal 9`.
        public var description: String {
            switch self {
            case .exited(let code): "exit \(code)"
            case .signaled(let signal): "signal \(signal)"
            }
        }

        init(waitStatus: Int32) {
            let signal = waitStatus & 0x7f
            self = signal == 0 ? .exited((waitStatus >> 8) & 0xff) : .signaled(signal)
        }
    }

    /// How often a stopping or starting process is checked.
    static let pollInterval: Duration = .milliseconds(20)
    /// How long to wait for the kernel to reap a process after SIGKILL.
    static let killWait: Duration = .seconds(5)

    /// The color it serves.
    public let color: DeployColor
    /// The version it runs.
    public let version: String
    /// Where it is reached.
    public let target: HostPort
    /// The command line it was started with (placeholders substituted).
    public let arguments: [String]
    /// Its pid (also its process group id).
    public let pid: pid_t
    private let log: LogSource
    private let status = Mutex<ExitStatus?>(nil)

    /// Where the process's output goes.
    private enum LogSource: Sendable {
        /// A pipe drained into memory: the process lives and dies with this one (its pipe breaks after).
        case captured(LogTail)
        /// A file the process appends to: it can outlive this process (a CLI that starts it and exits).
        case file(path: String, lines: Int)
    }

    private init(
        color: DeployColor, version: String, target: HostPort, arguments: [String], pid: pid_t, log: LogSource
    ) {
        self.color = color
        self.version = version
        self.target = target
        self.arguments = arguments
        self.pid = pid
        self.log = log
    }

    /// The port it listens on.
    public var port: Int { target.port }

    /// Its exit status, once it has ended.
    public var exitStatus: ExitStatus? {
        status.withLock { status in
            if status == nil {
                var raw: Int32 = 0
                if waitpid(pid, &raw, WNOHANG) == pid { status = ExitStatus(waitStatus: raw) }
            }
            return status
        }
    }

    /// True until it ends.
    public var isRunning: Bool { exitStatus == nil }

    /// Its last output lines (stdout and stderr interleaved), oldest first.
    public func recentLog() -> [String] {
        switch log {
        case .captured(let tail): tail.lines()
        case .file(let path, let lines): LogTail.lastLines(ofFile: path, count: lines)
        }
    }

    /// How long an exited process's last output may take to arrive through its pipe. Bounded: a child of
    /// the process that holds the pipe open would otherwise keep the wait going.
    static let outputSettleTime: Duration = .seconds(1)

    /// After the process exited: waits until its captured output has been read to the end, so the lines it
    /// wrote last (often why it exited) are in `recentLog()`.
    private func outputSettled() async {
        guard case .captured(let tail) = log else { return }
        let clock = ContinuousClock()
        let end = clock.now + Self.outputSettleTime
        while !tail.hasEnded, clock.now < end {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits until something accepts TCP connections on its port; throws with its last output lines if it
    /// exits first or `timeout` passes.
    public func waitUntilListening(timeout: Duration) async throws(DeployError) {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if let exit = exitStatus {
                await outputSettled()
                throw failure("exited (\(exit)) before listening on \(target)")
            }
            if Self.accepts(target) { return }
            do { try await Task.sleep(for: Self.pollInterval) } catch { break }
        }
        throw failure("did not listen on \(target) within \(timeout)")
    }

    /// Stops it: SIGTERM to its process group, SIGKILL if it is still running after `grace`. Returns how
    /// it ended, once its output has been read to the end.
    @discardableResult
    public func stop(grace: Duration) async -> ExitStatus {
        let exit = await terminate(grace: grace)
        await outputSettled()
        return exit
    }

    private func terminate(grace: Duration) async -> ExitStatus {
        if let exit = exitStatus { return exit }
        kill(-pid, SIGTERM)
        let clock = ContinuousClock()
        let graceEnd = clock.now + grace
        while clock.now < graceEnd {
            if let exit = exitStatus {
                kill(-pid, SIGKILL)  // children that ignored SIGTERM go with their leader
                return exit
            }
            try? await Task.sleep(for: Self.pollInterval)
        }
        kill(-pid, SIGKILL)
        let killEnd = clock.now + Self.killWait
        while clock.now < killEnd {
            if let exit = exitStatus { return exit }
            try? await Task.sleep(for: Self.pollInterval)
        }
        return exitStatus ?? .signaled(SIGKILL)
    }

    /// A failure naming the process and quoting its last output lines.
    public func failure(_ what: String) -> DeployError {
        let lines = recentLog()
        return DeployError(
            kind: .processFailed,
            userMessage: """
                The \(color) process for version \(version) (\(arguments.joined(separator: " ")), pid \(pid)) \
                \(what). \(lines.isEmpty ? "It wrote no output." : "Its last output lines:")
                \(lines.map { "  | \($0)" }.joined(separator: "\n"))
                Check that the command listens on the {port} it is given (also in $PORT), then deploy again.
                """)
    }

    // MARK: - Spawning

    static func spawn(
        arguments: [String], environment: [String: String], workingDirectory: String?, color: DeployColor,
        version: String, target: HostPort, logLines: Int, logFile: String?
    ) throws(DeployError) -> ManagedProcess {
        if let logFile {
            return try spawn(
                arguments: arguments, environment: environment, workingDirectory: workingDirectory,
                output: .file(logFile), color: color, version: version, target: target, logLines: logLines)
        }
        var pipeDescriptors: [Int32] = [0, 0]
        guard pipe(&pipeDescriptors) == 0 else {
            throw startFailure(arguments, reason: "pipe: \(DeployHistory.errnoText())")
        }
        let (readEnd, writeEnd) = (pipeDescriptors[0], pipeDescriptors[1])
        // Glibc's pipe2 is not visible to Swift; close-on-exec keeps these ends out of other children.
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        let process: ManagedProcess
        do {
            process = try spawn(
                arguments: arguments, environment: environment, workingDirectory: workingDirectory,
                output: .pipe(writeEnd), color: color, version: version, target: target, logLines: logLines,
                tail: LogTail(capacity: logLines))
        } catch {
            close(writeEnd)
            close(readEnd)
            throw error
        }
        close(writeEnd)
        if case .captured(let tail) = process.log {
            // A dedicated thread blocks on the pipe for the process's lifetime; a task or dispatch worker
            // would hold a shared pool thread hostage instead.
            let reader = Thread { Self.drain(readEnd, into: tail) }
            reader.name = "shipshape-process-\(process.pid)"
            reader.start()
        }
        return process
    }

    private enum Output {
        case pipe(Int32)
        case file(String)
    }

    private static func spawn(
        arguments: [String], environment: [String: String], workingDirectory: String?, output: Output,
        color: DeployColor, version: String, target: HostPort, logLines: Int, tail: LogTail? = nil
    ) throws(DeployError) -> ManagedProcess {
        // posix_spawn_file_actions_addchdir_np is not visible to Swift either: a shell changes directory and
        // then execs the command, so the pid is still the command's own.
        let launched =
            workingDirectory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0] + arguments } ?? arguments
        let argv = launched.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        // Its own process group so a stop reaches its children; nothing of this process's but the output (the
        // gateway's sockets, when it runs beside one) is inherited.
        let result = SpawnFileActions.with { actions in
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            switch output {
            case .pipe(let writeEnd): posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_APPEND, logFileMode)
            }
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } _: { actions in
            SpawnAttributes.with(ownProcessGroup: true) { attributes in
                posix_spawnp(&pid, launched[0], &actions, &attributes, argv, envp)
            }
        }
        guard result == 0 else { throw startFailure(arguments, reason: String(cString: strerror(result))) }
        let log: LogSource
        switch output {
        case .pipe: log = .captured(tail ?? LogTail(capacity: logLines))
        case .file(let path): log = .file(path: path, lines: logLines)
        }
        return ManagedProcess(
            color: color, version: version, target: target, arguments: arguments, pid: pid, log: log)
    }

    /// Permissions of a new log file.
    static let logFileMode: mode_t = 0o644

    private static let readChunkSize = 16 * 1024

    private static func drain(_ descriptor: Int32, into log: LogTail) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readChunkSize, alignment: 1)
        defer {
            buffer.deallocate()
            close(descriptor)
            log.end()
        }
        while true {
            let count = read(descriptor, buffer.baseAddress, readChunkSize)
            if count > 0 {
                log.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            } else if count < 0, errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    private static func accepts(_ target: HostPort) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(target.host == "localhost" ? "127.0.0.1" : target.host)
        address.sin_port = UInt16(target.port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    private static func startFailure(_ arguments: [String], reason: String) -> DeployError {
        DeployError(
            kind: .processFailed,
            userMessage: """
                Cannot start \(arguments.joined(separator: " ")): \(reason). Check the service's `command:` (the \
                program must exist and be executable, relative paths start from the working directory).
                """)
    }
}
