import Foundation
import Testing

@testable import Backup

@Suite("retention with restic forget semantics")
struct RetentionPolicyTests {
    static var utc: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        return calendar
    }

    /// `count` daily backups at 02:00 UTC ending on `end`.
    static func daily(count: Int, endingOn end: DateComponents) throws -> [Date] {
        let last = try #require(utc.date(from: end))
        return try (0..<count).map { try #require(utc.date(byAdding: .day, value: -$0, to: last)) }
    }

    /// The expected set computed a second way: per rule, group by period, newest of each of the N newest
    /// periods, plus the oldest backup when fewer than N periods were counted before it.
    static func expected(_ times: [Date], rules: [(Int, (Date) -> String)]) -> Set<Date> {
        let newestFirst = times.sorted(by: >)
        var kept = Set<Date>()
        for (count, key) in rules where count > 0 {
            var seen: [String] = []
            for time in newestFirst where !seen.contains(key(time)) {
                seen.append(key(time))
                if seen.count <= count { kept.insert(time) }
            }
            let periodsBeforeOldest = Set(newestFirst.dropLast().map(key)).count
            if periodsBeforeOldest < count, let oldest = newestFirst.last { kept.insert(oldest) }
        }
        return kept
    }

    /// ISO 8601 week (Monday first), as restic's Go `ISOWeek`.
    static func isoWeek(_ date: Date) -> String {
        var iso = Calendar(identifier: .iso8601)
        iso.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        let parts = iso.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
        return "\(parts.yearForWeekOfYear ?? 0)-W\(parts.weekOfYear ?? 0)"
    }

    static func key(_ format: String) -> (Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return { formatter.string(from: $0) }
    }

    @Test("400 daily backups ending 2026-11-20 with 7/4/12 keep exactly restic's 20")
    func fourHundredDays() throws {
        let times = try Self.daily(count: 400, endingOn: DateComponents(year: 2026, month: 11, day: 20, hour: 2))
        let result = RetentionPolicy(daily: 7, weekly: 4, monthly: 12).apply(to: times)
        let expected = Self.expected(
            times, rules: [(7, Self.key("yyyy-MM-dd")), (4, Self.isoWeek), (12, Self.key("yyyy-MM"))])
        #expect(result.keep.count == 20)
        #expect(Set(result.keep.map(\.0)) == expected)
        #expect(result.keep.count + result.remove.count == 400)
    }

    @Test("a rule with room keeps the oldest backup, as restic does")
    func oldestKeptWhileRoom() throws {
        let times = try Self.daily(count: 3, endingOn: DateComponents(year: 2026, month: 3, day: 10, hour: 2))
        let result = RetentionPolicy(monthly: 5).apply(to: times)
        // Newest of March plus the oldest, because the monthly rule still had room.
        #expect(result.keep.map(\.0) == [times[0], times[2]])
    }

    @Test("rules count independently and report why each backup is kept")
    func reasons() throws {
        let times = try Self.daily(count: 10, endingOn: DateComponents(year: 2026, month: 1, day: 31, hour: 2))
        let result = RetentionPolicy(last: 2, daily: 3).apply(to: times)
        #expect(result.keep.map(\.1) == [["last", "daily"], ["last", "daily"], ["daily"]])
        // Both rules are full before the oldest, so it goes.
        #expect(result.remove.last == times[9])
    }
}
