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

    /// Runs the pre-switch hook against the new color (e.g. migrations); throws with its output on failure.
    func runHook(_ command: [String], service: String, record: ColorRecord) async throws(DeployError)
}
