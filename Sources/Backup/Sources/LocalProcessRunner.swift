import Foundation
import Synchronization

/// Runs commands as local child processes, streaming through pipes in bounded chunks.
///
/// Reads block the calling thread: the pipeline is sequential (one chunk in flight), so this costs one
/// cooperative thread while a dump runs and keeps memory at one chunk.
public struct LocalProcessRunner: DumpCommandRunner {
    static let chunkSize = 1 << 20
    /// How much of a failing command's standard error is kept for the error message.
    static let stderrTail = 4096

    /// A runner for local processes.
    public init() {}

    public func stream(_ command: DumpCommand, into sink: any ByteSink) async throws {
        let child = try ChildProcess(command, stdin: false)
        do {
            while true {
                let data: Data?
                do { data = try child.stdout.fileHandleForReading.read(upToCount: Self.chunkSize) } catch {
                    throw child.failure("reading its output failed: \(error)")
                }
                guard let data, !data.isEmpty else { break }
                try await sink.write([UInt8](data)[...])
            }
        } catch {
            child.terminate()
            throw error
        }
        try child.waitForSuccess()
    }

    public func startWithInput(_ command: DumpCommand) async throws -> any ByteSink {
        ProcessInputSink(try ChildProcess(command, stdin: true))
    }

    public func capture(_ command: DumpCommand) async throws -> String {
        let output = CollectingSink(limit: 16 << 20)
        try await stream(command, into: output)
        return String(decoding: output.bytes, as: UTF8.self)
    }
}

/// One running child with its pipes and a bounded copy of its standard error.
final class ChildProcess {
    let process: Process
    let stdout = Pipe()
    let stdin = Pipe()
    let command: DumpCommand
    private let errors = StderrTail()

    init(_ command: DumpCommand, stdin useStdin: Bool) throws {
        self.command = command
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command.program] + command.arguments
        process.environment = ProcessInfo.processInfo.environment.merging(command.environment) { _, new in new }
        process.standardOutput = stdout
        process.standardInput = useStdin ? stdin : FileHandle.nullDevice
        let stderr = Pipe()
        process.standardError = stderr
        stderr.fileHandleForReading.readabilityHandler = { [errors] handle in
            let data = handle.availableData
            errors.append(data)
        }
        do {
            try process.run()
        } catch {
            throw BackupError(
                .command, "Cannot start `\(command.program)`: \(error)",
                hint: "Install it (scripts/install-backup-deps.sh installs the PostgreSQL and Redis clients).")
        }
    }

    func terminate() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    func waitForSuccess() throws {
        process.waitUntilExit()
        // Give the stderr handler a moment to drain what the process wrote last.
        usleep(20_000)
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw failure("it exited with status \(process.terminationStatus)")
        }
    }

    func failure(_ detail: String) -> BackupError {
        let stderr = errors.text
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return BackupError(
            .command, "`\(command.displayed)` failed: \(detail)\(stderr.isEmpty ? "" : ": \(stderr)")",
            hint: "Check that the server is reachable and the credentials are right; no backup was changed.")
    }
}

/// Feeds a child's standard input; `finish` closes it and waits for a successful exit.
final class ProcessInputSink: ByteSink {
    private let child: ChildProcess

    init(_ child: ChildProcess) { self.child = child }

    func write(_ bytes: ArraySlice<UInt8>) async throws {
        do {
            try bytes.withUnsafeBytes { try child.stdin.fileHandleForWriting.write(contentsOf: $0) }
        } catch {
            child.terminate()
            throw child.failure("it stopped reading its input")
        }
    }

    func finish() async throws {
        try? child.stdin.fileHandleForWriting.close()
        try child.waitForSuccess()
    }
}

/// The last few KiB a child wrote to standard error, filled from the pipe's handler thread.
final class StderrTail: Sendable {
    private let buffer = Mutex<[UInt8]>([])

    func append(_ data: Data) {
        buffer.withLock { bytes in
            bytes += data
            if bytes.count > LocalProcessRunner.stderrTail { bytes.removeFirst(bytes.count - LocalProcessRunner.stderrTail) }
        }
    }

    var text: String { buffer.withLock { String(decoding: $0, as: UTF8.self) } }
}
