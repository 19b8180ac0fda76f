import Logging

/// Builds one JSON object as text, fast enough for an access log line per request.
public struct JSONLineWriter {
    var buffer = "{"
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
        buffer += value
    }

    /// Adds an integer field.
    public mutating func field(_ key: String, int value: Int) {
        separator(key)
        buffer += String(value)
    }

    /// Adds a swift-log metadata value: numbers stay numbers, arrays and dictionaries nest.
    public mutating func field(_ key: String, value: Logger.MetadataValue) {
        separator(key)
        JSONLineWriter.append(value, to: &buffer)
    }

    /// Closes the object and returns its text.
    public mutating func finish() -> String {
        buffer += "}"
        return buffer
    }

    mutating func separator(_ key: String) {
        if !first { buffer += "," }
        first = false
        JSONLineWriter.appendEscaped(key, to: &buffer)
        buffer += ":"
    }

    static func append(_ value: Logger.MetadataValue, to buffer: inout String) {
        switch value {
        case .string(let string):
            appendEscaped(string, to: &buffer)
        case .stringConvertible(let convertible):
            switch convertible {
            case let number as any BinaryInteger: buffer += "\(number)"
            case let number as Double where number.isFinite: buffer += "\(number)"
            case let flag as Bool: buffer += flag ? "true" : "false"
            default: appendEscaped(convertible.description, to: &buffer)
            }
        case .array(let values):
            buffer += "["
            for (index, element) in values.enumerated() {
                if index > 0 { buffer += "," }
                append(element, to: &buffer)
            }
            buffer += "]"
        case .dictionary(let dictionary):
            buffer += "{"
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { buffer += "," }
                appendEscaped(key, to: &buffer)
                buffer += ":"
                if let element = dictionary[key] {
                    append(Redaction.isSecretKey(key) ? .string(Redaction.mask) : element, to: &buffer)
                }
            }
            buffer += "}"
        }
    }

    /// `value` as a quoted, escaped JSON string literal.
    public static func quote(_ value: String) -> String {
        var result = ""
        appendEscaped(value, to: &result)
        return result
    }

    /// Appends `value` as a JSON string literal.
    public static func appendEscaped(_ value: String, to buffer: inout String) {
        buffer += "\""
        var needsEscaping = false
        for byte in value.utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            needsEscaping = true
            break
        }
        if !needsEscaping {
            buffer += value
        } else {
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": buffer += "\\\""
                case "\\": buffer += "\\\\"
                case "\n": buffer += "\\n"
                case "\r": buffer += "\\r"
                case "\t": buffer += "\\t"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    buffer += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: buffer.unicodeScalars.append(scalar)
                }
            }
        }
        buffer += "\""
    }
}
