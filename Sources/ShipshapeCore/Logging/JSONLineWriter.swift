import Logging

/// Builds one JSON object as UTF-8 bytes, fast enough for an access log line per request: fields are written
/// straight into a byte buffer (no intermediate strings), or into a batch of lines (`init(appendingTo:)`).
public struct JSONLineWriter {
    var buffer: [UInt8] = [UInt8(ascii: "{")]
    var first = true

    /// An empty object.
    public init() { buffer.reserveCapacity(256) }

    /// An object appended to `lines` (a batch of log lines), which the writer takes over (leaving `lines`
    /// empty) and `finishLine` hands back: no buffer of its own, and the batch is never copied.
    public init(appendingTo lines: inout [UInt8]) {
        buffer = []
        swap(&buffer, &lines)
        buffer.append(UInt8(ascii: "{"))
    }

    /// Adds `"key": "value"` with the value escaped; the key, a literal, is written as it is.
    public mutating func field(literal key: StaticString, string value: String) {
        separator(literal: key)
        JSONLineWriter.appendEscaped(value, to: &buffer)
    }

    /// Adds an integer field under a literal key.
    public mutating func field(literal key: StaticString, int value: Int) {
        separator(literal: key)
        JSONLineWriter.appendDecimal(value, to: &buffer)
    }

    /// Adds `"key": "value"` for a value the program made that needs no escaping (a timestamp, a constant):
    /// never for anything a client or upstream sent.
    public mutating func field(literal key: StaticString, verbatim value: String) {
        separator(literal: key)
        buffer.append(UInt8(ascii: "\""))
        buffer.append(contentsOf: value.utf8)
        buffer.append(UInt8(ascii: "\""))
    }

    /// Adds `"key": "host:port"` (`"[host]:port"` for an IPv6 host) without building that string first.
    public mutating func field(literal key: StaticString, hostPort: HostPort) {
        separator(literal: key)
        buffer.append(UInt8(ascii: "\""))
        let bracketed = hostPort.host.utf8.contains(UInt8(ascii: ":"))
        if bracketed { buffer.append(UInt8(ascii: "[")) }
        JSONLineWriter.appendEscapedContent(hostPort.host, to: &buffer)
        if bracketed { buffer.append(UInt8(ascii: "]")) }
        buffer.append(UInt8(ascii: ":"))
        JSONLineWriter.appendDecimal(hostPort.port, to: &buffer)
        buffer.append(UInt8(ascii: "\""))
    }

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
        appendFixedPoint(units, fractionDigits: fractionDigits)
    }

    /// Adds a non-negative fixed-point number under a literal key.
    public mutating func field(literal key: StaticString, fixedPoint units: Int64, fractionDigits: Int) {
        separator(literal: key)
        appendFixedPoint(units, fractionDigits: fractionDigits)
    }

    private mutating func appendFixedPoint(_ units: Int64, fractionDigits: Int) {
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

    /// Closes the object, ends the line and returns the batch it was appended to (see `init(appendingTo:)`).
    public mutating func finishLine() -> [UInt8] {
        buffer.append(UInt8(ascii: "}"))
        buffer.append(UInt8(ascii: "\n"))
        defer { buffer = [] }
        return buffer
    }

    /// A literal key is the program's own text: written without looking for characters to escape.
    mutating func separator(literal key: StaticString) {
        if !first { buffer.append(UInt8(ascii: ",")) }
        first = false
        buffer.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { buffer.append(contentsOf: $0) }
        buffer.append(UInt8(ascii: "\""))
        buffer.append(UInt8(ascii: ":"))
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
        appendEscapedContent(value, to: &buffer)
        buffer.append(UInt8(ascii: "\""))
    }

    /// Appends `value` escaped for the inside of a JSON string literal.
    static func appendEscapedContent(_ value: String, to buffer: inout [UInt8]) {
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
    }
}
