import Foundation
import ShipshapeCore

/// restic's `forget` rules: keep the newest backup of each of the last N hours/days/weeks/months/years.
///
/// Rules are counted independently; a backup kept by several rules counts against each. When a rule still
/// has room at the oldest backup, that oldest one is kept too, maximising the history length (restic ≥ 0.14).
public struct RetentionPolicy: Sendable, Equatable {
    /// The newest N backups.
    public var last: Int
    /// The newest backup of each of the last N days.
    public var daily: Int
    /// The newest backup of each of the last N ISO weeks.
    public var weekly: Int
    /// The newest backup of each of the last N months.
    public var monthly: Int
    /// The newest backup of each of the last N years.
    public var yearly: Int

    /// A policy; zero means the rule keeps nothing.
    public init(last: Int = 0, daily: Int = 0, weekly: Int = 0, monthly: Int = 0, yearly: Int = 0) {
        self.last = last
        self.daily = daily
        self.weekly = weekly
        self.monthly = monthly
        self.yearly = yearly
    }

    /// The policy configured under `backup.retention`.
    public init(_ configuration: BackupConfiguration.Retention) {
        self.init(
            last: configuration.last, daily: configuration.daily, weekly: configuration.weekly,
            monthly: configuration.monthly, yearly: configuration.yearly)
    }

    /// Whether any rule keeps something (an empty policy must never be applied: it would delete everything).
    public var keepsAnything: Bool { last + daily + weekly + monthly + yearly > 0 }

    /// One rule: how many periods it keeps and how a time maps to its period.
    private struct Rule {
        var name: String
        var remaining: Int
        var period: (Date, Int) -> Int
        var lastPeriod: Int?
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar
    }()

    /// Splits `times` into kept (with the rules that keep each) and removed, newest first.
    public func apply(to times: [Date]) -> (keep: [(Date, [String])], remove: [Date]) {
        let result = apply(to: times.enumerated().map { (id: $0.offset, time: $0.element) })
        return (result.keep.map { (times[$0.id], $0.reasons) }, result.remove.map { times[$0] })
    }

    /// Splits backups into kept (with the rules that keep each) and removed, newest first. Backups are ordered by
    /// time, then by id, so two made in the same second are still two, in the same order everywhere.
    public func apply<ID: Comparable>(to backups: [(id: ID, time: Date)]) -> (keep: [(id: ID, reasons: [String])], remove: [ID]) {
        let calendar = Self.calendar
        func components(_ date: Date) -> DateComponents {
            calendar.dateComponents([.year, .month, .day, .yearForWeekOfYear, .weekOfYear], from: date)
        }
        var rules = [
            Rule(name: "last", remaining: last, period: { _, index in index }),
            Rule(name: "daily", remaining: daily, period: { date, _ in
                let parts = components(date)
                return (parts.year ?? 0) * 10_000 + (parts.month ?? 0) * 100 + (parts.day ?? 0)
            }),
            Rule(name: "weekly", remaining: weekly, period: { date, _ in
                var iso = Calendar(identifier: .iso8601)
                iso.timeZone = calendar.timeZone
                let parts = iso.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
                return (parts.yearForWeekOfYear ?? 0) * 100 + (parts.weekOfYear ?? 0)
            }),
            Rule(name: "monthly", remaining: monthly, period: { date, _ in
                let parts = components(date)
                return (parts.year ?? 0) * 100 + (parts.month ?? 0)
            }),
            Rule(name: "yearly", remaining: yearly, period: { date, _ in components(date).year ?? 0 }),
        ]
        let sorted = backups.sorted { ($0.time, $0.id) > ($1.time, $1.id) }
        var keep: [(id: ID, reasons: [String])] = []
        var remove: [ID] = []
        for (index, (id, time)) in sorted.enumerated() {
            var reasons: [String] = []
            for ruleIndex in rules.indices where rules[ruleIndex].remaining > 0 {
                let period = rules[ruleIndex].period(time, index)
                if period != rules[ruleIndex].lastPeriod || index == sorted.count - 1 {
                    rules[ruleIndex].lastPeriod = period
                    rules[ruleIndex].remaining -= 1
                    reasons.append(rules[ruleIndex].name)
                }
            }
            if reasons.isEmpty { remove.append(id) } else { keep.append((id, reasons)) }
        }
        return (keep, remove)
    }
}
