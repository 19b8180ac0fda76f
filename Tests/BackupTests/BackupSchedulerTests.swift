import Foundation
import ShipshapeCore
import Synchronization
import Testing

@testable import Backup

@Suite("cron expressions and the backup scheduler")
struct BackupSchedulerTests {
    static func date(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text))
    }

    @Test("the next run follows cron semantics in UTC", arguments: [
        ("0 2 * * *", "2026-11-20T01:59:00Z", "2026-11-20T02:00:00Z"),
        ("0 2 * * *", "2026-11-20T02:00:00Z", "2026-11-21T02:00:00Z"),
        ("0 4 * * 0", "2026-11-20T12:00:00Z", "2026-11-22T04:00:00Z"),
        ("*/15 * * * *", "2026-11-20T10:07:30Z", "2026-11-20T10:15:00Z"),
        ("30 1 1 1,7 *", "2026-02-01T00:00:00Z", "2026-07-01T01:30:00Z"),
        ("0 0 13 * 5", "2026-11-01T00:00:00Z", "2026-11-06T00:00:00Z"),
        ("0 3 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T03:00:00Z"),
        ("@daily", "2026-11-20T10:07:30Z", "2026-11-21T00:00:00Z"),
        ("@weekly", "2026-11-20T10:07:30Z", "2026-11-22T00:00:00Z"),
        ("@hourly", "2026-11-20T10:07:30Z", "2026-11-20T11:00:00Z"),
        ("@monthly", "2026-11-20T10:07:30Z", "2026-12-01T00:00:00Z"),
    ])
    func next(expression: String, after: String, expected: String) throws {
        let cron = try CronExpression(expression)
        #expect(cron.next(after: try Self.date(after)) == (try Self.date(expected)))
    }

    @Test("invalid expressions are rejected with the offending field", arguments: ["0 2 * *", "61 * * * *", "0 2 * * mon-x", "*/0 * * * *"])
    func invalid(expression: String) {
        #expect(throws: CronExpression.Invalid.self) { try CronExpression(expression) }
    }

    @Test("a job longer than its interval runs once and reports the missed runs")
    func missedRuns() async throws {
        let schedule = try CronExpression("* * * * *")
        // The clock jumps 3 minutes while the job runs: two scheduled minutes pass unrun.
        let clock = Mutex(try Self.date("2026-11-20T10:00:30Z"))
        let runs = Mutex(0)
        let scheduler = BackupScheduler(
            backupSchedule: schedule, verifySchedule: nil,
            backup: {
                runs.withLock { $0 += 1 }
                clock.withLock { $0 = $0.addingTimeInterval(180) }
            },
            verify: {}, now: { clock.withLock { $0 } })
        let due = try #require(scheduler.nextJob(after: clock.withLock { $0 }))
        #expect(due.name == "backup")
        #expect(due.at == (try Self.date("2026-11-20T10:01:00Z")))
        try await due.job()
        #expect(runs.withLock { $0 } == 1)
        #expect(scheduler.missedRuns(of: "backup", between: due.at, and: clock.withLock { $0 }) == 2)
    }
}
