import ShipshapeCore

/// The outcome of one smoke test against one target.
public struct SmokeTestResult: Sendable, Hashable {
    /// The test that ran.
    public var test: SmokeTestConfiguration
    /// The target it ran against.
    public var target: HostPort
    /// The status received, if a response arrived.
    public var status: Int?
    /// Why it failed; nil when it passed.
    public var failure: String?
    /// How long the request took, in milliseconds.
    public var durationMilliseconds: Double

    /// True when every expectation held.
    public var passed: Bool { failure == nil }

    /// `GET /api/products/ → 200 (12ms)` or `GET /api/products/: expected status 200, got 500 ...`.
    public var summary: String {
        if let failure { return "GET \(test.path): \(failure)" }
        let took = DeployHistory.formatDuration(durationMilliseconds)
        return "GET \(test.path) → \(status.map(String.init) ?? "?") (\(took))"
    }
}
