import Foundation

/// `manifest.json`, written last into a backup's folder: its presence is what makes a backup complete.
public struct BackupManifest: Codable, Sendable, Equatable {
    /// One encrypted file of the backup.
    public struct Part: Codable, Sendable, Equatable {
        /// The part's name, e.g. `postgres-shop`, `postgres-globals`, `redis`, `files`.
        public var name: String
        /// `postgres`, `postgres-globals`, `redis` or `files`.
        public var kind: String
        /// The object's file name inside the backup folder.
        public var file: String
        /// Encrypted size in bytes.
        public var size: Int
        /// Plaintext size in bytes.
        public var plainSize: Int
        /// Lowercase hex SHA-256 of the encrypted file.
        public var sha256: String
        /// The database, for PostgreSQL dumps.
        public var database: String?
        /// Per-table row counts at dump time (`schema.table` → rows), for PostgreSQL dumps.
        public var rowCounts: [String: Int]?
        /// The dumped database's encoding and locale, so verify's scratch database and `restore --database` make
        /// one like it (a SQL_ASCII or LATIN1 dump does not restore into a UTF8 database); nil in older manifests.
        public var databaseEncoding: DatabaseEncoding? = nil
        /// Where the data came from (`host:port` or a path list), for messages.
        public var origin: String
    }

    /// The backup's id, `<UTC timestamp>-<short id>`.
    public var id: String
    /// The compose project.
    public var project: String
    /// When the backup started.
    public var createdAt: Date
    /// When the last part was stored.
    public var completedAt: Date
    /// The Shipshape version that wrote it.
    public var toolVersion: String
    /// The PostgreSQL server version, when a PostgreSQL source was dumped.
    public var postgresVersion: String?
    /// The encrypted files.
    public var parts: [Part]

    static let fileName = "manifest.json"

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// A PostgreSQL database's encoding and locale (`pg_database.encoding`, `datcollate`, `datctype`).
public struct DatabaseEncoding: Codable, Sendable, Equatable {
    /// The character set, e.g. `UTF8`, `SQL_ASCII`, `LATIN1`.
    public var encoding: String
    /// `LC_COLLATE`.
    public var collate: String
    /// `LC_CTYPE`.
    public var ctype: String

    /// An encoding and locale.
    public init(encoding: String, collate: String, ctype: String) {
        self.encoding = encoding
        self.collate = collate
        self.ctype = ctype
    }
}

/// `verification.json`, stored beside a backup by `backup verify`.
public struct VerificationResult: Codable, Sendable, Equatable {
    /// One check and its outcome.
    public struct Check: Codable, Sendable, Equatable {
        /// What was checked.
        public var name: String
        /// Whether it passed.
        public var passed: Bool
        /// Details for a failure.
        public var detail: String?
    }

    /// The backup verified.
    public var id: String
    /// When verification ran.
    public var verifiedAt: Date
    /// Whether every check passed.
    public var passed: Bool
    /// The checks, in order.
    public var checks: [Check]

    static let fileName = "verification.json"
}
