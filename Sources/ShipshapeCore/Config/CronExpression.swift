import Foundation

/// A five-field cron expression (`minute hour day-of-month month day-of-week`), evaluated in UTC.
///
/// Fields take `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, and lists; as in Vixie cron, when both
/// day fields are restricted a day matches if either does. Day-of-week 0 and 7 are Sunday.
public struct CronExpression: Sendable, Equatable {
    let minutes: Set<Int>
    let hours: Set<Int>
    let days: Set<Int>
    let months: Set<Int>
    let weekdays: Set<Int>
    let daysRestricted: Bool
    let weekdaysRestricted: Bool
    /// The text it was parsed from.
    public let text: String

    /// Searching further than this many minutes ahead means the expression never matches (e.g. Feb 30).
    static let searchLimitMinutes = 366 * 24 * 60 * 5

    /// The shorthands of Vixie cron and most schedulers, as their five fields.
    static let shorthands = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Why a text is not a cron expression: what is wrong, and how to write it.
    public struct Invalid: UserFacingError, Equatable {
        /// What is wrong, naming the field.
        public var message: String
        /// How to write it instead.
        public var hint: String

        public var userMessage: String { "\(message). \(hint)" }
    }

    /// Parses `text`; the error names the field that is wrong.
    public init(_ text: String) throws(Invalid) {
        let expanded = Self.shorthands[text.trimmingCharacters(in: .whitespaces).lowercased()] ?? text
        let fields = expanded.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 5 else {
            throw Invalid(
                message: "'\(text)' is not a cron expression (expected 5 fields, got \(fields.count))",
                hint: "Write minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\" for 02:00 UTC daily, or @hourly, @daily, @weekly, @monthly, @yearly.")
        }
        self.text = text
        minutes = try Self.field(fields[0], name: "minute", range: 0...59, text: text)
        hours = try Self.field(fields[1], name: "hour", range: 0...23, text: text)
        days = try Self.field(fields[2], name: "day of month", range: 1...31, text: text)
        months = try Self.field(fields[3], name: "month", range: 1...12, text: text)
        weekdays = Set(try Self.field(fields[4], name: "day of week", range: 0...7, text: text).map { $0 % 7 })
        daysRestricted = fields[2] != "*"
        weekdaysRestricted = fields[4] != "*"
        // Only the day of month decides the day: some month listed must have one of the days listed (February
        // its 29th in leap years), or the schedule never fires and a backup silently never runs.
        if daysRestricted, !weekdaysRestricted, !months.contains(where: { month in days.contains { $0 <= Self.longestMonth[month - 1] } }) {
            throw Invalid(
                message: "'\(text)' never runs: no month it names has day \(days.sorted().map(String.init).joined(separator: ","))",
                hint: "Pick a day the months it names have: up to 29 for February (29 only in leap years), 30 for April, June, September and November.")
        }
    }

    /// The days of each month in its longest year (February in a leap year).
    static let longestMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

    private static func field(_ field: String, name: String, range: ClosedRange<Int>, text: String) throws(Invalid) -> Set<Int> {
        var values = Set<Int>()
        for item in field.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            var step = 1
            if parts.count == 2 {
                guard let parsed = Int(parts[1]), parsed > 0 else { throw invalid(field, name, text) }
                step = parsed
            } else if parts.count != 1 {
                throw invalid(field, name, text)
            }
            var span = range
            if parts[0] != "*" {
                let bounds = parts[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
                guard bounds.count <= 2, let low = bounds[0], let high = bounds.count == 2 ? bounds[1] : (parts.count == 2 ? range.upperBound : low),
                    range.contains(low), range.contains(high), low <= high
                else { throw invalid(field, name, text) }
                span = low...high
            }
            values.formUnion(stride(from: span.lowerBound, through: span.upperBound, by: step))
        }
        return values
    }

    private static func invalid(_ field: String, _ name: String, _ text: String) -> Invalid {
        Invalid(
            message: "The \(name) field '\(field)' of the cron expression '\(text)' is invalid",
            hint: "Use *, N, A-B, */N, A-B/N or comma-separated lists within the field's range.")
    }

    /// The first matching minute strictly after `date`, or nil when none exists.
    public func next(after date: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        let start = calendar.dateInterval(of: .minute, for: date)?.start ?? date
        var candidate = start.addingTimeInterval(60)
        for _ in 0..<Self.searchLimitMinutes {
            let parts = calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: candidate)
            guard let minute = parts.minute, let hour = parts.hour, let day = parts.day, let month = parts.month,
                let weekday = parts.weekday
            else { return nil }
            if !months.contains(month) {
                candidate = calendar.date(byAdding: .month, value: 1, to: calendar.dateInterval(of: .month, for: candidate)?.start ?? candidate) ?? candidate
                continue
            }
            let dayMatches = matchesDay(day: day, weekday: weekday - 1)
            if !dayMatches {
                candidate = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: candidate)) ?? candidate
                continue
            }
            if !hours.contains(hour) {
                candidate = calendar.date(byAdding: .hour, value: 1, to: calendar.dateInterval(of: .hour, for: candidate)?.start ?? candidate) ?? candidate
                continue
            }
            if minutes.contains(minute) { return candidate }
            candidate = candidate.addingTimeInterval(60)
        }
        return nil
    }

    private func matchesDay(day: Int, weekday: Int) -> Bool {
        switch (daysRestricted, weekdaysRestricted) {
        case (true, true): return days.contains(day) || weekdays.contains(weekday)
        case (true, false): return days.contains(day)
        case (false, true): return weekdays.contains(weekday)
        case (false, false): return true
        }
    }
}
