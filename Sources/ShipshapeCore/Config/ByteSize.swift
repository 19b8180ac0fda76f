/// A size in bytes, written in configuration as `512B`, `16KB`, `10MB` or `1GB` (powers of 1024).
public struct ByteSize: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The number of bytes.
    public var bytes: Int

    /// A size of `bytes` bytes.
    public init(bytes: Int) { self.bytes = bytes }

    /// `n` kibibytes.
    public static func kilobytes(_ n: Int) -> ByteSize { ByteSize(bytes: n * 1024) }
    /// `n` mebibytes.
    public static func megabytes(_ n: Int) -> ByteSize { ByteSize(bytes: n * 1024 * 1024) }

    /// Parses `16KB`, `10 MB`, `1GiB`, `512` (bytes); nil when malformed.
    public init?(configText text: String) {
        let trimmed = text.trimmingWhitespace().uppercased()
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        guard !digits.isEmpty, let number = Double(digits), number >= 0 else { return nil }
        let unit = trimmed.dropFirst(digits.count).trimmingWhitespace()
        let multiplier: Double
        switch unit {
        case "", "B": multiplier = 1
        case "K", "KB", "KIB": multiplier = 1024
        case "M", "MB", "MIB": multiplier = 1024 * 1024
        case "G", "GB", "GIB": multiplier = 1024 * 1024 * 1024
        case "T", "TB", "TIB": multiplier = 1024 * 1024 * 1024 * 1024
        default: return nil
        }
        self.bytes = Int(number * multiplier)
    }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }

    public var description: String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var index = 0
        while value >= 1024, index < units.count - 1 {
            value /= 1024
            index += 1
        }
        if index == 0 || value == value.rounded() { return "\(Int(value))\(units[index])" }
        return "\((value * 10).rounded() / 10)\(units[index])"
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces and tabs.
    func trimmingWhitespace() -> String {
        String(self.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
