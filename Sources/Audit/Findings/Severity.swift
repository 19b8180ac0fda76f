/// How bad a finding is; ordered so `--fail-on medium` fails on medium, high and critical.
public enum Severity: String, Sendable, CaseIterable, Comparable, Codable {
    /// Hardening that helps but rarely decides an incident.
    case low
    /// A missing safeguard that makes an incident worse.
    case medium
    /// A likely path to compromise or outage.
    case high
    /// Host takeover or secret exposure as written.
    case critical

    /// Penalty points a finding of this severity costs its service (see docs/audit.md, "Score").
    public var weight: Double {
        switch self {
        case .low: 0.25
        case .medium: 1
        case .high: 3
        case .critical: 6
        }
    }

    /// The highest project score allowed while a finding of this severity remains.
    public var scoreCap: Double {
        switch self {
        case .low: 10
        case .medium: 10
        case .high: 8
        case .critical: 5
        }
    }

    /// SARIF's level for this severity.
    public var sarifLevel: String {
        switch self {
        case .low: "note"
        case .medium: "warning"
        case .high, .critical: "error"
        }
    }

    /// Order from least to most severe.
    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}
