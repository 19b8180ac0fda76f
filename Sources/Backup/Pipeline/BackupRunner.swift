import Foundation
import Logging
import Metrics
import ShipshapeCore

/// `backup run`: streams every source through age into the store, then writes the manifest last.
public struct BackupRunner: Sendable {
    /// Progress of one part, for the CLI's progress lines.
    public struct Progress: Sendable {
        /// The part's name.
        public var part: String
        /// Plaintext bytes so far.
        public var bytes: Int
        /// Seconds since the part started.
        public var elapsed: Double
        /// Whether the part is done.
        public var done: Bool
    }

    let settings: BackupSettings
    let store: any BackupStore
    let runner: any DumpCommandRunner
    let logger: Logger

    /// A runner writing to `store`, running dumps with `runner`.
    public init(
        settings: BackupSettings, store: any BackupStore, runner: any DumpCommandRunner = LocalProcessRunner(),
        logger: Logger = Logger(label: "shipshape.backup")
    ) {
        self.settings = settings
        self.store = store
        self.runner = runner
        self.logger = logger
    }

    /// A new backup id: UTC timestamp then a short random id, so ids sort by time.
    static func makeID(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let short = String(UUID().uuidString.lowercased().prefix(6))
        return "\(formatter.string(from: date))-\(short)"
    }

    /// What the sources will produce, in order.
    func plan() async throws -> (parts: [BackupPart], postgres: PostgresSource?) {
        var parts: [BackupPart] = []
        var firstPostgres: PostgresSource?
        var used: [String: Int] = [:]
        func unique(_ name: String) -> String {
            used[name, default: 0] += 1
            return used[name] == 1 ? name : "\(name)-\(used[name] ?? 0)"
        }
        for source in settings.configuration.sources {
            switch source {
            case .postgres(let configuration):
                let postgres = try PostgresSource(configuration, resolve: settings.resolve, runner: runner)
                firstPostgres = firstPostgres ?? postgres
                for var part in try await postgres.parts(prefix: "postgres") {
                    part.name = unique(part.name)
                    parts.append(part)
                }
            case .redis(let configuration):
                parts.append(try RedisSource(configuration, resolve: settings.resolve).part(name: unique("redis")))
            case .files(let paths):
                parts.append(FilesSource(paths: paths, baseDirectory: settings.baseDirectory).part(name: unique("files")))
            }
        }
        return (parts, firstPostgres)
    }

    /// Runs a backup now; on any failure the partial objects are removed and no manifest is written.
    public func run(now: Date = Date(), progress: (@Sendable (Progress) -> Void)? = nil) async throws -> BackupManifest {
        let started = ContinuousClock.now
        let recipients = try settings.recipients()
        let catalog = BackupCatalog(store: store, project: settings.project)
        let id = Self.makeID(now)
        let removed = try await catalog.removeIncomplete(keeping: id)
        if !removed.isEmpty { logger.notice("removed incomplete backups", metadata: ["ids": "\(removed)"]) }
        let (parts, postgres) = try await plan()
        let postgresVersion = try await postgres?.serverVersion()
        var stored: [BackupManifest.Part] = []
        var written: [String] = []
        do {
            for part in parts {
                let file = "\(part.name).age"
                let key = catalog.key(id, file)
                let rowCounts = try await part.metadata?()
                let writer = try await store.makeWriter(key: key)
                written.append(key)
                let cipher = DigestingSink(writer)
                let plain = ProgressSink(try AgeWriter(recipients: recipients, downstream: cipher), part: part.name, report: progress)
                do {
                    try await runner.stream(part.command, into: plain)
                    try await plain.finish()
                } catch {
                    await writer.abort()
                    throw error
                }
                stored.append(
                    BackupManifest.Part(
                        name: part.name, kind: part.kind, file: file, size: cipher.byteCount, plainSize: plain.byteCount,
                        sha256: cipher.hexDigest(), database: part.database, rowCounts: rowCounts, origin: part.origin))
                logger.info("stored part", metadata: ["backup_id": "\(id)", "part": "\(part.name)", "bytes": "\(cipher.byteCount)"])
            }
            let manifest = BackupManifest(
                id: id, project: settings.project, createdAt: now, completedAt: Date(), toolVersion: ShipshapeVersion.current,
                postgresVersion: postgresVersion, parts: stored)
            try await store.put(key: catalog.key(id, BackupManifest.fileName), bytes: Array(try BackupManifest.encoder().encode(manifest)))
            let seconds = Double((ContinuousClock.now - started).components.seconds)
            Gauge(label: "shipshape_backup_last_success_timestamp_seconds").record(Date().timeIntervalSince1970)
            Gauge(label: "shipshape_backup_duration_seconds").record(seconds)
            Gauge(label: "shipshape_backup_size_bytes").record(stored.reduce(0) { $0 + $1.size })
            return manifest
        } catch {
            try? await store.delete(keys: written)
            Counter(label: "shipshape_backup_failures_total").increment()
            throw error
        }
    }
}

/// Counts plaintext bytes and reports progress at most every `interval`.
final class ProgressSink: ByteSink {
    static let interval: Duration = .milliseconds(500)
    private let downstream: any ByteSink
    private let part: String
    private let report: (@Sendable (BackupRunner.Progress) -> Void)?
    private let start = ContinuousClock.now
    private var lastReport = ContinuousClock.now
    private(set) var byteCount = 0

    init(_ downstream: any ByteSink, part: String, report: (@Sendable (BackupRunner.Progress) -> Void)?) {
        self.downstream = downstream
        self.part = part
        self.report = report
    }

    private var elapsed: Double {
        let duration = ContinuousClock.now - start
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    func write(_ bytes: ArraySlice<UInt8>) async throws {
        byteCount += bytes.count
        try await downstream.write(bytes)
        if let report, ContinuousClock.now - lastReport >= Self.interval {
            lastReport = .now
            report(.init(part: part, bytes: byteCount, elapsed: elapsed, done: false))
        }
    }

    func finish() async throws {
        try await downstream.finish()
        report?(.init(part: part, bytes: byteCount, elapsed: elapsed, done: true))
    }
}
