import Foundation
import ShipshapeCore

/// Runs a deploy's steps one after another, timing each and collecting them for the history record.
public struct DeployStepTimer: Sendable {
    /// The steps run so far, in order.
    public private(set) var steps: [DeployRecord.Step] = []

    /// A timer with no steps yet.
    public init() {}

    /// Runs `body` as the step `name`, recording its start, duration and outcome (the error's user message
    /// when it throws, after which the error is rethrown).
    public mutating func run<Value>(
        _ name: String, _ body: () async throws -> Value
    ) async throws -> Value {
        let startedAt = Date()
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let value = try await body()
            steps.append(
                .init(
                    name: name, startedAt: startedAt, durationMilliseconds: Self.milliseconds(clock.now - start),
                    outcome: .succeeded))
            return value
        } catch {
            let message = (error as? any UserFacingError)?.userMessage ?? String(describing: error)
            steps.append(
                .init(
                    name: name, startedAt: startedAt, durationMilliseconds: Self.milliseconds(clock.now - start),
                    outcome: .failed, message: message))
            throw error
        }
    }

    /// Records steps that did not run because an earlier one failed.
    public mutating func skip(_ names: [String]) {
        for name in names {
            steps.append(.init(name: name, startedAt: Date(), durationMilliseconds: 0, outcome: .skipped))
        }
    }

    /// Says that the last failed step was cut short by SIGINT/SIGTERM (its own error is only the cancellation).
    mutating func markInterrupted() {
        guard let index = steps.lastIndex(where: { $0.outcome == .failed }) else { return }
        steps[index].message = "interrupted by a signal"
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
