import AsyncHTTPClient
import Foundation
import Logging
import ShipshapeCore

/// Switches a service back to its previous color: a plain switch while that color still runs (well under a
/// second), otherwise its stopped process or container is started again first and must pass the gateway's
/// health check before it takes traffic. Then the color it left is drained and retired as after a deploy.
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
            if let reason = try unverified(previous) {
                throw DeployError(
                    kind: .nothingToRollBack,
                    userMessage: """
                        Nothing verified to roll back to: \(reason). Deploy a version instead \
                        (shipshape deploy \(service) --\(controller.settings.service.runtime == .docker ? "image REF" : "version V")).
                        """)
            }
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
            let note = await finish(leaving: current, target: state.targets(of: current).first?.address, &timer)
            let history = DeployRecord(
                service: service, version: record.version, color: previous, previousColor: current,
                startedAt: startedAt, finishedAt: Date(), outcome: .succeeded,
                message: "rollback from \(current) to \(previous)\(restarted ? " (restarted)" : "")" + (note ?? ""),
                steps: timer.steps)
            try controller.history.append(history)
            controller.logger.info(
                "rolled back",
                metadata: [
                    "service": "\(service)", "color": "\(previous)", "version": "\(record.version)",
                    "duration_ms": "\(Int(milliseconds))", "restarted": "\(restarted)",
                ])
            return Outcome(record: history, restarted: restarted, milliseconds: milliseconds)
        } catch {
            let interrupted = Task.isCancelled
            let failure =
                interrupted
                ? DeployError(kind: .interrupted, userMessage: "It was interrupted by a signal before the switch.")
                : (error as? DeployError) ?? DeployError(kind: .gateway, userMessage: "\(error)")
            if interrupted { timer.markInterrupted() }
            // Only a color this rollback did start again is stopped again (a failed restart left nothing running).
            let wasRestarted = restarted && timer.steps.contains { $0.name == "restart" && $0.outcome == .succeeded }
            // After SIGINT/SIGTERM the cleanup's gateway and engine requests would fail at once in this task.
            let serving = await uncancelled { () async -> String in
                if wasRestarted {
                    // Started for nothing: stopped again and out of the gateway, as before the rollback.
                    _ = try? await controller.admin.setTargets(service: service, color: previous, targets: [])
                    await controller.runtime.stop(service: service, color: previous)
                }
                return await self.serving(current)
            }
            let record = DeployRecord(
                service: service, version: "-", color: previous, previousColor: current, startedAt: startedAt,
                finishedAt: Date(), outcome: .failed, message: "rollback failed: \(failure.userMessage)",
                steps: timer.steps)
            try? controller.history.append(record)
            throw DeployError(
                kind: failure.kind,
                userMessage: "Rollback of '\(service)' to \(previous) failed; \(serving) \(failure.userMessage)",
                record: record)
        }
    }

    /// After the switch, drains and retires the color left as a deploy does (`drain`, then stopped, or kept
    /// as a healthy standby with `--keep-standby`), so it does not stay `draining` in the gateway. Traffic is
    /// already back, so a failure here does not fail the rollback: it is logged and returned as a note. A
    /// signal during the drain cuts the wait short; the color is still taken out of the gateway and retired.
    func finish(leaving color: DeployColor, target: String?, _ timer: inout DeployStepTimer) async -> String? {
        let drainError = await drain(color, &timer)
        if let drainError, !Task.isCancelled { return notRetired(color, drainError) }
        let interrupted = drainError != nil
        if interrupted { timer.markInterrupted() }
        let note: String? = interrupted ? "; interrupted during the drain, which was cut short" : nil
        let (controller, drained) = (self.controller, timer)
        // The retirement runs in a task of its own: after SIGINT/SIGTERM this one's requests fail at once.
        let (retired, failure) = await uncancelled { () async -> (DeployStepTimer, (any Error)?) in
            var timer = drained
            do {
                try await timer.run("retire") {
                    if interrupted {
                        _ = try await controller.admin.setTargets(service: controller.service, color: color, targets: [])
                    }
                    try await controller.retire(color, standby: target)
                }
                return (timer, nil)
            } catch {
                return (timer, error)
            }
        }
        timer = retired
        if let failure { return notRetired(color, failure) }
        return note
    }

    /// Runs the drain of `color` as a step; returns its error, if any.
    func drain(_ color: DeployColor, _ timer: inout DeployStepTimer) async -> (any Error)? {
        do {
            try await timer.run("drain") { try await controller.drain(color) }
            return nil
        } catch {
            return error
        }
    }

    /// Logs why `color` could not be retired and returns the note for the history.
    func notRetired(_ color: DeployColor, _ error: any Error) -> String {
        let reason = (error as? DeployError)?.userMessage ?? "\(error)"
        controller.logger.error("cannot retire the color left", metadata: ["color": "\(color)", "error": "\(reason)"])
        return "; the \(color) color was not retired: \(reason)"
    }

    /// Where traffic is after a failed rollback, as the gateway sees it now.
    func serving(_ current: DeployColor) async -> String {
        guard let state = try? await controller.admin.service(controller.service) else {
            return "traffic stays on \(current) (the gateway's state cannot be read)."
        }
        if state.isHealthy(current) { return "\(current) keeps serving." }
        return """
            traffic still goes to \(current), which has no healthy target: the gateway answers 503 until it has one \
            (start it again or deploy a version).
            """
    }

    /// Why `color` must not be given traffic back, or nil when a successful deploy or rollback put what it
    /// holds there. A deploy that failed, was flipped back or was interrupted leaves a version nobody verified
    /// (or nothing at all) in its color; a failed rollback changes no color's contents and is passed over.
    func unverified(_ color: DeployColor) throws(DeployError) -> String? {
        let records = try controller.history.records(service: controller.service)
        guard let last = records.first(where: { $0.color == color && ($0.isDeploy || $0.outcome == .succeeded) })
        else {
            return "no deploy in \(controller.history.path) put a version in the \(color) color"
        }
        guard last.outcome != .succeeded else { return nil }
        let outcome = last.outcome == .rolledBack ? "was flipped back" : "failed"
        return "the last deploy to the \(color) color (\(last.version)) \(outcome), so no verified version is there"
    }
}
