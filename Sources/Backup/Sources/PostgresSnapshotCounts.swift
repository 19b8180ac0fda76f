import Foundation
import Synchronization

/// Row counts taken in the very snapshot `pg_dump` dumps, so that `verify` compares like with like on a
/// database that is written to during the backup.
///
/// One `psql` session opens a repeatable-read transaction, exports its snapshot (`pg_export_snapshot()`),
/// counts every table in it, and then stays open until the dump, started with `--snapshot=ID` and a unique
/// `application_name`, has come and gone: PostgreSQL requires the exporting transaction to live until the
/// importer has run `SET TRANSACTION SNAPSHOT`. psql prints each command's result as soon as it has run, so
/// the snapshot id and the counts are read from its output while the session is still open.
struct PostgresSnapshotCounts: Sendable {
    /// How long the session waits for a dump that never connects (it failed to start) before giving up.
    static let dumpArrivalTimeout = 60
    /// How often the session looks whether the dump is connected: a dump of a small database is connected for
    /// some tens of milliseconds, and one that comes and goes unseen keeps the idle session until the timeout.
    static let pollSeconds = 0.01

    /// What a started session gives the dump, and the counts it delivers.
    struct Session: Sendable {
        /// The exported snapshot, for `pg_dump --snapshot`.
        let snapshot: String
        /// The dump's `application_name`, which the session watches for.
        let applicationName: String
        /// The counts, keyed `schema.table`, once counted (before the dump ends on a large database).
        let counts: OneShot<[String: Int]>
        /// The psql session; cancelled once the dump is over, which also ends the server side (PostgreSQL 14 and
        /// later notice the client is gone within 100 ms; older servers end once the dump's connection is gone).
        let task: Task<Void, Never>

        /// The dump command with the snapshot and the application name set.
        func apply(to command: DumpCommand) -> DumpCommand {
            var command = command
            command.arguments.append("--snapshot=\(snapshot)")
            command.environment["PGAPPNAME"] = applicationName
            return command
        }
    }

    let runner: any DumpCommandRunner
    let environment: [String: String]
    let countQuery: String
    /// Whether the counting backend's process can be reached to lower its CPU priority: it runs in the
    /// container the runner execs into, or on this machine, or (nil) elsewhere.
    let backendReach: BackendReach?

    /// Where the server's backend processes run, seen from the runner.
    enum BackendReach: Sendable {
        /// In the container the runner execs into: `renice` there reaches the backend's process id.
        case runnerNamespace
        /// On this host (a loopback address or a socket directory): the process id is checked to be a
        /// PostgreSQL backend (its title starts `postgres: `) before it is reniced, since a server behind a
        /// forwarded port lives in another process namespace.
        case localHost
    }

    /// Starts the session and returns once the snapshot is exported.
    func start() async throws -> Session {
        let applicationName = "shipshape-dump-\(UUID().uuidString.lowercased().prefix(12))"
        let snapshot = OneShot<String>()
        let counts = OneShot<[String: Int]>()
        let waitForDump = """
            DO $$
            DECLARE seen boolean := false;
            BEGIN
              FOR i IN 1..\(Int(Double(Self.dumpArrivalTimeout) / Self.pollSeconds)) LOOP
                PERFORM pg_stat_clear_snapshot();
                IF EXISTS (SELECT FROM pg_stat_activity WHERE application_name = '\(applicationName)') THEN
                  seen := true;
                ELSIF seen THEN
                  EXIT;
                END IF;
                PERFORM pg_sleep(\(Self.pollSeconds));
              END LOOP;
            END $$
            """
        // From PostgreSQL 14 the server checks every 100 ms that psql is still there, so cancelling the session
        // (the dump is over, or never came) ends it at once rather than when the wait above times out.
        let endWithClient = """
            DO $$ BEGIN
              IF current_setting('server_version_num')::int >= 140000 THEN
                EXECUTE 'SET LOCAL client_connection_check_interval = 100';
              END IF;
            END $$
            """
        var options = ["-X", "-v", "ON_ERROR_STOP=1", "-At"]
        for sql in [
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            endWithClient,
            "SELECT 'snapshot:' || pg_export_snapshot()",
            "SELECT 'backend:' || pg_backend_pid()",
            countQuery,
            "SELECT 'counted'",
            waitForDump,
            "COMMIT",
        ] {
            options += ["-c", sql]
        }
        var sessionEnvironment = environment
        // The counts share the machine with the dump: one backend, without JIT or parallel workers, so the dump
        // keeps its core.
        sessionEnvironment["PGOPTIONS"] = "-c jit=off -c max_parallel_workers_per_gather=0"
        let command = DumpCommand("psql", options, environment: sessionEnvironment)
        let runner = self.runner
        let backend = OneShot<Int>()
        if let backendReach {
            // The counts are worth having, but not at the dump's expense: on a machine whose cores are all
            // busy, the counting backend gets only the CPU time the dump and the server leave idle.
            Task { [runner] in
                guard let pid = try? await backend.value else { return }
                await Self.lowerPriority(of: pid, reach: backendReach, runner: runner)
            }
        }
        let task = Task {
            let lines = SessionOutput(snapshot: snapshot, counts: counts, backend: backend)
            do {
                try await runner.stream(command, into: lines)
                lines.end(BackupError(
                    .command, "psql ended before exporting its snapshot and counting rows",
                    hint: "Check that the role may read every table; no backup was changed."))
            } catch {
                lines.end(error)
            }
        }
        do {
            return Session(snapshot: try await snapshot.value, applicationName: applicationName, counts: counts, task: task)
        } catch {
            task.cancel()
            throw error
        }
    }

