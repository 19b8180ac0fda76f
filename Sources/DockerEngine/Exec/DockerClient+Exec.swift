import NIOCore

extension DockerClient {
    /// Default cap on the output `execCollecting` keeps per stream.
    public static let defaultCollectLimit = 1024 * 1024
    /// How often the exit code is polled after the output ends, and for how long at most.
    static let exitPollInterval: Duration = .milliseconds(20)
    static let exitPollAttempts = 250

    /// Creates an exec instance in a running container; returns its ID.
    public func createExec(_ container: String, _ spec: ExecSpec) async throws(DockerEngineError) -> String {
        struct Created: Decodable {
            let id: String
            enum CodingKeys: String, CodingKey { case id = "Id" }
        }
        let created: Created = try await sender.decode(
            .POST, "/containers/\(container)/exec", json: spec.createBody, subject: "container \(container)")
        return created.id
    }

    /// Starts an exec instance and passes its demultiplexed output to `output` as it arrives. The next read
    /// from the engine waits for `output` to return, so a slow consumer slows the command down instead of
    /// buffering (multi-GB dumps stream in constant memory). Errors thrown by `output` end the stream and
    /// are rethrown as they are.
    nonisolated(nonsending) public func startExec(
        _ id: String, output: (OutputChunk) async throws -> Void
    ) async throws {
        let response = try await sender.stream(
            .POST, "/exec/\(id)/start", json: JSONValue.object(["Detach": .bool(false), "Tty": .bool(false)]),
            subject: "exec \(id)")
        var decoder = MultiplexedStreamDecoder()
        var iterator = response.body.makeAsyncIterator()
        while true {
            let next: ByteBuffer?
            do {
                next = try await iterator.next()
            } catch {
                throw DockerEngineError.unreachable(configuration.host, reason: "reading exec \(id) output: \(error)")
            }
            guard let buffer = next else { break }
            for chunk in try decoder.decode(buffer) { try await output(chunk) }
        }
    }

    /// The exec instance's state and exit code.
    public func inspectExec(_ id: String) async throws(DockerEngineError) -> ExecDetails {
        try await sender.decode(.GET, "/exec/\(id)/json", subject: "exec \(id)")
    }

    /// Runs `spec` in `container`, streams its output to `output` (backpressured, see `startExec`) and
    /// returns its exit code.
    nonisolated(nonsending) public func exec(
        _ container: String, _ spec: ExecSpec, output: (OutputChunk) async throws -> Void
    ) async throws -> Int {
        let id = try await createExec(container, spec)
        try await startExec(id, output: output)
        return try await exitCode(ofExec: id)
    }

    /// Runs `spec` in `container` and returns its exit code and output, keeping at most `limit` bytes of
    /// each stream (the rest is read and dropped).
    nonisolated(nonsending) public func execCollecting(
        _ container: String, _ spec: ExecSpec, limit: Int = defaultCollectLimit
    ) async throws -> ExecResult {
        var stdout = ByteBuffer()
        var stderr = ByteBuffer()
        let code = try await exec(container, spec) { chunk in
            switch chunk.stream {
            case .stdout, .stdin: Self.append(chunk.bytes, to: &stdout, limit: limit)
            case .stderr: Self.append(chunk.bytes, to: &stderr, limit: limit)
            }
        }
        return ExecResult(exitCode: code, stdout: String(buffer: stdout), stderr: String(buffer: stderr))
    }

    private static func append(_ bytes: ByteBuffer, to buffer: inout ByteBuffer, limit: Int) {
        let room = max(0, limit - buffer.readableBytes)
        guard room > 0, let slice = bytes.getSlice(at: bytes.readerIndex, length: min(bytes.readableBytes, room)) else {
            return
        }
        buffer.writeImmutableBuffer(slice)
    }

    /// The exit code once the engine reports the exec finished (its output can end a moment before).
    private func exitCode(ofExec id: String) async throws(DockerEngineError) -> Int {
        for _ in 0..<Self.exitPollAttempts {
            let details = try await inspectExec(id)
            if !details.running, let code = details.exitCode { return code }
            do { try await Task.sleep(for: Self.exitPollInterval) } catch { break }
        }
        throw DockerEngineError.invalidResponse(
            "GET /exec/\(id)/json", reason: "the command's output ended but the engine still reports it running")
    }
}
