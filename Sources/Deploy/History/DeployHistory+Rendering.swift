import Foundation

extension DeployHistory {
    /// A human-readable table of `records` for `shipshape history`: one line per deploy with each step's
    /// duration, and the reason under any deploy that did not succeed.
    public static func render(_ records: [DeployRecord], timeZone: TimeZone = .gmt) -> String {
        guard !records.isEmpty else { return "No deploys recorded yet.\n" }
        var format = Date.ISO8601FormatStyle(timeZone: timeZone)
        format = format.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false)
            .timeSeparator(.colon)
        var rows = [["WHEN (UTC)", "SERVICE", "VERSION", "COLOR", "OUTCOME", "TOTAL", "STEPS"]]
        var notes: [Int: String] = [:]
        for record in records {
            let steps = record.steps.map { step in
                let mark = step.outcome == .failed ? "✗" : step.outcome == .skipped ? "-" : ""
                return "\(step.name)\(mark) \(formatDuration(step.durationMilliseconds))"
            }
            rows.append([
                format.format(record.startedAt), record.service, record.version,
                record.color.map { "\(record.previousColor.map { "\($0)→" } ?? "")\($0)" } ?? "-",
                record.outcome.rawValue, formatDuration(record.durationMilliseconds), steps.joined(separator: ", "),
            ])
            if record.outcome != .succeeded, let message = record.message { notes[rows.count - 1] = message }
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        var output = ""
        for (index, row) in rows.enumerated() {
            let cells = row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }
            output += cells.joined(separator: "  ") + "\n"
            if let note = notes[index] {
                for line in note.split(separator: "\n", omittingEmptySubsequences: false) { output += "    \(line)\n" }
            }
        }
        return output
    }

    /// `850ms`, `2.4s`, `3m05s`.
    static func formatDuration(_ milliseconds: Double) -> String {
        if milliseconds < 1000 { return "\(Int(milliseconds.rounded()))ms" }
        let seconds = milliseconds / 1000
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let whole = Int(seconds.rounded())
        return String(format: "%dm%02ds", whole / 60, whole % 60)
    }
}
