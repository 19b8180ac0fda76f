import Foundation
import Logging
import Metrics
import ServiceLifecycle
import ShipshapeCore

/// Runs backups (and verifications) on their cron schedules inside `shipshape run`, one job at a time; after each
/// successful backup it applies the retention policy (prune), whose failure is logged and counted, never the
/// backup's.
///
/// A job that is still running when its next time comes makes that time "missed": it is logged and
/// counted (`shipshape_backup_missed_runs_total`), never run twice or concurrently.
///
/// On graceful shutdown a running job is cancelled: a backup then stops its tools, deletes what it had written
/// (an incomplete backup is never listed) and releases its lock. `shipshape run` shuts the scheduler down only
/// after the gateway has drained, so a job keeps running for as long as the drain takes.
public struct BackupScheduler: Service {
    /// What a scheduled job does; the defaults run `BackupRunner` and `BackupVerifier`.
    public typealias Job = @Sendable () async throws -> Void

    /// The current time; injectable for tests.
    public typealias Now = @Sendable () -> Date

    let backupSchedule: CronExpression?
    let verifySchedule: CronExpression?
    let backup: Job
    let verify: Job
    /// Applies the retention policy after a successful backup; nil when none is configured.
    let prune: Job?
    let now: Now
    let logger: Logger

    /// A scheduler with explicit jobs and clock (tests) .
    public init(
        backupSchedule: CronExpression?, verifySchedule: CronExpression?, backup: @escaping Job, verify: @escaping Job,
        prune: Job? = nil, now: @escaping Now = { Date() }, logger: Logger = Logger(label: "shipshape.backup")
    ) {
        self.backupSchedule = backupSchedule
        self.verifySchedule = verifySchedule
        self.backup = backup
        self.verify = verify
        self.prune = prune
        self.now = now
        self.logger = logger
    }

    /// A scheduler for the configured `backup.schedule` and `backup.verify.schedule`.
    public init(settings: BackupSettings, logger: Logger = Logger(label: "shipshape.backup")) throws {
        let store = try settings.makeStore()
        let policy = RetentionPolicy(settings.configuration.retention)
        let project = settings.project
        // The same rules as `backup prune`, when `retention:` is written (never the defaults unasked); a policy that
        // keeps nothing is never applied.
        let prune: Job? = settings.configuration.retentionConfigured && policy.keepsAnything ? { @Sendable in
            let plan = try await BackupPruner(store: store, project: project, policy: policy).prune(dryRun: false)
            logger.notice(
                "retention applied", metadata: ["removed": "\(plan.remove)", "kept": "\(plan.keep.map(\.id))"])
        } : nil
        self.init(
            backupSchedule: try settings.configuration.schedule.map { try CronExpression($0) },
            verifySchedule: try settings.configuration.verifySchedule.map { try CronExpression($0) },
            backup: { _ = try await BackupRunner(settings: settings, store: store, logger: logger).run() },
            verify: { _ = try await BackupVerifier(settings: settings, store: store, logger: logger).verify() },
            prune: prune, logger: logger)
    }

    /// The next job and when it is due.
    func nextJob(after date: Date) -> (name: String, at: Date, job: Job)? {
        let candidates: [(String, Date, Job)] = [
            backupSchedule?.next(after: date).map { ("backup", $0, backup) },
            verifySchedule?.next(after: date).map { ("verify", $0, verify) },
        ].compactMap { $0 }
        return candidates.min { $0.1 < $1.1 }.map { (name: $0.0, at: $0.1, job: $0.2) }
    }

    public func run() async throws {
        var cursor = now()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            guard let (name, at, job) = nextJob(after: cursor) else { return }
            let delay = at.timeIntervalSince(now())
            if delay > 0 {
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(delay)) }
                } catch {
                    return
                }
            }
            // A backup can take many minutes: shutdown must not wait for it (systemd's SIGKILL would end it mid-way).
            let completed = await cancelWhenGracefulShutdown { await perform(name, job) }
            if !completed && (Task.isCancelled || Task.isShuttingDownGracefully) { return }
            let finished = now()
            let missed = missedRuns(of: name, between: at, and: finished)
            if missed > 0 {
                Counter(label: "shipshape_backup_missed_runs_total", dimensions: [("job", name)]).increment(by: missed)
                logger.warning("scheduled runs missed while a job ran", metadata: ["job": "\(name)", "missed": "\(missed)"])
            }
            cursor = max(at, finished)
        }
    }

    /// Runs one scheduled job, then, after a successful backup, the retention policy; returns whether the job
    /// succeeded. A failure of either is logged and counted (`shipshape_backup_failures_total{job=…}`) and
    /// never ends the scheduler; a prune that fails leaves the backup a success.
    @discardableResult
    func perform(_ name: String, _ job: Job) async -> Bool {
        guard await attempt(name, job) else { return false }
        if name == "backup", let prune { await attempt("prune", prune) }
        return true
    }

    @discardableResult
    private func attempt(_ name: String, _ job: Job) async -> Bool {
        logger.info("scheduled job starting", metadata: ["job": "\(name)"])
        do {
            try await job()
            logger.info("scheduled job finished", metadata: ["job": "\(name)"])
            return true
        } catch _ where Task.isCancelled {
            logger.warning("scheduled job cancelled by shutdown", metadata: ["job": "\(name)"])
            return false
        } catch {
            Counter(label: "shipshape_backup_failures_total", dimensions: [("job", name)]).increment()
            logger.error("scheduled job failed", metadata: ["job": "\(name)", "error": "\(error)"])
            return false
        }
    }

    /// How many times `name`'s schedule fell strictly between `start` and `end`.
    func missedRuns(of name: String, between start: Date, and end: Date) -> Int {
        guard let schedule = name == "backup" ? backupSchedule : verifySchedule else { return 0 }
        var count = 0
        var cursor = start
        while let next = schedule.next(after: cursor), next < end, count < 10_000 {
            count += 1
            cursor = next
        }
        return count
    }
}
