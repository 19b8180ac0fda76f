import ShipshapeCore

/// Everything that can go wrong while backing up, listing, verifying, restoring or pruning.
public struct BackupError: UserFacingError, Equatable {
    /// The broad class of failure, for callers that react differently (tests, exit codes).
    public enum Kind: String, Sendable, Equatable {
        /// The age header or payload could not be parsed.
        case malformedAgeFile
        /// No identity could unwrap the file key (wrong key or passphrase).
        case noMatchingIdentity
        /// The header MAC or a payload chunk failed authentication (corrupted or tampered file).
        case authenticationFailed
        /// The file ended before the final chunk.
        case truncated
        /// A key, recipient or passphrase could not be used.
        case invalidKey
        /// The store refused or failed an operation.
        case store
        /// The requested object or backup does not exist.
        case notFound
        /// A dump or restore command failed.
        case command
        /// The configuration cannot be used for this operation.
        case configuration
        /// Another `backup run` or `prune` holds the store's lock.
        case locked
        /// A stored file's SHA-256 differs from the manifest, or a verification check failed.
        case verification
    }

    /// The broad class of failure.
    public var kind: Kind
    /// What failed, with what input.
    public var what: String
    /// What the user should do next.
    public var hint: String

    /// An error of `kind` describing `what` failed and what to do about it.
    public init(_ kind: Kind, _ what: String, hint: String) {
        self.kind = kind
        self.what = what
        self.hint = hint
    }

    /// The one-paragraph form printed by the CLI.
    public var userMessage: String { "\(what). \(hint)" }
}
