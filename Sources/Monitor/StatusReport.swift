import Foundation

/// `shipshape status`: every check, its level and a one-line explanation, in the order printed.
public struct StatusReport: Codable, Sendable {
    /// How bad a finding is; the report's level is its worst check's.
    public enum Level: String, Codable, Sendable, Comparable {
        /// `unknown`: nothing could be checked (the configuration cannot be read), the plugin convention's 3.
        case ok, warning, critical, unknown

        var rank: Int {
            switch self {
            case .ok: 0
            case .warning: 1
            case .critical: 2
            case .unknown: 3
            }
        }

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rank < rhs.rank }

        /// The exit status of `shipshape status` (the monitoring-plugin convention: 0, 1, 2, 3).
        public var exitCode: Int32 { Int32(rank) }
    }

    /// One thing checked.
    public struct Check: Codable, Sendable {
        /// `service`, `certificate`, `disk` or `backup`.
        public var kind: String
        /// What was checked (a service, a certificate file, a directory, the backup store).
        public var name: String
        public var level: Level
        /// What was found, for a human.
        public var detail: String

        /// A check result.
        public init(kind: String, name: String, level: Level, detail: String) {
            self.kind = kind
            self.name = name
            self.level = level
            self.detail = detail
        }
    }

    /// When the report was made.
    public var generatedAt: Date
    /// The worst level of any check.
    public var level: Level
    /// Every check, services first.
    public var checks: [Check]

    /// A report of `checks`.
    public init(generatedAt: Date = Date(), checks: [Check]) {
        self.generatedAt = generatedAt
        self.checks = checks
        self.level = checks.map(\.level).max() ?? .ok
    }

    /// JSON with snake_case keys and ISO 8601 dates.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Aligned text, one line per check, coloured on a terminal.
    public func text(colors: Bool) -> String {
        let width = (checks.map { $0.kind.count + $0.name.count + 1 }.max() ?? 0) + 2
        var lines: [String] = []
        for check in checks {
            let label = "\(check.kind) \(check.name)"
            let padded = label + String(repeating: " ", count: max(width - label.count, 1))
            lines.append("\(Self.badge(check.level, colors: colors)) \(padded)\(check.detail)")
        }
        lines.append("")
        lines.append("overall: \(Self.badge(level, colors: colors)) \(level.rawValue)")
        return lines.joined(separator: "\n")
    }

    static func badge(_ level: Level, colors: Bool) -> String {
        let (symbol, color) = switch level {
        case .ok: ("✔", "32")
        case .warning: ("!", "33")
        case .critical: ("✘", "31")
        case .unknown: ("?", "35")
        }
        return colors ? "\u{1B}[\(color)m\(symbol)\u{1B}[0m" : symbol
    }
}
