import AsyncHTTPClient
import Foundation
import Logging
import ShipshapeCore

/// Switches a service back to its previous color: a plain switch while that color still runs (well under a
/// second), otherwise its stopped process or container is started again first and must pass the gateway's
/// health check before it takes traffic.
public struct Rollback: Sendable {
    /// What a rollback reports.
    public struct Outcome: Sendable {
        /// The history record written.
        public var record: DeployRecord
        /// True when the previous color had to be started again.
        public var restarted: Bool
        /// From the decision to the gateway routing new requests to the previous color, in milliseconds.
        public var milliseconds: Double
    }

    let controller: DeployController

    /// A rollback with the same settings, runtime and client as `controller`.
    public init(controller: DeployController) {
        self.controller = controller
    }

    /// Switches `service` back to the color that served before the current one.
    @discardableResult
    public func run() async throws(DeployError) -> Outcome {
        let settings = controller.settings
        let service = controller.service
        let lock = try DeployLock.acquire(
            path: settings.lockPath, project: settings.project, detail: "rollback \(service)")
        defer { lock.release() }
        let clock = ContinuousClock()
        let begin = clock.now
        let startedAt = Date()
        var timer = DeployStepTimer()
        let state = try await controller.admin.service(service)
        let current = state.activeColor
        let previous = current.other
        var restarted = false
        do {
            restarted = !(await controller.runtime.isRunning(service: service, color: previous))
            let record = try await timer.run("restart") {
                try await controller.runtime.restart(service: service, color: previous)
            }
            let registered = state.targets(of: previous).first { $0.address == record.target }?.state
            if !restarted, registered == "draining" {
                // Rolled back within the drain: the gateway never calls a draining target healthy, so the
                // switch is forced; the target was serving moments ago and the next probe confirms it.
                try await timer.run("switch") { _ = try await controller.switchTraffic(to: previous, force: true) }
            } else {
                // A standby that is healthy switches at once; a restarted or re-registered target starts as
                // `adding` and must pass the gateway's probe first.
                if restarted || registered != "healthy" {
                    try await timer.run("health") { try await controller.healthGate(record, force: false) }
                }
                try await timer.run("switch") { _ = try await controller.switchTraffic(to: previous, force: false) }
            }
            let milliseconds = DeployStepTimer.milliseconds(clock.now - begin)
            let history = DeployRecord(
                service: service, version: record.version, color: previous, previousColor: current,
                startedAt: startedAt, finishedAt: Date(), outcome: .succeeded,
                message: "rollback from \(current) to \(previous)\(restarted ? " (restarted)" : "")", steps: timer.steps
            )
            try controller.history.append(history)
            controller.logger.info(
                "rolled back",
                metadata: [
                    "service": "\(service)", "color": "\(previous)", "version": "\(record.version)",
                    "duration_ms": "\(Int(milliseconds))", "restarted": "\(restarted)",
                ])
            return Outcome(record: history, restarted: restarted, milliseconds: milliseconds)
        } catch {
            let failure = (error as? DeployError) ?? DeployError(kind: .gateway, userMessage: "\(error)")
            let record = DeployRecord(
                service: service, version: "-", color: previous, previousColor: current, startedAt: startedAt,
                finishedAt: Date(), outcome: .failed, message: "rollback failed: \(failure.userMessage)",
                steps: timer.steps)
            try? controller.history.append(record)
            throw DeployError(
                kind: failure.kind,
                userMessage:
                    "Rollback of '\(service)' to \(previous) failed; \(current) keeps serving. \(failure.userMessage)")
        }
    }
}
