import NIOCore

/// Which standard stream a piece of container output came from.
public enum OutputStream: UInt8, Sendable, Hashable {
    /// Standard input (echoed by some engines when attached).
    case stdin = 0
    /// Standard output.
    case stdout = 1
    /// Standard error.
    case stderr = 2
}

/// A piece of container output from one stream.
public struct OutputChunk: Sendable, Hashable {
    /// The stream it came from.
    public var stream: OutputStream
    /// The bytes.
    public var bytes: ByteBuffer

    /// A chunk of `bytes` from `stream`.
    public init(stream: OutputStream, bytes: ByteBuffer) {
        self.stream = stream
        self.bytes = bytes
    }
}

/// Splits the engine's multiplexed stream (8-byte headers: stream, 3 zero bytes, big-endian UInt32 length)
/// into chunks, without ever holding more than one read's worth of bytes: a frame's payload is passed on
/// piece by piece as it arrives, so a multi-GB frame costs no memory.
public struct MultiplexedStreamDecoder: Sendable {
    /// The size of a frame header.
    public static let headerSize = 8

    private enum State: Sendable {
        /// Waiting for (the rest of) a header → `.payload` once 8 bytes are in.
        case header
        /// Inside a frame's payload with `remaining` bytes to go → `.header` when it reaches 0.
        case payload(OutputStream, remaining: Int)
    }

    private var state: State = .header
    private var pending = ByteBuffer()

    /// A decoder at the start of a stream.
    public init() {}

    /// True when the stream may end here (not inside a header or payload).
    public var isAtFrameBoundary: Bool {
        if case .header = state { return pending.readableBytes == 0 }
        return false
    }

    /// Feeds bytes read from the engine and returns the chunks they complete (possibly partial payloads).
    public mutating func decode(_ buffer: ByteBuffer) throws(DockerEngineError) -> [OutputChunk] {
        pending.writeImmutableBuffer(buffer)
        var chunks: [OutputChunk] = []
        while pending.readableBytes > 0 {
            switch state {
            case .header:
                guard pending.readableBytes >= Self.headerSize,
                    let kind = pending.readInteger(as: UInt8.self),
                    pending.readInteger(as: UInt8.self) != nil, pending.readInteger(as: UInt16.self) != nil,
                    let length = pending.readInteger(endianness: .big, as: UInt32.self)
                else {
                    pending.discardReadBytes()
                    return chunks
                }
                guard let stream = OutputStream(rawValue: kind) else {
                    throw DockerEngineError.invalidResponse(
                        "a multiplexed stream", reason: "frame header names stream \(kind)")
                }
                if length > 0 { state = .payload(stream, remaining: Int(length)) }
            case .payload(let stream, let remaining):
                let count = min(remaining, pending.readableBytes)
                if let slice = pending.readSlice(length: count) {
                    chunks.append(OutputChunk(stream: stream, bytes: slice))
                }
                state = remaining == count ? .header : .payload(stream, remaining: remaining - count)
            }
        }
        // Everything was consumed: start afresh so the buffer does not grow with the stream.
        pending = ByteBuffer()
        return chunks
    }
}
