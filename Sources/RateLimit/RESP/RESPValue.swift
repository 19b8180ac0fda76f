import NIOCore

/// One RESP2 reply from Redis.
enum RESPValue: Sendable, Equatable {
    /// `+OK`
    case simpleString(String)
    /// `-ERR message`: the first word is the error code (`NOSCRIPT`, `ERR`, `WRONGTYPE` …).
    case error(String)
    /// `:42`
    case integer(Int64)
    /// `$5\r\nhello`, or nil for the null bulk string `$-1`.
    case bulkString(ByteBuffer?)
    /// `*2\r\n…`, or nil for the null array `*-1`.
    indirect case array([RESPValue]?)

    /// The error code of an error reply (its first word), else nil.
    var errorCode: Substring? {
        guard case .error(let message) = self else { return nil }
        return message.split(separator: " ", maxSplits: 1).first
    }

    /// An integer reply, or a bulk string holding a decimal integer.
    var int64: Int64? {
        switch self {
        case .integer(let value): return value
        case .bulkString(let buffer?): return Int64(String(buffer: buffer))
        case .simpleString(let text): return Int64(text)
        default: return nil
        }
    }

    /// Text of a simple or bulk string reply.
    var string: String? {
        switch self {
        case .simpleString(let text): return text
        case .bulkString(let buffer?): return String(buffer: buffer)
        default: return nil
        }
    }
}
