import Deploy
import Foundation
import TestSupport
import Testing

@Suite("Deploy history")
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
