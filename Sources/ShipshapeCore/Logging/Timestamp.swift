#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// RFC 3339 UTC timestamps with milliseconds, formatted without Foundation on the logging hot path.
public enum Timestamp {
    /// The length of `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    static let length = 24

    /// The current time as `2026-11-23T04:51:29.123Z`.
    public static func iso8601Now() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return iso8601(seconds: Int(now.tv_sec), milliseconds: Int(now.tv_nsec) / 1_000_000)
    }

    /// Formats a Unix time as `YYYY-MM-DDTHH:MM:SS.mmmZ` (years 0–9999), in one allocation.
    public static func iso8601(seconds: Int, milliseconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(unsafeUninitializedCapacity: length) { buffer in
            var end = 0
            func put(_ number: Int, width: Int, then separator: Unicode.Scalar) {
                var value = number
                for index in stride(from: end + width - 1, through: end, by: -1) {
                    buffer[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10)
                    value /= 10
                }
                buffer[end + width] = UInt8(ascii: separator)
                end += width + 1
            }
            put(Int(parts.tm_year) + 1900, width: 4, then: "-")
            put(Int(parts.tm_mon) + 1, width: 2, then: "-")
            put(Int(parts.tm_mday), width: 2, then: "T")
            put(Int(parts.tm_hour), width: 2, then: ":")
            put(Int(parts.tm_min), width: 2, then: ":")
            put(Int(parts.tm_sec), width: 2, then: ".")
            put(milliseconds, width: 3, then: "Z")
            return end
        }
    }
}
