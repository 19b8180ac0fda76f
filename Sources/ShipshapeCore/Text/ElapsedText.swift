/// How long ago something happened, in the unit a person reads at a glance: seconds under two minutes,
/// minutes under two hours, hours under two days, then days (`45 s`, `12 min`, `7 h`, `3 days`).
public enum ElapsedText {
    static let secondsPerDay = 86_400.0

    /// `seconds` (never negative) in its unit.
    public static func describe(_ seconds: Double) -> String {
        let seconds = max(0, seconds)
        switch seconds {
        case ..<120: return "\(Int(seconds)) s"
        case ..<7200: return "\(Int(seconds / 60)) min"
        case ..<(2 * secondsPerDay): return "\(Int(seconds / 3600)) h"
        default: return "\(Int(seconds / secondsPerDay)) days"
        }
    }
}
