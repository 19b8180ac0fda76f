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
    /// Collects metadata (row counts) right before the dump; nil when there is none.
    public var metadata: (@Sendable () async throws -> [String: Int])?
}
