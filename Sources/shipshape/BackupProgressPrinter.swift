import Backup
import Foundation
import Synchronization

/// Prints `backup run` progress: one line updated in place on a terminal (bytes, percent, rate, ETA), plain
/// lines every `plainInterval` otherwise (logs, CI), and a summary line per part.
final class BackupProgressPrinter: Sendable {
    /// How often a plain (non-terminal) progress line is printed for a long part.
    static let plainInterval: Double = 10
    /// ANSI: erase from the cursor to the end of the line, so a shorter update leaves no debris.
    static let clearToEndOfLine = "\u{1B}[K"
    static let secondsPerMinute = 60
    static let secondsPerHour = 3600

    private let terminal: Bool
    /// Elapsed seconds of the last plain line, per part.
    private let lastPlain = Mutex<[String: Double]>([:])

    /// A printer for a terminal (`isatty`) or for plain output.
    init(terminal: Bool) { self.terminal = terminal }

    func report(_ progress: BackupRunner.Progress) {
        let line = Self.describe(progress)
        if progress.done {
            let summary = "\(progress.part): \(ByteFormat.string(progress.bytes)) at \(ByteFormat.string(Int(progress.rate)))/s — done in \(String(format: "%.1f", progress.elapsed)) s"
            write((terminal ? "\r" + Self.clearToEndOfLine : "") + summary + "\n")
        } else if terminal {
            write("\r" + line + Self.clearToEndOfLine)
        } else {
            let due = lastPlain.withLock { last in
                guard progress.elapsed - (last[progress.part] ?? 0) >= Self.plainInterval else { return false }
                last[progress.part] = progress.elapsed
                return true
            }
            if due { write(line + "\n") }
        }
    }

    /// `postgres-shop: 512.0 MB of ~1.2 GB (42%) at 80.1 MB/s, 0:09 left`.
    static func describe(_ progress: BackupRunner.Progress) -> String {
        var line = "\(progress.part): \(ByteFormat.string(progress.bytes))"
        if let expected = progress.expected, let percent = progress.percent {
            line += " of ~\(ByteFormat.string(expected)) (\(percent)%)"
        }
        line += " at \(ByteFormat.string(Int(progress.rate)))/s"
        if let remaining = progress.secondsRemaining { line += ", \(duration(remaining)) left" }
        return line
    }

    /// `m:ss`, or `h:mm:ss` from an hour on.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        let hours = total / secondsPerHour, minutes = total % secondsPerHour / secondsPerMinute, rest = total % secondsPerMinute
        return hours > 0
            ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }

    /// Unbuffered, so in-place updates show at once and interleave correctly with `print`.
    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