    /// The niceness given to the counting backend: the lowest priority, as `nice -n 19`. Raising a process's
    /// niceness needs no privilege beyond owning it (or being root); where it is refused, the counts simply run
    /// at the normal priority.
    static let countingNiceness = 19

    /// `renice`s the counting backend, quietly doing nothing where it cannot.
    static func lowerPriority(of pid: Int, reach: BackendReach, runner: any DumpCommandRunner) async {
        if case .localHost = reach {
            let title = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            guard title.hasPrefix("postgres: ") else { return }
        }
        _ = try? await runner.capture(DumpCommand("renice", ["-n", String(countingNiceness), "-p", String(pid)]))
    }
}

/// Parses the session's output as it arrives: `snapshot:ID`, `backend:PID`, then `count:N|schema.table` lines,
/// then `counted`.
private final class SessionOutput: ByteSink {
    private let snapshot: OneShot<String>
    private let counts: OneShot<[String: Int]>
    private let backend: OneShot<Int>
    private var partial: [UInt8] = []
    private var collected: [String: Int] = [:]

    init(snapshot: OneShot<String>, counts: OneShot<[String: Int]>, backend: OneShot<Int>) {
        self.snapshot = snapshot
        self.counts = counts
        self.backend = backend
    }

    func write(_ bytes: ArraySlice<UInt8>) async throws {
        var rest = bytes[...]
        while let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
            partial.append(contentsOf: rest[..<newline])
            line(String(decoding: partial, as: UTF8.self))
            partial.removeAll(keepingCapacity: true)
            rest = rest[(newline + 1)...]
        }
        partial.append(contentsOf: rest)
    }

    func finish() async throws {}

    private func line(_ text: String) {
        if text.hasPrefix("snapshot:") {
            snapshot.resolve(.success(String(text.dropFirst("snapshot:".count))))
        } else if text.hasPrefix("backend:"), let pid = Int(text.dropFirst("backend:".count)) {
            backend.resolve(.success(pid))
        } else if text.hasPrefix("count:") {
            if let (key, count) = PostgresSource.parseCount(text.dropFirst("count:".count)) { collected[key] = count }
        } else if text == "counted" {
            counts.resolve(.success(collected))
        }
    }

    /// The session is over: whatever was not delivered fails with `error`.
    func end(_ error: any Error) {
        snapshot.resolve(.failure(error))
        counts.resolve(.failure(error))
        backend.resolve(.failure(error))
    }
}

/// A value delivered once, awaited by any number of tasks; later deliveries are ignored.
final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        var result: Result<Value, any Error>?
        var waiters: [CheckedContinuation<Value, any Error>] = []
    }

    private let state = Mutex(State())

    /// Delivers `result` unless one was delivered before.
    func resolve(_ result: Result<Value, any Error>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value, any Error>] in
            guard state.result == nil else { return [] }
            state.result = result
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    /// The delivered value, once there is one.
    var value: Value {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let ready = state.withLock { state -> Result<Value, any Error>? in
                    if let result = state.result { return result }
                    state.waiters.append(continuation)
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        }
    }
}
