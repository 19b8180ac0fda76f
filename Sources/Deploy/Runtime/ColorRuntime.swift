import ShipshapeCore

/// How a service's colors are run (the `process` and `docker` runtimes): the controller starts, stops and
/// inspects a color only through this, so the deploy flow is the same for both.
public protocol ColorRuntime: Sendable {
    /// Starts `version` in `color` (stopping whatever ran there first) and returns its record once it is
    /// started (not yet healthy).
    func start(service: String, color: DeployColor, version: String) async throws(DeployError) -> ColorRecord

    /// Stops `color` and forgets it (a failed deploy's new color).
    func remove(service: String, color: DeployColor) async

    /// Stops `color` but keeps what is needed to start it again (the retired old color).
    func stop(service: String, color: DeployColor) async

    /// True when `color` is running now.
    func isRunning(service: String, color: DeployColor) async -> Bool

    /// Starts a stopped `color` again as it was (rollback to a retired color); returns its record.
    func restart(service: String, color: DeployColor) async throws(DeployError) -> ColorRecord

    /// The last lines `color` wrote, oldest first.
    func recentLog(service: String, color: DeployColor) async -> [String]

    /// Runs a deploy hook for the new color (e.g. migrations before the switch); throws with the tail of
    /// its output when it fails.
    func runHook(_ hook: DeployHook, _ command: [String], service: String, record: ColorRecord)
        async throws(DeployError)

    /// The engine's own health verdict for `color` (a compose `healthcheck` or image HEALTHCHECK), checked
    /// as a second gate beside the gateway's probe; nil when there is none.
    func engineHealth(service: String, color: DeployColor) async -> EngineHealth?
}

extension ColorRuntime {
    /// Runtimes without an engine health check have none.
    public func engineHealth(service: String, color: DeployColor) async -> EngineHealth? { nil }
}

/// A deploy hook: when it runs and what it is called in messages.
public enum DeployHook: String, Sendable, Hashable {
    /// Before the switch; failing stops the deploy with the old color serving.
    case preSwitch = "pre-switch"
    /// After a successful deploy; failing is noted but undoes nothing.
    case postDeploy = "post-deploy"

    /// The most time a hook may run.
    public static let defaultTimeout: Duration = .seconds(300)
    /// Lines of output quoted when a hook fails.
    public static let quotedLines = 20
}

/// The engine's health-check verdict for a container.
public enum EngineHealth: Sendable, Hashable {
    /// Checks have not passed yet (start period, or not run yet).
    case starting
    /// The latest check passed.
    case healthy
    /// Enough checks in a row failed; `detail` is what the latest printed.
    case unhealthy(detail: String)
}
