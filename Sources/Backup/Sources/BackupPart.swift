/// One stream to back up: a dump command and what the manifest records about it.
public struct BackupPart: Sendable {
    /// The part's name, unique in a backup.
    public var name: String
    /// `postgres`, `postgres-globals`, `redis` or `files`.
    public var kind: String
    /// The command whose standard output is the payload.
    public var command: DumpCommand
    /// The database for PostgreSQL dumps.
    public var database: String?
    /// Where the data comes from, for messages.
    public var origin: String
    /// Runs the command somewhere else than the run's default runner (inside a service's container).
    public var runner: (any DumpCommandRunner)?
    /// Estimates the payload's plaintext size for the progress display; nil when unknown. Unless the estimate
    /// is exact, the size of the same part in the newest backup is preferred when there is one.
    public var expectedSize: (@Sendable () async throws -> Int?)?
    /// Whether `expectedSize` is exact (a tar of host files) rather than a rough bound.
    public var expectedSizeIsExact: Bool
    /// Work that must finish right before the dump (a Redis BGSAVE); nil when there is none.
    public var prepare: (@Sendable () async throws -> Void)?
    /// Reads the dumped database's encoding and locale (beside the dump); nil when not a database dump.
    var databaseEncoding: (@Sendable () async throws -> DatabaseEncoding?)?
    /// Starts counting rows in a snapshot the dump then shares (`pg_dump --snapshot`); nil when there is none.
    var snapshotCounts: (@Sendable () async throws -> PostgresSnapshotCounts.Session)?
    /// A small payload (PostgreSQL's roles) captured into memory while the parts before it stream, so its
    /// command's start-up is not added to the run's time.
    public var prefetch: Bool

    /// A part; only the name, kind, command and origin are required.
    public init(
        name: String, kind: String, command: DumpCommand, database: String? = nil, origin: String,
        runner: (any DumpCommandRunner)? = nil,
        expectedSize: (@Sendable () async throws -> Int?)? = nil, expectedSizeIsExact: Bool = false,
        prepare: (@Sendable () async throws -> Void)? = nil, prefetch: Bool = false
    ) {
        self.name = name
        self.kind = kind
        self.command = command
        self.database = database
        self.origin = origin
        self.runner = runner
        self.expectedSize = expectedSize
        self.expectedSizeIsExact = expectedSizeIsExact
        self.prepare = prepare
        self.prefetch = prefetch
    }
}
