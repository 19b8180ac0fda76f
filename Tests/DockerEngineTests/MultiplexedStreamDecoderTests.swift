import DockerEngine
import NIOCore
import Testing

@Suite("Multiplexed stream decoding")
struct MultiplexedStreamDecoderTests {
    private func frame(_ stream: UInt8, _ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        let length = UInt32(payload.count)
        return [
            stream, 0, 0, 0, UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff),
            UInt8(length & 0xff),
        ] + payload
    }

    private func text(_ chunks: [OutputChunk], _ stream: OutputStream) -> String {
        chunks.filter { $0.stream == stream }.map { String(buffer: $0.bytes) }.joined()
    }

    @Test("splits stdout and stderr frames delivered in one read")
    func wholeFrames() throws {
        var decoder = MultiplexedStreamDecoder()
        let chunks = try decoder.decode(ByteBuffer(bytes: frame(1, "hello\n") + frame(2, "oops\n") + frame(1, "bye\n")))
        #expect(text(chunks, .stdout) == "hello\nbye\n")
        #expect(text(chunks, .stderr) == "oops\n")
        #expect(decoder.isAtFrameBoundary)
    }

    @Test("reassembles frames split at every byte boundary")
    func byteByByte() throws {
        let bytes = frame(1, "first line\n") + frame(2, "an error\n") + frame(1, "") + frame(1, "last\n")
        var decoder = MultiplexedStreamDecoder()
        var chunks: [OutputChunk] = []
        for byte in bytes { chunks += try decoder.decode(ByteBuffer(bytes: [byte])) }
        #expect(text(chunks, .stdout) == "first line\nlast\n")
        #expect(text(chunks, .stderr) == "an error\n")
        #expect(decoder.isAtFrameBoundary)
    }

    @Test("reports a stream that ends inside a frame")
    func truncated() throws {
        var decoder = MultiplexedStreamDecoder()
        _ = try decoder.decode(ByteBuffer(bytes: Array(frame(1, "cut short").prefix(12))))
        #expect(!decoder.isAtFrameBoundary)
    }

    @Test("rejects a header naming an unknown stream")
    func unknownStream() {
        var decoder = MultiplexedStreamDecoder()
        #expect(throws: DockerEngineError.self) { try decoder.decode(ByteBuffer(bytes: frame(7, "x"))) }
    }
}
