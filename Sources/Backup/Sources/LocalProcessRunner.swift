import Foundation
import Logging
import Subprocess
import SystemPackage
import Synchronization

/// Runs commands as local child processes with swift-subprocess, streaming through pipes.
///
/// Output is read one pipe buffer at a time and handed to the sink before the next read, so a slow store
/// slows the dump down (backpressure) and memory stays at one chunk. Standard error is drained beside it and
/// only its last few KiB are kept for the error message. When the calling task fails or is cancelled, the
/// child is killed.
public struct LocalProcessRunner: DumpCommandRunner {
    static let logger = Logger(label: "shipshape.backup")

    /// How much of a failing command's standard error is kept for the error message.
    static let stderrTail = 4096

    /// Writing to a child that exited must fail with EPIPE, not kill us: ignore SIGPIPE once per process.
    private static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// A runner for local processes.
    public init() { Self.ignoreBrokenPipes }

    /// Streams the child's standard output into `sink`, in chunks of whatever the pipe holds.
    public func stream(_ command: DumpCommand, into sink: any ByteSink) async throws {
        let pipe = try ChildOutputPipe()
        let output = FileDescriptorOutput.fileDescriptor(pipe.writeEnd, closeAfterSpawningProcess: true)
        try await execute(command, input: .none, output: output) { execution in
            // A blocking read does not see cancellation: ending the child ends the read.
            try await withTaskCancellationHandler {
                while let chunk = try await pipe.next() {
                    try await sink.write(chunk[...])
                }
            } onCancel: {
                try? execution.send(signal: .kill)
            }
        }
    }

    /// Runs the child while `body` writes its standard input; its output is drained and dropped.
    public func feed<Result>(_ command: DumpCommand, _ body: (any ByteSink) async throws -> Result) async throws -> Result {
        try await execute(command, input: .inputWriter, output: .sequence) { execution in
            // Restore tools print little, but their output must be drained so they never block on it.
            async let drained: Void = Self.drain(execution.standardOutput)
            let value = try await body(StandardInputSink(execution.standardInputWriter))
            try await execution.standardInputWriter.finish()
            try await drained
            return value
        }
    }

    private static func drain(_ output: SubprocessOutputSequence) async throws {
        for try await _ in output {}
    }

    /// Runs `command` with `body` while collecting the tail of standard error; turns a failed exit, a
    /// failed start or a broken pipe into a `BackupError` carrying that tail.
    private func execute<Input: InputProtocol, Output: OutputProtocol, Value>(
        _ command: DumpCommand, input: Input, output: Output,
        _ body: (Execution<Input, Output, SequenceOutput>) async throws -> Value
    ) async throws -> Value {
        let tail = StderrTail()
        let environment = Dictionary(
            uniqueKeysWithValues: command.environment.map { (Environment.Key(stringLiteral: $0.key), Optional($0.value)) })
        let configuration = Configuration(
            executable: Self.executable(command), arguments: Arguments(command.arguments),
            environment: .inherit.updating(environment))
        // The body's outcome is kept here rather than returned, so the exit status can decide which error wins.
        var value: Value?
        var bodyError: (any Error)?
        let status: TerminationStatus
        do {
            status = try await run(configuration, input: input, output: output, error: .sequence) { execution in
                async let errors: Void = tail.collect(execution.standardError)
                do {
                    value = try await body(execution)
                    try await errors
                } catch {
                    // Our side failed (store, decryption, cancellation): stop the child now rather than let
                    // it run to the end with nobody reading.
                    try? execution.send(signal: .kill)
                    _ = try? await errors
                    bodyError = error
                }
            }.terminationStatus
        } catch {
            throw BackupError(
                .command, "Cannot start `\(command.program)`: \(error)",
                hint: "Install it (scripts/install-backup-deps.sh installs the PostgreSQL and Redis clients).")
        }
        switch (bodyError, status) {
        case (let error?, .exited(let code)) where code != 0 && Self.isPipeFailure(error):
            // The pipe broke because the child gave up: its exit status and stderr say why.
            throw failure(command, "it exited with status \(code)", tail)
        case (let error?, _) where Self.isPipeFailure(error):
            throw failure(command, "reading its output or writing its input failed (\(error))", tail)
        case (let error?, _):
            throw error
        case (nil, .exited(let code)) where code != 0 && command.warningExitStatuses.contains(code):
            let lines = tail.text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            Self.logger.warning(
                "`\(command.program)` finished with warnings; the output is complete",
                metadata: ["program": "\(command.program)", "status": "\(code)", "warnings": "\(lines)"])
            guard let value else { throw failure(command, "it produced no result", tail) }
            return value
        case (nil, .exited(let code)) where code != 0:
            throw failure(command, "it exited with status \(code)", tail)
        case (nil, .signaled(let signal)):
            throw failure(command, "it was killed by signal \(signal)", tail)
        case (nil, .exited):
            guard let value else { throw failure(command, "it produced no result", tail) }
            return value
        }
    }

