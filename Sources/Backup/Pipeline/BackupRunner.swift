import Foundation
import Logging
import Metrics
import ShipshapeCore
import Synchronization

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
        /// The expected plaintext size, when the source can estimate it (files exactly, PostgreSQL roughly).
        public var expected: Int? = nil

        /// Bytes per second so far.
        public var rate: Double { elapsed > 0 ? Double(bytes) / elapsed : 0 }

        /// Seconds left at the current rate; nil without an estimate or a rate yet.
        public var secondsRemaining: Double? {
            guard let expected, rate > 0 else { return nil }
            return max(0, Double(expected - bytes) / rate)
        }

        /// Completion in percent (below 100 until done: estimates can be short).
        public var percent: Int? {
            guard let expected, expected > 0 else { return nil }
            return done ? 100 : min(Self.maximumUnfinishedPercent, bytes * 100 / expected)
        }

        static let maximumUnfinishedPercent = 99
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

    /// A new backup id: UTC timestamp then 6 hex digits, the milliseconds (3) and 3 random ones, so ids sort by
    /// time even within a second (manifests record whole seconds; list and prune break ties by id).
    static func makeID(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let milliseconds = Int((date.timeIntervalSince1970 * 1000).rounded(.down)) % 1000
        let millisecondDigits = String(milliseconds, radix: 16)
        let short = String(repeating: "0", count: 3 - millisecondDigits.count) + millisecondDigits
            + String(UUID().uuidString.lowercased().prefix(3))
        return "\(formatter.string(from: date))-\(short)"
    }

    /// What the sources will produce, in order; `service:` sources get runners inside their containers.
    func plan(services: ServiceRunners) async throws -> (parts: [BackupPart], postgres: PostgresSource?) {
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
                var runner = self.runner
                if let service = configuration.service { runner = try await services.runner(for: service) }
                let postgres = try PostgresSource(configuration, resolve: settings.resolve, runner: runner)
                firstPostgres = firstPostgres ?? postgres
                for var part in try await postgres.parts(prefix: "postgres") {
                    part.name = unique(part.name)
                    parts.append(part)
                }
            case .redis(let configuration):
                var runner: (any DumpCommandRunner)?
                if let service = configuration.service { runner = try await services.runner(for: service) }
                let redis = try RedisSource(configuration, resolve: settings.resolve, containerRunner: runner)
                parts.append(try await redis.part(name: unique("redis")))
            case .files(let entries):
                let (host, inContainers) = FilesSource.split(entries)
                if !host.isEmpty {
                    parts.append(FilesSource(paths: host, baseDirectory: settings.baseDirectory).part(name: unique("files")))
                }
                for (service, paths) in inContainers {
                    let runner = try await services.runner(for: service)
                    parts.append(FilesSource.containerPart(name: unique(PartName.make("files", service)), service: service, paths: paths, runner: runner))
                }
            }
        }
        return (parts, firstPostgres)
    }

    /// Runs a backup now; on any failure the partial objects are removed and no manifest is written.
    /// Holds the store's `BackupLock` throughout: a second run or prune fails fast instead of interleaving.
    public func run(now: Date = Date(), progress: (@Sendable (Progress) -> Void)? = nil) async throws -> BackupManifest {
        AllocatorTuning.apply
        let recipients = try settings.recipients()
        return try await BackupLock(store: store, project: settings.project).withLock(operation: "backup run") {
            try await runLocked(now: now, recipients: recipients, progress: progress)
        }
    }

    private func runLocked(
        now: Date, recipients: [any AgeRecipient], progress: (@Sendable (Progress) -> Void)?
    ) async throws -> BackupManifest {
        let started = ContinuousClock.now
        let catalog = BackupCatalog(store: store, project: settings.project)
        let id = Self.makeID(now)
        let removed = try await catalog.removeIncomplete(keeping: id)
        if !removed.isEmpty { logger.notice("removed incomplete backups", metadata: ["ids": "\(removed)"]) }
        let services = ServiceRunners(project: settings.project, environment: settings.dockerEnvironment)
        do {
            let manifest = try await writeBackup(id: id, at: now, services: services, recipients: recipients, catalog: catalog, progress: progress)
            await services.shutdown()
            let seconds = Double((ContinuousClock.now - started).components.seconds)
            Gauge(label: "shipshape_backup_last_success_timestamp_seconds").record(Date().timeIntervalSince1970)
            Gauge(label: "shipshape_backup_duration_seconds").record(seconds)
            Gauge(label: "shipshape_backup_size_bytes").record(manifest.parts.reduce(0) { $0 + $1.size })
            return manifest
        } catch {
            await services.shutdown()
            Counter(label: "shipshape_backup_failures_total").increment()
            throw error
        }
    }

    /// Streams every part into the store under `id`, then writes the manifest; removes what it wrote on failure.
    private func writeBackup(
        id: String, at now: Date, services: ServiceRunners, recipients: [any AgeRecipient], catalog: BackupCatalog,
        progress: (@Sendable (Progress) -> Void)?
    ) async throws -> BackupManifest {
        let (parts, postgres) = try await plan(services: services)
        // The server version, the size estimates and the small parts are fetched beside the first dump, so
        // none of their commands' start-up is added to the run's time.
        async let postgresVersion = postgres?.serverVersion()
        var prefetched: [String: Task<[UInt8], any Error>] = [:]
        for part in parts where part.prefetch {
            let partRunner = part.runner ?? runner
            prefetched[part.name] = Task {
                let collected = CollectingSink(limit: 16 << 20)
                try await partRunner.stream(part.command, into: collected)
                return collected.bytes
            }
        }
        defer { for task in prefetched.values { task.cancel() } }
        // The newest backup's part sizes: the best estimate of a dump's size, since data grows slowly. Read
        // beside the first dump: only the progress display waits for them.
        let previousSizes = Task { await catalog.newestPartSizes() }
        defer { previousSizes.cancel() }
        var stored: [BackupManifest.Part] = []
        var written: [String] = []
        do {
            for part in parts {
                let file = "\(part.name).age"
                let key = catalog.key(id, file)
                let expected = ExpectedSize()
                let estimating = Task {
                    if !part.expectedSizeIsExact, let previous = await previousSizes.value[part.name] {
                        expected.set(previous)
                    } else if let estimate = part.expectedSize {
                        expected.set(try? await estimate())
                    }
                }
                defer { estimating.cancel() }
                let encoding = part.databaseEncoding.map { read in Task { try? await read() } }
                defer { encoding?.cancel() }
                try await part.prepare?()
                // Row counts run beside the dump: in the dump's own snapshot for PostgreSQL.
                let session = try await part.snapshotCounts?()
                defer { session?.task.cancel() }
                let command = session?.apply(to: part.command) ?? part.command
                let writer = try await store.makeWriter(key: key)
                written.append(key)
                // Hashing and storing run beside reading and encrypting, on a second core.
                let cipher = DigestingSink(writer)
                let stage = ConcurrentSink(cipher)
                let plain: ProgressSink
                let rowCounts: [String: Int]?
                do {
                    plain = ProgressSink(
                        try AgeWriter(recipients: recipients, downstream: stage), part: part.name, expected: expected,
                        report: progress)
                    if let prefetch = prefetched[part.name] {
                        try await plain.write(try await prefetch.value[...])
                    } else {
                        try await (part.runner ?? runner).stream(command, into: plain)
                    }
                    try await plain.finish()
                    rowCounts = try await session?.counts.value
                } catch {
                    await stage.abandon()
                    await writer.abort()
                    throw error
                }
                stored.append(
                    BackupManifest.Part(
                        name: part.name, kind: part.kind, file: file, size: cipher.byteCount, plainSize: plain.byteCount,
                        sha256: cipher.hexDigest(), database: part.database, rowCounts: rowCounts,
                        databaseEncoding: await encoding?.value ?? nil, origin: part.origin))
                logger.info("stored part", metadata: ["backup_id": "\(id)", "part": "\(part.name)", "bytes": "\(cipher.byteCount)"])
            }
            let manifest = BackupManifest(
                id: id, project: settings.project, createdAt: now, completedAt: Date(), toolVersion: ShipshapeVersion.current,
                postgresVersion: try await postgresVersion, parts: stored)
            try await store.put(key: catalog.key(id, BackupManifest.fileName), bytes: Array(try BackupManifest.encoder().encode(manifest)))
            return manifest
        } catch {
            try? await store.delete(keys: written)
            throw error
        }
    }
}

/// Counts plaintext bytes and reports progress at most every `interval`.
final class ProgressSink: ByteSink {
    static let interval: Duration = .milliseconds(500)
    private let downstream: any ByteSink
    private let part: String
    private let expected: ExpectedSize
    private let report: (@Sendable (BackupRunner.Progress) -> Void)?
    private let start = ContinuousClock.now
    private var lastReport = ContinuousClock.now
    private(set) var byteCount = 0

    init(_ downstream: any ByteSink, part: String, expected: ExpectedSize, report: (@Sendable (BackupRunner.Progress) -> Void)?) {
        self.downstream = downstream
        self.part = part
        self.expected = expected
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
            report(.init(part: part, bytes: byteCount, elapsed: elapsed, done: false, expected: expected.value))
        }
    }

    func finish() async throws {
        try await downstream.finish()
        report?(.init(part: part, bytes: byteCount, elapsed: elapsed, done: true, expected: expected.value))
    }
}

/// A part's estimated size, filled in by a query that runs beside the part's dump.
final class ExpectedSize: Sendable {
    private let storage = Mutex<Int?>(nil)

    /// The estimate, once known.
    var value: Int? { storage.withLock { $0 } }

    func set(_ value: Int?) { storage.withLock { $0 = value } }
}
