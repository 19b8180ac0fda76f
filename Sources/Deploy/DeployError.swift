import ShipshapeCore

/// A deploy step that failed: what failed, with what input, and what to do about it.
public struct DeployError: UserFacingError, Sendable {
    /// The category of failure, for callers that react differently (never match on message text).
    public enum Kind: String, Sendable, Hashable {
        /// Another deploy of the project holds the lock.
        case locked
        /// The lock file could not be opened or written.
        case lockUnavailable
        /// The history file could not be read or appended to.
        case history
        /// One or more smoke tests failed.
        case smokeFailed
        /// A process-runtime command could not be started or exited early.
        case processFailed
    }

    /// The category of failure.
    public let kind: Kind
    /// The one-paragraph explanation printed by the CLI.
    public let userMessage: String

    /// An error of `kind` with its explanation.
    public init(kind: Kind, userMessage: String) {
        self.kind = kind
        self.userMessage = userMessage
    }
}
