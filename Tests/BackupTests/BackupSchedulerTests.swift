import Foundation
import ShipshapeCore
import Synchronization
import Testing
import TestSupport

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

    @Test("a day no month it names has is an error, not a schedule that never fires",
        arguments: ["0 0 30 2 *", "0 0 31 2 *", "0 0 31 4,6,9,11 *", "0 0 30,31 2 *"])
    func neverRuns(expression: String) throws {
        let error = try #require(throws: CronExpression.Invalid.self) { try CronExpression(expression) }
        #expect(error.message.contains("never runs"), "\(error.message)")
    }

    @Test("days only some named months have, or a weekday beside them, still run",
        // Vixie cron: with both day fields restricted, a Monday of February matches.
        arguments: [("0 0 31 2,3 *", "2027-03-31T00:00:00Z"), ("0 0 30 2 1", "2027-02-01T00:00:00Z")])
    func runsSometimes(expression: String, expected: String) throws {
        let cron = try CronExpression(expression)
        #expect(cron.next(after: try Self.date("2026-11-20T12:00:00Z")) == (try Self.date(expected)))
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

    struct Failure: Error {}

    @Test("after a successful scheduled backup the retention policy is applied; a failed prune leaves the backup a success")
    func pruneAfterBackup() async throws {
        let log = Mutex<[String]>([])
        func scheduler(backupFails: Bool, pruneFails: Bool) -> BackupScheduler {
            BackupScheduler(
                backupSchedule: try? CronExpression("0 2 * * *"), verifySchedule: nil,
                backup: {
                    log.withLock { $0.append("backup") }
                    if backupFails { throw Failure() }
                },
                verify: {},
                prune: {
                    log.withLock { $0.append("prune") }
                    if pruneFails { throw Failure() }
                })
        }
        let ok = scheduler(backupFails: false, pruneFails: false)
        #expect(await ok.perform("backup", ok.backup))
        #expect(log.withLock { $0 } == ["backup", "prune"])
        log.withLock { $0 = [] }
        let failing = scheduler(backupFails: true, pruneFails: false)
        #expect(await failing.perform("backup", failing.backup) == false)
        #expect(log.withLock { $0 } == ["backup"])
        log.withLock { $0 = [] }
        let pruneFailing = scheduler(backupFails: false, pruneFails: true)
        #expect(await pruneFailing.perform("backup", pruneFailing.backup))
        #expect(log.withLock { $0 } == ["backup", "prune"])
        // Verification is not followed by a prune.
        log.withLock { $0 = [] }
        #expect(await ok.perform("verify", ok.verify))
        #expect(log.withLock { $0 }.isEmpty)
    }

    @Test("the scheduler made from shipshape.yml prunes with backup.retention after its backup")
    func configuredRetention() async throws {
        let directory = try TemporaryDirectory(prefix: "schedprune")
        defer { directory.remove() }
        try directory.write("data/a.txt", "hello")
        let settings = BackupSettings(
            project: "shop",
            configuration: BackupConfiguration(
                store: "store", encryption: .recipients([X25519Identity.generate().recipient.description]),
                retention: .init(last: 1, daily: 0, weekly: 0, monthly: 0), sources: [.files(["data"])]),
            baseDirectory: directory.path)
        let store = try settings.makeStore()
        for offset in [-7200.0, -3600] {
            _ = try await BackupRunner(settings: settings, store: store).run(now: Date().addingTimeInterval(offset))
        }
        #expect(try await BackupCatalog(store: store, project: "shop").entries().count == 2)
        let scheduler = try BackupScheduler(settings: settings)
        #expect(await scheduler.perform("backup", scheduler.backup))
        let left = try await BackupCatalog(store: store, project: "shop").entries()
        #expect(left.count == 1)
        #expect(left.first.map { Date().timeIntervalSince($0.manifest.createdAt) < 600 } == true, "the new backup is the one kept")
        // Without `retention:` in the file, scheduled runs delete nothing on their own.
        var unconfigured = settings
        unconfigured.configuration = BackupConfiguration(
            store: "store", encryption: settings.configuration.encryption, sources: settings.configuration.sources)
        #expect(try BackupScheduler(settings: unconfigured).prune == nil)
    }
}
