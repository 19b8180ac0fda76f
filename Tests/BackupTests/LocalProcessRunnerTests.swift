import Foundation
import Testing
import TestSupport

@testable import Backup

/// Local child processes through swift-subprocess: streaming both ways, errors with stderr, kill on cancel.
@Suite("local process runner")
struct LocalProcessRunnerTests {
    static let pollInterval: Duration = .milliseconds(50)
    /// Upper bound on waiting for a child to appear or disappear on a loaded machine.
    static let waitLimit: Duration = .seconds(30)

    @Test("stdout streams out and stdin streams in, 20 MiB each way, byte for byte")
    func roundTrip() async throws {
        let runner = LocalProcessRunner()
        let size = 20 << 20
        let output = CollectingSink(limit: size)
        try await runner.stream(DumpCommand("head", ["-c", String(size), "/dev/zero"]), into: output)
        #expect(output.bytes.count == size)

        let directory = try TemporaryDirectory(prefix: "feed")
        defer { directory.remove() }
        let file = "\(directory.path)/copy"
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try await runner.feed(DumpCommand("sh", ["-c", "cat > \"$0\"", file])) { sink in
            var start = 0
            while start < payload.count {
                try await sink.write(payload[start..<min(start + 1_000_003, payload.count)])
                start += 1_000_003
            }
            try await sink.finish()
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == Data(payload))
    }

    @Test("a failing command's error carries its exit status and the tail of its stderr, never its environment")
    func failureCarriesStderr() async throws {
        let command = DumpCommand(
            "sh", ["-c", "head -c 100000 /dev/zero | tr '\\\\0' x >&2; echo 'connection refused' >&2; exit 3"],
            environment: ["PGPASSWORD": "s3cret-in-env"])
        let error = await #expect(throws: BackupError.self) { try await LocalProcessRunner().stream(command, into: DiscardingSink()) }
        #expect(error?.kind == .command)
        // The tool's words first, then how it ended; a generic hint for a tool Shipshape does not know.
        #expect(error?.userMessage.hasSuffix("connection refused (it exited with status 3). See the tool's message above; no backup was changed.") == true, "\(String(describing: error))")
        #expect(error?.userMessage.contains("s3cret-in-env") == false)
        // Only the tail is kept, not 100 KB of noise.
        #expect((error?.userMessage.count ?? 0) < LocalProcessRunner.stderrTail + 500)

        let missing = await #expect(throws: BackupError.self) {
            try await LocalProcessRunner().stream(DumpCommand("no-such-dump-tool", []), into: DiscardingSink())
        }
        #expect(missing?.userMessage.contains("Cannot start `no-such-dump-tool`") == true)
    }

    @Test("cancelling the task kills the child")
    func cancelKillsChild() async throws {
        let directory = try TemporaryDirectory(prefix: "cancel")
        defer { directory.remove() }
        let pidFile = "\(directory.path)/pid"
        let task = Task {
            try await LocalProcessRunner().stream(
                DumpCommand("sh", ["-c", "echo $$ > \"$0\"; exec sleep 600", pidFile]), into: DiscardingSink())
        }
        let clock = ContinuousClock()
        let deadline = clock.now + Self.waitLimit
        var pid: pid_t?
        while pid == nil, clock.now < deadline {
            try await Task.sleep(for: Self.pollInterval)
            pid = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        let child = try #require(pid, "the child never started")
        task.cancel()
        _ = await task.result
        // The child is gone (killed and reaped), not left running or as a zombie.
        #expect(kill(child, 0) != 0)
    }

    @Test("output is delivered as the child writes it, not when a chunk fills or the child ends")
    func outputArrivesAsWritten() async throws {
        let first = OneShot<String>()
        let dump = Task {
            try await LocalProcessRunner().stream(
                DumpCommand("sh", ["-c", "echo ready; exec sleep 600"]), into: FirstLineSink(first))
        }
        defer { dump.cancel() }
        let line = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask { try await first.value }
            group.addTask {
                try await Task.sleep(for: Self.waitLimit)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        #expect(line == "ready")
    }

    @Test("a sink that fails stops the dump at once")
    func failingSinkKillsChild() async throws {
        let error = await #expect(throws: BackupError.self) {
            try await LocalProcessRunner().stream(DumpCommand("sh", ["-c", "exec cat /dev/zero"]), into: CollectingSink(limit: 1 << 20))
        }
        #expect(error?.kind == .store)
    }

    @Test("with PGHOST set, PostgreSQL clients behind Debian's pg_wrapper run directly, as the wrapper would pick them")
    func debianWrapperSkipped() async throws {
        let wrapper = "/usr/bin/pg_dump"
        let linked = try? FileManager.default.destinationOfSymbolicLink(atPath: wrapper)
        try #require(linked?.hasSuffix("/pg_wrapper") == true, "this test needs Debian's postgresql-client")
        let remote = DumpCommand("pg_dump", ["--version"], environment: ["PGHOST": "127.0.0.1", "PATH": "/usr/bin:/bin"])
        let direct = try #require(LocalProcessRunner.executablePath(remote))
        #expect(direct.hasPrefix("/usr/lib/postgresql/") && direct.hasSuffix("/bin/pg_dump"), "\(direct)")
        // The wrapper, asked the same, names the same binary's version.
        let viaWrapper = try await LocalProcessRunner().capture(remote)
        let directly = try await LocalProcessRunner().capture(DumpCommand(direct, ["--version"]))
        #expect(viaWrapper == directly && directly.hasPrefix("pg_dump (PostgreSQL)"))
        // Without PGHOST the wrapper keeps choosing (a local cluster may pin a version).
        var local = remote
        local.environment = ["PATH": "/usr/bin:/bin"]
        if ProcessInfo.processInfo.environment["PGHOST"] == nil {
            #expect(LocalProcessRunner.executablePath(local) == wrapper)
        }
    }
}

/// Resolves `line` with the first line written.
final class FirstLineSink: ByteSink {
    private let line: OneShot<String>
    private var bytes: [UInt8] = []

    init(_ line: OneShot<String>) { self.line = line }

    func write(_ chunk: ArraySlice<UInt8>) async throws {
        bytes += chunk
        if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) {
            line.resolve(.success(String(decoding: bytes[..<newline], as: UTF8.self)))
        }
    }

    func finish() async throws {}
}
