import Deploy
import Foundation
import TestSupport
import Testing

@Suite("Deploy history", .timeLimit(.minutes(2)))
struct DeployHistoryTests {
    private func record(
        _ service: String, _ version: String, _ outcome: DeployRecord.Outcome, at seconds: TimeInterval,
        message: String? = nil
    ) -> DeployRecord {
        let start = Date(timeIntervalSince1970: 1_790_000_000 + seconds)
        return DeployRecord(
            service: service, version: version, color: .green, previousColor: .blue, startedAt: start,
            finishedAt: start.addingTimeInterval(2.5), outcome: outcome, message: message,
            steps: [
                .init(name: "prepare", startedAt: start, durationMilliseconds: 12, outcome: .succeeded),
                .init(
                    name: "health", startedAt: start, durationMilliseconds: 2400,
                    outcome: outcome == .failed ? .failed : .succeeded, message: message),
            ])
    }

    @Test("appends records and reads them back per service, newest first")
    func roundTrip() throws {
        let directory = try TemporaryDirectory(prefix: "history")
        defer { directory.remove() }
        let history = DeployHistory(path: "\(directory.path)/state/\(DeployHistory.defaultFileName)")
        #expect(try history.records().isEmpty)
        let first = record("api", "api:1", .succeeded, at: 0)
        try history.append(first)
        try history.append(record("web", "web:1", .succeeded, at: 10))
        try history.append(record("api", "api:2", .failed, at: 20, message: "health gate: /health answered 500"))

        let api = try history.records(service: "api")
        #expect(api.map(\.version) == ["api:2", "api:1"])
        #expect(api.last == first)
        #expect(api.first?.steps.map(\.name) == ["prepare", "health"])
        #expect(api.first?.steps.last?.outcome == .failed)
        #expect(try history.records(limit: 1).map(\.version) == ["api:2"])
        #expect(try history.lastSuccessful(service: "api")?.version == "api:1")

        // One JSON object per line, readable by other tools.
        let lines = try String(contentsOfFile: history.path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].contains("\"duration_ms\":12"))
        #expect(lines[0].contains("\"started_at\":\"2026-09-21T"))
    }

    @Test("skips a torn last line and reports its number")
    func tornLine() throws {
        let directory = try TemporaryDirectory(prefix: "history")
        defer { directory.remove() }
        let history = DeployHistory(path: "\(directory.path)/deploys.jsonl")
        try history.append(record("api", "api:1", .succeeded, at: 0))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: history.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"id\":\"cut-sh".utf8))
        try handle.close()
        let contents = try history.read()
        #expect(contents.records.map(\.version) == ["api:1"])
        #expect(contents.damagedLines == [2])
    }

    @Test("a record appended after a torn last line starts a line of its own and is read back")
    func appendAfterTornLine() throws {
        let directory = try TemporaryDirectory(prefix: "history")
        defer { directory.remove() }
        let history = DeployHistory(path: "\(directory.path)/deploys.jsonl")
        try history.append(record("api", "api:1", .succeeded, at: 0))
        try Self.tear(history)
        try history.append(record("api", "api:2", .succeeded, at: 10))
        let contents = try history.read()
        #expect(contents.records.map(\.version) == ["api:1", "api:2"])
        #expect(contents.damagedLines == [2])
    }

    @Test("shipshape history warns about unreadable lines, names a service without deploys, refuses --limit 0")
    func historyCommand() async throws {
        let directory = try TemporaryDirectory(prefix: "history-cli")
        defer { directory.remove() }
        _ = try directory.write(
            "shipshape.yml",
            """
            project: hist
            gateway:
              routes: [{ match: /api/, service: api }, { match: /, service: web }]
            services:
              web: { runtime: process, command: ["true"] }
              api: { runtime: process, command: ["true"] }
            """)
        let history = DeployHistory(path: "\(directory.path)/.shipshape/\(DeployHistory.defaultFileName)")
        try history.append(record("web", "web:1", .succeeded, at: 0))
        try Self.tear(history)
        try history.append(record("web", "web:2", .succeeded, at: 10))
        let all = try await ShipshapeProcess.run(["history"], in: directory.path)
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains("web:1") && all.stdout.contains("web:2"))
        #expect(all.stderr.contains("Warning: 1 line of \(history.path) cannot be read and is left out (line 2)"))
        let none = try await ShipshapeProcess.run(["history", "api"], in: directory.path)
        #expect(none.stdout == "No deploys of 'api' recorded yet.\n")
        let unknown = try await ShipshapeProcess.run(["history", "wbe"], in: directory.path)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("there is no service 'wbe'") && unknown.stderr.contains("Did you mean 'web'?"))
        let zero = try await ShipshapeProcess.run(["history", "--limit", "0"], in: directory.path)
        #expect(zero.status != 0)
        #expect(zero.stderr.contains("--limit must be 1 or more"))
    }

    /// Appends the start of a record with no end, as a crash mid-write leaves it.
    static func tear(_ history: DeployHistory) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: history.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"id\":\"trunc".utf8))
        try handle.close()
    }

    @Test("keeps every line intact when many deploys append at once")
    func concurrentAppends() async throws {
        let directory = try TemporaryDirectory(prefix: "history")
        defer { directory.remove() }
        let history = DeployHistory(path: "\(directory.path)/deploys.jsonl")
        let writers = 32
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<writers {
                group.addTask {
                    try history.append(record("svc\(index % 4)", "v\(index)", .succeeded, at: Double(index)))
                }
            }
            try await group.waitForAll()
        }
        let contents = try history.read()
        #expect(contents.damagedLines.isEmpty)
        #expect(Set(contents.records.map(\.version)) == Set((0..<writers).map { "v\($0)" }))
    }

    @Test("renders a table with step durations and the reason for a failure")
    func rendering() {
        let text = DeployHistory.render([
            record("api", "api:2", .failed, at: 20, message: "health gate: /health answered 500"),
            record("api", "api:1", .succeeded, at: 0),
        ])
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("WHEN (UTC)"))
        #expect(lines[1].contains("api:2") && lines[1].contains("failed") && lines[1].contains("blue→green"))
        #expect(lines[1].contains("prepare 12ms, health✗ 2.4s"))
        #expect(lines[2] == "    health gate: /health answered 500")
        #expect(lines[3].contains("succeeded") && lines[3].contains("2.5s"))
        #expect(DeployHistory.render([]) == "No deploys recorded yet.\n")
    }

    @Test("times steps and records a failing step's message")
    func stepTimer() async throws {
        struct Unhealthy: Error, CustomStringConvertible { var description: String { "no healthy answer" } }
        var timer = DeployStepTimer()
        let value = try await timer.run("prepare") { 42 }
        #expect(value == 42)
        await #expect(throws: Unhealthy.self) {
            try await timer.run("health") {
                try await Task.sleep(for: .milliseconds(30))
                throw Unhealthy()
            }
        }
        timer.skip(["smoke", "switch"])
        #expect(timer.steps.map(\.name) == ["prepare", "health", "smoke", "switch"])
        #expect(timer.steps.map(\.outcome) == [.succeeded, .failed, .skipped, .skipped])
        #expect(timer.steps[1].message == "no healthy answer")
        #expect(timer.steps[1].durationMilliseconds >= 30)
    }
}