    /// Whether `error` is a failure of the pipes to the child rather than of our side of the stream.
    private static func isPipeFailure(_ error: any Error) -> Bool {
        error is SubprocessError || error is Errno
    }

    /// The program's path, found on PATH here: swift-subprocess would otherwise try to spawn it from every
    /// PATH directory in turn (a fork per miss, measured at 7–17 per command on a typical PATH).
    static func executable(_ command: DumpCommand) -> Executable {
        executablePath(command).map { .path(FilePath($0)) } ?? .name(command.program)
    }

    /// The file `command` runs: its program found on PATH (the command's own PATH first), nil when not found.
    static func executablePath(_ command: DumpCommand) -> String? {
        guard !command.program.contains("/") else { return command.program }
        let path = command.environment["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(command.program)"
            if access(candidate, X_OK) == 0 { return debianClientBehindWrapper(candidate, command) ?? candidate }
        }
        return nil
    }

    /// On Debian and Ubuntu `/usr/bin/pg_dump`, `psql`… are links to `pg_wrapper`, a Perl script that picks a
    /// version and execs `/usr/lib/postgresql/VERSION/bin/PROGRAM` — 30 ms of CPU per call, on a dump's
    /// critical path. With `PGHOST` set (always, for a `host:` source) the wrapper does no cluster selection
    /// and runs the newest installed version (pg_wrapper(1)); this does the same without the detour.
    static func debianClientBehindWrapper(_ candidate: String, _ command: DumpCommand) -> String? {
        let environment = ProcessInfo.processInfo.environment.merging(command.environment) { _, new in new }
        guard environment["PGHOST"] != nil,
            let target = try? FileManager.default.destinationOfSymbolicLink(atPath: candidate),
            target.hasSuffix("/pg_wrapper"),
            let versions = try? FileManager.default.contentsOfDirectory(atPath: debianVersionsDirectory)
        else { return nil }
        let newest = versions.compactMap { Int($0) }.sorted().last { version in
            access("\(debianVersionsDirectory)/\(version)/bin/\(command.program)", X_OK) == 0
        }
        return newest.map { "\(debianVersionsDirectory)/\($0)/bin/\(command.program)" }
    }

    static let debianVersionsDirectory = "/usr/lib/postgresql"

    /// The tool's own words (its standard error) come first, then how it ended: the cause is what a reader needs.
    private func failure(_ command: DumpCommand, _ detail: String, _ tail: StderrTail) -> BackupError {
        let stderr = tail.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return BackupError(
            .command, "`\(command.displayed)` failed: \(stderr.isEmpty ? detail : "\(stderr) (\(detail))")",
            hint: command.failureHint)
    }
}

/// Feeds a child's standard input; `finish` closes it (end of file), the runner then waits for the exit.
final class StandardInputSink: ByteSink {
    private let writer: StandardInputWriter

    init(_ writer: StandardInputWriter) { self.writer = writer }

    func write(_ bytes: ArraySlice<UInt8>) async throws {
        _ = try await writer.write(Array(bytes))
    }

    func finish() async throws { try await writer.finish() }
}

/// The last few KiB a child wrote to standard error.
final class StderrTail: Sendable {
    private let buffer = Mutex<[UInt8]>([])

    /// Reads `stream` to its end, keeping only the tail.
    func collect(_ stream: SubprocessOutputSequence) async throws {
        for try await chunk in stream {
            chunk.withUnsafeBytes { append($0) }
        }
    }

    func append(_ data: UnsafeRawBufferPointer) {
        buffer.withLock { bytes in
            bytes += data
            if bytes.count > LocalProcessRunner.stderrTail { bytes.removeFirst(bytes.count - LocalProcessRunner.stderrTail) }
        }
    }

    var text: String { buffer.withLock { String(decoding: $0, as: UTF8.self) } }
}
