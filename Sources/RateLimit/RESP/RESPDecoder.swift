import NIOCore

/// Turns the byte stream from Redis into `RESPValue`s.
final class RESPDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try RESPParser.parse(&buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(value))
        return .continue
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}

@available(*, unavailable)
extension RESPDecoder: Sendable {}
