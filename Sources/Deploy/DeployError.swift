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
        /// The gateway's admin API could not be reached or answered unexpectedly.
        case gateway
        /// The gateway refused a switch (409: the color has no healthy target).
        case gatewayRefused
        /// The new color never became healthy in the gateway.
        case unhealthy
        /// The pre-switch hook failed.
        case hookFailed
        /// The bake window saw too many 5xx responses from the new color; traffic was flipped back.
        case bakeFailed
        /// A container could not be created, started or stopped through the engine.
        case containerFailed
        /// The service, version or runtime asked for cannot be deployed as configured.
        case invalidRequest
        /// There is nothing to roll back to.
        case nothingToRollBack
        /// The deploy was cancelled (SIGINT or SIGTERM to the CLI) before it finished.
        case interrupted
    }

    /// The category of failure.
    public let kind: Kind
    /// The one-paragraph explanation printed by the CLI.
    public let userMessage: String
    /// The history record written for the failed deploy or rollback (what `--json` prints), when one was.
    public var record: DeployRecord?

    /// An error of `kind` with its explanation.
    public init(kind: Kind, userMessage: String, record: DeployRecord? = nil) {
        self.kind = kind
        self.userMessage = userMessage
        self.record = record
    }
}
