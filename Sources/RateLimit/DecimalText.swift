/// Decimal texts of header numbers without `String(describing:)` or interpolation on the hot path.
enum DecimalText {
    /// Numbers below this come from the table: quota counts and seconds up to an hour's worth.
    static let tableSize = 4096
    /// `"0"`, `"1"`, … — each short enough to be stored inline in the `String`, so handing one out
    /// neither allocates nor counts references.
    private static let table: [String] = (0..<tableSize).map { String($0) }
    /// Digits of the largest `Int`.
    static let maximumDigits = 20
    /// Decimal base.
    private static let base = 10

    /// The decimal text of `value`.
    @inline(__always)
    static func of(_ value: Int) -> String {
        if value >= 0, value < tableSize { return table[value] }
        return String(value)
    }

    /// `prefix` + `first` + `separator` + `second` (numbers in decimal, negatives as 0), written in one pass
    /// on the stack. The result of a typical `RateLimit` field is at most 15 bytes and then lives inline in
    /// the `String`: no allocation, where three `append`s cost several times more.
    static func field(prefix: [UInt8], _ first: Int, separator: StaticString, _ second: Int) -> String {
        let capacity = prefix.count &+ separator.utf8CodeUnitCount &+ 2 &* maximumDigits
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            var offset = 0
            for byte in prefix {
                buffer[offset] = byte
                offset &+= 1
            }
            offset = write(first, into: buffer, at: offset)
            separator.withUTF8Buffer { bytes in
                for byte in bytes {
                    buffer[offset] = byte
                    offset &+= 1
                }
            }
            offset = write(second, into: buffer, at: offset)
            return String(decoding: UnsafeMutableBufferPointer(rebasing: buffer[0..<offset]), as: UTF8.self)
        }
    }

    /// Writes `value` (negative as 0) in decimal at `offset`; returns the offset after it.
    @inline(__always)
    private static func write(_ value: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) -> Int {
        let value = max(value, 0)
        var digits = 1
        var rest = value
        while rest >= base {
            rest /= base
            digits &+= 1
        }
        let end = offset &+ digits
        var index = end
        rest = value
        repeat {
            index &-= 1
            buffer[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % base)
            rest /= base
        } while index > offset
        return end
    }
}
