import Foundation

/// The state of one deploy in progress: its colors, how far it got, and the timed steps so far.
struct DeployRun: Sendable {
    let version: String
    let startedAt = Date()
    var timer = DeployStepTimer()
    var newColor: DeployColor?
    var oldColor: DeployColor?
    /// The old color's target, `host:port` (kept as a standby when asked).
    var oldTarget: String?
    /// The new color's start began (so a failure must remove it).
    var started = false
    /// Traffic went to the new color.
    var switched = false
    var switchMilliseconds: Double?
    /// A remark for the history on a deploy that succeeded (a failed post-deploy hook).
    var note: String?

    /// The drain ended: the old color's targets are gone, so traffic can no longer be flipped back to it.
    var drained: Bool { timer.steps.contains { $0.name == "drain" && $0.outcome == .succeeded } }

    /// The step that was running when the deploy failed, if any.
    var failedStep: String? { timer.steps.last { $0.outcome == .failed }?.name }

    init(version: String) {
        self.version = version
    }

    /// The history record of this run as it ends.
    func record(service: String, outcome: DeployRecord.Outcome, message: String?) -> DeployRecord {
        DeployRecord(
            service: service, version: version, color: newColor, previousColor: oldColor, startedAt: startedAt,
            finishedAt: Date(), outcome: outcome, message: message, steps: timer.steps)
    }
}
