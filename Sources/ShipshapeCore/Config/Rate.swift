/// A request rate such as `10/m`: `count` requests per `period`, or unlimited.
public enum Rate: Sendable, Hashable, CustomStringConvertible {
    /// Never limited.
    case unlimited
    /// `count` requests per `period`.
    case limited(count: Int, period: Duration)

    /// Parses `10/s`, `100/m`, `1000/h`, `5/10s` or `unlimited`; nil when malformed.
    public init?(configText text: String) {
        let trimmed = text.trimmingWhitespace()
        if trimmed.lowercased() == "unlimited" {
            self = .unlimited
            return
        }
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Int(parts[0].trimmingWhitespace()), count > 0 else { return nil }
        let unit = parts[1].trimmingWhitespace()
        let period: Duration?
        switch unit {
        case "s", "sec", "second": period = .seconds(1)
        case "m", "min", "minute": period = .seconds(60)
        case "h", "hour": period = .seconds(3600)
        case "d", "day": period = .seconds(86400)
        default: period = Duration(configText: unit)
        }
        guard let period, period > .zero else { return nil }
        self = .limited(count: count, period: period)
    }

    public var description: String {
        switch self {
        case .unlimited: return "unlimited"
        case .limited(let count, let period):
            switch period {
            case .seconds(1): return "\(count)/s"
            case .seconds(60): return "\(count)/m"
            case .seconds(3600): return "\(count)/h"
            case .seconds(86400): return "\(count)/d"
            default: return "\(count)/\(period.seconds)s"
            }
        }
    }
}
