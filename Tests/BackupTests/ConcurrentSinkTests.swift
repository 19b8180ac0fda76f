import Testing

@testable import Backup

/// The stage boundary between encryption and the store: order, bounded memory, failures and abandoning.
@Suite("concurrent sink")
struct ConcurrentSinkTests {
    /// Chunks of many sizes, each filled with its own index, so a lost, doubled or reordered chunk shows.
    static func chunks() -> [[UInt8]] {
        (0..<500).map { index in [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: (index * 7919) % 3000 + 1) }
    }

    @Test("everything written arrives downstream once, in order, through a buffer smaller than the data")
    func orderAndCompleteness() async throws {
        let collected = CollectingSink(limit: 1 << 24)
        let stage = ConcurrentSink(collected, limit: 4096)
        for chunk in Self.chunks() { try await stage.write(chunk[...]) }
        try await stage.finish()
        #expect(collected.bytes == Self.chunks().flatMap { $0 })
    }

    @Test("a failing downstream fails the writer's next write or finish, and nothing hangs")
    func downstreamFailure() async throws {
        let stage = ConcurrentSink(CollectingSink(limit: 10_000), limit: 4096)
        let error = await #expect(throws: BackupError.self) {
            for chunk in Self.chunks() { try await stage.write(chunk[...]) }
            try await stage.finish()
        }
        #expect(error?.kind == .store)
    }

    @Test("abandoning stops the stage without finishing its downstream")
    func abandon() async throws {
        let downstream = FinishRecorder()
        let stage = ConcurrentSink(downstream, limit: 4096)
        for chunk in Self.chunks().prefix(10) { try await stage.write(chunk[...]) }
        await stage.abandon()
        #expect(!downstream.finished)
        #expect(downstream.bytes <= Self.chunks().prefix(10).reduce(0) { $0 + $1.count })
    }
}

/// Counts bytes and records whether `finish` was called.
final class FinishRecorder: ByteSink {
    private(set) var bytes = 0
    private(set) var finished = false

    func write(_ chunk: ArraySlice<UInt8>) async throws { bytes += chunk.count }
    func finish() async throws { finished = true }
}
