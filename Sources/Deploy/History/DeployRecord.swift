import Foundation

/// One deploy as stored in the history: who, what, when, how it ended, and each step's timing.
public struct DeployRecord: Sendable, Codable, Hashable {
    /// How a deploy (or one of its steps) ended.
    public enum Outcome: String, Sendable, Codable, Hashable {
        /// It completed; the new color serves.
        case succeeded
        /// It failed before the switch; the old color kept serving.
        case failed
        /// It switched, then flipped back (bake window) or was rolled back.
        case rolledBack = "rolled_back"
        /// A step that did not run because an earlier one failed.
        case skipped
    }

    /// One step of the flow (`prepare`, `start`, `health`, `smoke`, `switch`, `drain`, `retire`).
    public struct Step: Sendable, Codable, Hashable {
        /// The step's name.
        public var name: String
        /// When it started.
        public var startedAt: Date
        /// How long it took, in milliseconds.
        public var durationMilliseconds: Double
        /// How it ended.
        public var outcome: Outcome
        /// What happened (the failure's explanation, or a short note).
        public var message: String?

        /// A finished step.
        public init(
            name: String, startedAt: Date, durationMilliseconds: Double, outcome: Outcome, message: String? = nil
        ) {
            self.name = name
            self.startedAt = startedAt
            self.durationMilliseconds = durationMilliseconds
            self.outcome = outcome
            self.message = message
        }

        enum CodingKeys: String, CodingKey {
            case name
            case startedAt = "started_at"
            case durationMilliseconds = "duration_ms"
            case outcome, message
        }
    }

    /// A unique ID for the deploy.
    public var id: String
    /// The service deployed.
    public var service: String
    /// The image reference (docker) or version (process) deployed.
    public var version: String
    /// The color the new version went to.
    public var color: DeployColor?
    /// The color that served before.
    public var previousColor: DeployColor?
    /// When the deploy started.
    public var startedAt: Date
    /// When it ended.
    public var finishedAt: Date
    /// How it ended.
    public var outcome: Outcome
    /// Why it ended so (a failure's explanation, with the last log lines of the new version).
    public var message: String?
    /// Each step in order.
    public var steps: [Step]

    /// A deploy record.
    public init(
        id: String = UUID().uuidString.lowercased(), service: String, version: String, color: DeployColor? = nil,
        previousColor: DeployColor? = nil, startedAt: Date, finishedAt: Date, outcome: Outcome, message: String? = nil,
        steps: [Step] = []
    ) {
        self.id = id
        self.service = service
        self.version = version
        self.color = color
        self.previousColor = previousColor
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.message = message
        self.steps = steps
    }

    /// True for a deploy's record (its first step is `prepare`), false for a rollback's.
    public var isDeploy: Bool { steps.first?.name == DeployController.steps[0] }

    /// The deploy's total duration in milliseconds.
    public var durationMilliseconds: Double { finishedAt.timeIntervalSince(startedAt) * 1000 }

    enum CodingKeys: String, CodingKey {
        case id, service, version, color
        case previousColor = "previous_color"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case outcome, message, steps
    }
}
