import Logging

/// Builds one JSON object as UTF-8 bytes, fast enough for an access log line per request: fields are written
/// straight into a byte buffer (no intermediate strings), and `finish(into:)` hands them to a caller's buffer.
public struct JSONLineWriter {
    var buffer: [UInt8] = [UInt8(ascii: "{")]
    var first = true

    /// An empty object.
    public init() { buffer.reserveCapacity(256) }

    /// Adds `"key": "value"` with the value escaped.
    public mutating func field(_ key: String, string value: String) {
        separator(key)
        JSONLineWriter.appendEscaped(value, to: &buffer)
    }

    /// Adds `"key": raw` where raw is already valid JSON (a number, `true`, an object).
    public mutating func field(_ key: String, raw value: String) {
        separator(key)
        buffer.append(contentsOf: value.utf8)
    }

    /// Adds an integer field.
    public mutating func field(_ key: String, int value: Int) {
        separator(key)
        JSONLineWriter.appendDecimal(value, to: &buffer)
    }

    /// Adds a non-negative fixed-point number: `units / 10^fractionDigits` (`12345, 3` → `12.345`).
    public mutating func field(_ key: String, fixedPoint units: Int64, fractionDigits: Int) {
        separator(key)
        var divisor: Int64 = 1
        for _ in 0..<fractionDigits { divisor *= 10 }
        let value = max(units, 0)
        JSONLineWriter.appendDecimal(Int(value / divisor), to: &buffer)
        buffer.append(UInt8(ascii: "."))
        buffer.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: fractionDigits))
        var fraction = value % divisor
        var index = buffer.count - 1
        while fraction > 0 {
            buffer[index] = UInt8(ascii: "0") + UInt8(fraction % 10)
            fraction /= 10
            index -= 1
        }
    }

    /// Adds a swift-log metadata value: numbers stay numbers, arrays and dictionaries nest.
    public mutating func field(_ key: String, value: Logger.MetadataValue) {
        separator(key)
        JSONLineWriter.append(value, to: &buffer)
    }

    /// Closes the object and returns its text.
    public mutating func finish() -> String {
        buffer.append(UInt8(ascii: "}"))
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Closes the object and appends it, with a newline, to `output` (a batch of log lines).
    public mutating func finish(into output: inout [UInt8]) {
        buffer.append(UInt8(ascii: "}"))
        buffer.append(UInt8(ascii: "\n"))
        output.append(contentsOf: buffer)
    }

    mutating func separator(_ key: String) {
        if !first { buffer.append(UInt8(ascii: ",")) }
        first = false
        JSONLineWriter.appendEscaped(key, to: &buffer)
        buffer.append(UInt8(ascii: ":"))
    }

    /// Appends the decimal digits of `value`.
    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        if value < 0 {
            buffer.append(UInt8(ascii: "-"))
            buffer.append(contentsOf: String(value.magnitude).utf8)
            return
        }
        if value < 10 {
            buffer.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        buffer.append(contentsOf: String(value).utf8)
    }

    static func append(_ value: Logger.MetadataValue, to buffer: inout [UInt8]) {
        switch value {
        case .string(let string):
            appendEscaped(string, to: &buffer)
        case .stringConvertible(let convertible):
            switch convertible {
            case let number as any BinaryInteger: buffer.append(contentsOf: "\(number)".utf8)
            case let number as Double where number.isFinite: buffer.append(contentsOf: "\(number)".utf8)
            case let flag as Bool: buffer.append(contentsOf: (flag ? "true" : "false").utf8)
            default: appendEscaped(convertible.description, to: &buffer)
            }
        case .array(let values):
            buffer.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                append(element, to: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            buffer.append(UInt8(ascii: "{"))
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                appendEscaped(key, to: &buffer)
                buffer.append(UInt8(ascii: ":"))
                if let element = dictionary[key] {
                    append(Redaction.isSecretKey(key) ? .string(Redaction.mask) : element, to: &buffer)
                }
            }
            buffer.append(UInt8(ascii: "}"))
        }
    }

    /// `value` as a quoted, escaped JSON string literal.
    public static func quote(_ value: String) -> String {
        var bytes: [UInt8] = []
        appendEscaped(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `value` as a JSON string literal (UTF-8 passes through; quotes, backslashes and controls escaped).
    public static func appendEscaped(_ value: String, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        let needsEscaping = value.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        if !needsEscaping {
            buffer.append(contentsOf: value.utf8)
        } else {
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\""): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case UInt8(ascii: "\t"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                        hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }
}
