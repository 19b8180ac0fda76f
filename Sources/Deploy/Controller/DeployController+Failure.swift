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
    /// color's targets are reset to `[]` and it is stopped and removed, so the old one keeps serving alone.
    func finishFailed(_ run: inout DeployRun, _ failure: DeployError) async throws(DeployError) -> Never {
        let done = Set(run.timer.steps.map(\.name))
        run.timer.skip(Self.steps.filter { !done.contains($0) })
        let flippedBack = failure.kind == .bakeFailed
        var message = failure.userMessage
        if let newColor = run.newColor, run.started, !run.switched || flippedBack {
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
        let outcome: DeployRecord.Outcome = flippedBack ? .rolledBack : .failed
        let record = run.record(service: service, outcome: outcome, message: message)
        try history.append(record)
        await report(record)
        logger.error(
            "deploy failed",
            metadata: [
                "service": "\(service)", "version": "\(run.version)", "outcome": "\(outcome.rawValue)",
                "failed_step": "\(run.timer.steps.first { $0.outcome == .failed }?.name ?? "-")",
            ])
        throw DeployError(kind: failure.kind, userMessage: message)
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
