import Foundation
import Logging

extension DeployController {
    /// Runs `body` as the timed step `name`, logging its start and end.
    func step<Value>(_ run: inout DeployRun, _ name: String, _ body: () async throws -> Value) async throws -> Value {
        logger.debug("step started", metadata: ["service": "\(service)", "step": "\(name)"])
        let value = try await run.timer.run(name, body)
        let took = run.timer.steps.last.map { Int($0.durationMilliseconds) } ?? 0
        logger.info("step done", metadata: ["service": "\(service)", "step": "\(name)", "duration_ms": "\(took)"])
        return value
    }

    /// Cleans up after a failed step and records why: before the switch (or after a bake flip-back) the new
    /// color's targets are reset to `[]` and it is stopped and removed, so the old one keeps serving alone. An
    /// interrupted deploy (SIGINT/SIGTERM) is undone the same way, with traffic flipped back first when it had
    /// switched; only once the drain is over (the old color's targets are gone) does the new version stay.
    func finishFailed(_ run: inout DeployRun, _ failure: DeployError) async throws(DeployError) -> Never {
        let done = Set(run.timer.steps.map(\.name))
        run.timer.skip(Self.steps.filter { !done.contains($0) })
        var flippedBack = failure.kind == .bakeFailed
        var servesNew = run.switched && !flippedBack
        var message = failure.userMessage
        if failure.kind == .interrupted { run.timer.markInterrupted() }
        if failure.kind == .interrupted, let newColor = run.newColor, run.started {
            (servesNew, flippedBack, message) = await undoSwitch(run, newColor: newColor, message: message)
        }
        if let newColor = run.newColor, run.started, !servesNew {
            let log = await runtime.recentLog(service: service, color: newColor)
            if !log.isEmpty, !message.contains("last output lines") {
                message += "\nThe new version's last log lines:\n" + log.map { "  | \($0)" }.joined(separator: "\n")
            }
            do { try await admin.setTargets(service: service, color: newColor, targets: []) } catch {
                message += "\nAlso, resetting the \(newColor) targets failed: \(error.userMessage)"
            }
            await runtime.remove(service: service, color: newColor)
            if let oldColor = run.oldColor { message += "\nThe \(oldColor) color keeps serving." }
        }
        let outcome: DeployRecord.Outcome =
            flippedBack ? .rolledBack : failure.kind == .interrupted && servesNew ? .succeeded : .failed
        let record = run.record(service: service, outcome: outcome, message: message)
        try history.append(record)
        await report(record)
        logger.error(
            "deploy failed",
            metadata: [
                "service": "\(service)", "version": "\(run.version)", "outcome": "\(outcome.rawValue)",
                "failed_step": "\(run.failedStep ?? "-")",
            ])
        throw DeployError(kind: failure.kind, userMessage: message, record: record)
    }

    /// After an interruption: asks the gateway where traffic goes (a switch request may have been cut off after
    /// the gateway acted on it) and, while the old color still has its targets, sends traffic back to it.
    /// Returns whether the new color keeps serving, whether traffic was flipped back, and the message.
    func undoSwitch(_ run: DeployRun, newColor: DeployColor, message: String) async
        -> (servesNew: Bool, flippedBack: Bool, message: String)
    {
        guard let oldColor = run.oldColor else {
            // A first deploy has nothing to return to: once switched, the new version stays.
            return (run.switched, false, message + (run.switched ? " The new version serves (first deploy)." : ""))
        }
        guard let state = try? await admin.service(service), state.activeColor == newColor else {
            return (false, false, message)
        }
        guard !run.drained else {
            return (
                true, false,
                message + " The drain was over, so the new version keeps serving; the \(oldColor) color was not "
                    + "retired and may still run."
            )
        }
        do {
            try await admin.activate(service: service, color: oldColor, force: true)
            logger.warning("interrupted: flipped traffic back", metadata: ["service": "\(service)", "color": "\(oldColor)"])
            return (false, true, message + " Traffic was flipped back to \(oldColor).")
        } catch {
            return (true, false, message + " Flipping traffic back to \(oldColor) failed: \(error.userMessage)")
        }
    }

    /// The failure of a deploy cancelled by SIGINT or SIGTERM, naming the step it was in.
    func interruption(_ run: DeployRun) -> DeployError {
        let step = run.failedStep.map { " during the '\($0)' step" } ?? ""
        return DeployError(
            kind: .interrupted,
            userMessage: "The deploy of '\(service)' \(run.version) was interrupted by a signal\(step).")
    }

    /// Reports the deploy's outcome and duration to the gateway's metrics. Best effort: the history already
    /// holds the record, and a gateway that is down (often why a deploy failed) must not hide the real error.
    func report(_ record: DeployRecord) async {
        do {
            try await admin.reportDeploy(
                service: service, outcome: record.outcome.rawValue,
                durationSeconds: record.durationMilliseconds / Self.millisecondsPerSecond)
        } catch {
            logger.warning(
                "cannot report the deploy to the gateway's metrics",
                metadata: ["service": "\(service)", "error": "\(error.userMessage)"])
        }
    }

    static let millisecondsPerSecond = 1000.0
}
