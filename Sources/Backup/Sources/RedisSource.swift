import Foundation
import ShipshapeCore

/// A Redis server. From the host, `redis-cli --rdb` asks it for a fresh RDB snapshot over the protocol.
/// Inside a compose service's container, `BGSAVE` is issued, its completion awaited (INFO persistence), and
/// the RDB file it wrote is streamed out with `cat`. Either way the snapshot is a forked, consistent point
/// in time. The password travels in `REDISCLI_AUTH`, never in argv.
public struct RedisSource: Sendable {
    /// How often the snapshot's progress is polled.
    static let pollInterval: Duration = .milliseconds(100)
    /// How long a BGSAVE may take before the backup gives up.
    static let snapshotTimeout: Duration = .seconds(30 * 60)
    /// Where the official image writes its RDB when `CONFIG GET` is disabled.
    static let fallbackRDBPath = "/data/dump.rdb"

    /// The configured source.
    public let configuration: BackupConfiguration.Redis
    private let password: String?
    private let runner: (any DumpCommandRunner)?

    /// Reads the password file now so a missing file fails before any dump. `containerRunner` runs
    /// `redis-cli` and `cat` inside the service's container; nil for `host:` sources.
    public init(
        _ configuration: BackupConfiguration.Redis, resolve: (String) -> String,
        containerRunner: (any DumpCommandRunner)? = nil
    ) throws {
        guard configuration.host != nil || configuration.service != nil else {
            throw BackupError(
                .configuration, "A redis source names neither a compose service nor a host",
                hint: "Set `service:` (snapshot inside its container) or `host:` and `port:`.")
        }
        self.configuration = configuration
        self.runner = containerRunner
        password = try configuration.passwordFile.map { try SecretFile.read(resolve($0), what: "Redis password") }
    }

    /// `REDISCLI_AUTH` keeps the password out of the process list.
    var environment: [String: String] {
        password.map { ["REDISCLI_AUTH": $0] } ?? [:]
    }

    /// `redis-cli` arguments reaching the server: from the host, its address; in a container, the port
    /// (and the host when one is configured).
    var connection: [String] {
        var arguments = ["-p", String(configuration.port), "--no-auth-warning"]
        if let host = configuration.host { arguments = ["-h", host] + arguments }
        return arguments
    }

    /// The snapshot part.
    public func part(name: String) async throws -> BackupPart {
        guard let runner, let service = configuration.service else {
            let host = configuration.host ?? "127.0.0.1"
            return BackupPart(
                name: name, kind: "redis",
                command: DumpCommand("redis-cli", connection + ["--rdb", "-"], environment: environment),
                origin: "\(host):\(configuration.port)")
        }
        let path = try await rdbPath(runner)
        return BackupPart(
            name: name, kind: "redis", command: DumpCommand("cat", [path]), origin: "service \(service)",
            runner: runner, expectedSize: { try await Self.fileSize(path, runner: runner) },
            prepare: { try await snapshot(runner) })
    }

    /// The size of the RDB file in the container: the last snapshot's, or the new one's once BGSAVE is done.
    static func fileSize(_ path: String, runner: any DumpCommandRunner) async throws -> Int? {
        Int(try await runner.capture(DumpCommand("stat", ["-c", "%s", path])).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func cli(_ runner: any DumpCommandRunner, _ arguments: String...) async throws -> String {
        try await runner.capture(DumpCommand("redis-cli", connection + ["--raw"] + arguments, environment: environment))
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Where the server writes its RDB: `CONFIG GET dir` + `dbfilename`, or the official image's default.
    func rdbPath(_ runner: any DumpCommandRunner) async throws -> String {
        let directory = try? await cli(runner, "CONFIG", "GET", "dir").split(separator: "\n").last
        let file = try? await cli(runner, "CONFIG", "GET", "dbfilename").split(separator: "\n").last
        guard let directory, let file, directory != "dir", file != "dbfilename" else { return Self.fallbackRDBPath }
        return "\(directory)/\(file)"
    }

    /// The fields of `INFO persistence`.
    func persistence(_ runner: any DumpCommandRunner) async throws -> [String: String] {
        var fields: [String: String] = [:]
        for line in try await cli(runner, "INFO", "persistence").split(whereSeparator: \.isNewline) {
            let pair = line.split(separator: ":", maxSplits: 1)
            if pair.count == 2 { fields[String(pair[0])] = pair[1].trimmingCharacters(in: .whitespaces) }
        }
        return fields
    }

    /// Issues BGSAVE and waits until a save that started after it has completed successfully. A save
    /// already running is waited for first (BGSAVE refuses to start a second one).
    func snapshot(_ runner: any DumpCommandRunner) async throws {
        let deadline = ContinuousClock.now + Self.snapshotTimeout
        while try await persistence(runner)["rdb_bgsave_in_progress"] == "1" {
            try await pause(until: deadline)
        }
        let before = try await persistence(runner)
        let lastSave = try await cli(runner, "LASTSAVE")
        let reply = try await cli(runner, "BGSAVE")
        guard reply.contains("started") || reply.contains("scheduled") else {
            throw BackupError(
                .command, "Redis refused BGSAVE in the container of service '\(configuration.service ?? "")': \(reply)",
                hint: "Check the server's log and its disk space; no backup was changed.")
        }
        while true {
            try await pause(until: deadline)
            let now = try await persistence(runner)
            guard now["rdb_bgsave_in_progress"] == "0" else { continue }
            guard now["rdb_last_bgsave_status"] == "ok" else {
                throw BackupError(
                    .command, "Redis BGSAVE failed in the container of service '\(configuration.service ?? "")'",
                    hint: "Check the server's log (disk full? permissions of its dir?); no backup was changed.")
            }
            // `rdb_saves` (Redis 7) counts saves exactly; LASTSAVE (seconds) is the fallback for older ones.
            if let saves = now["rdb_saves"], let previous = before["rdb_saves"] {
                if saves != previous { return }
            } else if try await cli(runner, "LASTSAVE") != lastSave {
                return
            }
        }
    }

    private func pause(until deadline: ContinuousClock.Instant) async throws {
        guard ContinuousClock.now < deadline else {
            throw BackupError(
                .command, "Redis BGSAVE in the container of service '\(configuration.service ?? "")' did not finish within \(Self.snapshotTimeout)",
                hint: "Check the server's load and disk; no backup was changed.")
        }
        try await Task.sleep(for: Self.pollInterval)
    }
}
