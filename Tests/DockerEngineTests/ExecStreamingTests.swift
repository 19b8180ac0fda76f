import DockerEngine
import Foundation
import NIOCore
import Testing

@Suite("Exec output streaming on a real engine (Podman)", .serialized, .timeLimit(.minutes(3)))
struct ExecStreamingTests {
    /// 256 MiB: far larger than any buffer the client may hold, so buffering the whole stream would show.
    static let streamedBytes = 256 * 1024 * 1024
    /// Resident memory growth allowed while streaming, measured over the whole test process (other suites, a
    /// 1 GB upload among them, run beside this one and grew it by 89 MB once); a client that buffered the stream
    /// would need 256 MiB.
    static let allowedGrowth = 160 * 1024 * 1024

    /// What `yes 0123456789abcde` repeats.
    static let pattern = Array("0123456789abcde\n".utf8)
    /// The pattern repeated over 1 MiB, to compare whole chunks with one memcmp (per-byte loops are slow
    /// in debug builds).
    static let patternBlock: [UInt8] = Array((0..<(1024 * 1024 / 16 + 1)).map { _ in pattern }.joined())

    /// True when `bytes`, found at `offset` of the output, are what `yes` writes there.
    static func matchesPattern(_ bytes: ByteBuffer, at offset: Int) -> Bool {
        var remaining = bytes
        var position = offset
        while remaining.readableBytes > 0 {
            let start = position % pattern.count
            let count = min(remaining.readableBytes, patternBlock.count - start)
            guard let slice = remaining.readSlice(length: count) else { return false }
            let equal = slice.withUnsafeReadableBytes { actual in
                patternBlock.withUnsafeBytes { expected in
                    guard let have = actual.baseAddress, let want = expected.baseAddress else { return false }
                    return memcmp(have, want + start, count) == 0
                }
            }
            if !equal { return false }
            position += count
        }
        return true
    }

    /// The process's resident set size, from /proc.
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes * 1024
    }

    @Test("streams 256 MiB of exec output in constant memory with stderr kept apart and the exit code")
    func largeOutput() async throws {
        try await EngineFixture.with { client in
            let id = try await client.createContainer(
                ContainerSpec(image: EngineFixture.image, command: ["sleep", "600"]),
                name: EngineFixture.uniqueName("exec"))
            do {
                try await client.startContainer(id)
                let command =
                    "busybox yes 0123456789abcde | busybox head -c \(Self.streamedBytes); echo finished >&2; exit 3"
                let baseline = Self.residentBytes()
                var stdoutBytes = 0
                var peak = baseline
                var sinceSample = 0
                var stderr = ""
                var wrongChunks = 0
                let code = try await client.exec(id, ExecSpec(command: ["sh", "-c", command])) { chunk in
                    switch chunk.stream {
                    case .stdout:
                        // The pattern is 16-byte lines; check the bytes arrive in order and intact.
                        if !Self.matchesPattern(chunk.bytes, at: stdoutBytes) { wrongChunks += 1 }
                        stdoutBytes += chunk.bytes.readableBytes
                        sinceSample += chunk.bytes.readableBytes
                        if sinceSample >= 1024 * 1024 {
                            sinceSample = 0
                            peak = max(peak, Self.residentBytes())
                        }
                        // A slow consumer: the engine must wait for us rather than the client buffering.
                        if stdoutBytes % (8 * 1024 * 1024) < chunk.bytes.readableBytes {
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    case .stderr, .stdin:
                        stderr += String(buffer: chunk.bytes)
                    }
                }
                #expect(code == 3)
                #expect(stdoutBytes == Self.streamedBytes)
                #expect(wrongChunks == 0)
                #expect(stderr == "finished\n")
                #expect(peak - baseline < Self.allowedGrowth, "resident memory grew by \(peak - baseline) bytes")
                try await client.removeContainer(id, force: true)
            } catch {
                await client.removeQuietly(id)
                throw error
            }
        }
    }

    @Test("passes a consumer's error through and leaves the client usable")
    func consumerError() async throws {
        struct DiskFull: Error {}
        try await EngineFixture.with { client in
            let id = try await client.createContainer(
                ContainerSpec(image: EngineFixture.image, command: ["sleep", "600"]),
                name: EngineFixture.uniqueName("exec-error"))
            do {
                try await client.startContainer(id)
                await #expect(throws: DiskFull.self) {
                    _ = try await client.exec(id, ExecSpec(command: ["busybox", "yes"])) { _ in throw DiskFull() }
                }
                let after = try await client.execCollecting(id, ExecSpec(command: ["echo", "still here"]))
                #expect(after.stdout == "still here\n")
                #expect(after.exitCode == 0)
                // The abandoned `yes` may still be dying: removal is cleanup here, not what is tested.
                await client.removeQuietly(id)
            } catch {
                await client.removeQuietly(id)
                throw error
            }
        }
    }
}
