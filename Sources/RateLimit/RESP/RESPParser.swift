import NIOCore

/// Incremental RESP2 parsing: returns nil (consuming nothing) until a whole reply has arrived.
enum RESPParser {
    /// Replies nested deeper than this are refused rather than recursed into.
    static let maximumDepth = 16
    /// Bulk strings larger than this are refused (the limiter's replies are tiny).
    static let maximumBulkLength = 512 * 1024 * 1024

    /// Parses one reply from the front of `buffer`, or returns nil and leaves it untouched.
    static func parse(_ buffer: inout ByteBuffer) throws(RateLimitError) -> RESPValue? {
        var copy = buffer
        guard let value = try parseValue(&copy, depth: 0) else { return nil }
        buffer = copy
        return value
    }

    private static func parseValue(_ buffer: inout ByteBuffer, depth: Int) throws(RateLimitError) -> RESPValue? {
        guard depth < maximumDepth else { throw .protocolViolation("reply nested too deeply") }
        guard let type = buffer.readInteger(as: UInt8.self) else { return nil }
        guard let line = readLine(&buffer) else { return nil }
        switch type {
        case UInt8(ascii: "+"):
            return .simpleString(line)
        case UInt8(ascii: "-"):
            return .error(line)
        case UInt8(ascii: ":"):
            guard let value = Int64(line) else { throw .protocolViolation("integer reply '\(line)'") }
            return .integer(value)
        case UInt8(ascii: "$"):
            guard let length = Int(line), length >= -1, length <= maximumBulkLength else {
                throw .protocolViolation("bulk length '\(line)'")
            }
            if length == -1 { return .bulkString(nil) }
            guard buffer.readableBytes >= length + crlfLength, let bytes = buffer.readSlice(length: length) else {
                return nil
            }
            buffer.moveReaderIndex(forwardBy: crlfLength)
            return .bulkString(bytes)
        case UInt8(ascii: "*"):
            guard let count = Int(line), count >= -1 else { throw .protocolViolation("array length '\(line)'") }
            if count == -1 { return .array(nil) }
            var elements: [RESPValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count {
                guard let element = try parseValue(&buffer, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            return .array(elements)
        default:
            throw .protocolViolation("unknown reply type byte \(type)")
        }
    }

    /// Reads up to CRLF (not included); nil when no full line has arrived.
    private static func readLine(_ buffer: inout ByteBuffer) -> String? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: UInt8(ascii: "\r")), cr + 1 < view.endIndex,
            view[cr + 1] == UInt8(ascii: "\n")
        else { return nil }
        let length = cr - view.startIndex
        let line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: crlfLength)
        return line
    }

    static let crlfLength = 2
}
