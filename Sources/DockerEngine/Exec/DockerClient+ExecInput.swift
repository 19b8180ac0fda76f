import Foundation
import NIOCore
import NIOPosix

/// Writes a running exec's standard input; `finish` half-closes the connection, which the engine passes on
/// to the command as end of file.
public struct ExecInputWriter: Sendable {
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    /// Sends `bytes`; waits while the engine is not reading (backpressure).
    public func write(_ bytes: ByteBuffer) async throws {
        try await outbound.write(bytes)
    }

    /// Ends standard input (idempotent).
    public func finish() {
        outbound.finish()
    }
}

/// The engine's answer to `POST /containers/{id}/exec`.
struct CreatedExec: Decodable {
    let id: String
    enum CodingKeys: String, CodingKey { case id = "Id" }
}

extension DockerClient {
    /// The most bytes the start request's response head may take before the stream begins.
    static let hijackHeadLimit = 64 * 1024

    /// Runs `spec` in `container` with standard input attached, the way `docker exec -i` does: the start
    /// request upgrades the connection (`Upgrade: tcp`), after which the client's bytes are the command's
    /// standard input and the engine's are its multiplexed output. `input` writes standard input (its
    /// writer's `finish`, or returning, ends it); `output` receives the output as it arrives, from another
    /// task. Returns `input`'s result and the exit code. TLS engines are not supported (plain TCP and unix
    /// sockets are).
    nonisolated(nonsending) public func execWithInput<Result>(
        _ container: String, _ spec: ExecSpec,
        input: (ExecInputWriter) async throws -> Result,
        output: @escaping @Sendable (OutputChunk) async throws -> Void
    ) async throws -> (result: Result, exitCode: Int) {
        guard case .object(var body) = spec.createBody else {
            throw DockerEngineError.invalidResponse("exec", reason: "cannot build the exec request")
        }
        body["AttachStdin"] = .bool(true)
        let created: CreatedExec = try await sender.decode(
            .POST, "/containers/\(container)/exec", json: JSONValue.object(body), subject: "container \(container)")
        let channel = try await connectRaw()
        let request = "POST /v\(apiVersion)/exec/\(created.id)/start HTTP/1.1\r\nHost: \(RequestSender.unixSocketHostName)\r\n"
            + "Content-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
        let startBody = #"{"Detach":false,"Tty":false}"#
        let host = configuration.host
        let id = created.id
        var result: Result?
        try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request + "Content-Length: \(startBody.utf8.count)\r\n\r\n" + startBody))
            let (upgraded, signal) = AsyncStream<Void>.makeStream()
            async let reading: Void = Self.readHijacked(inbound, exec: id, host: host, upgraded: signal, output: output)
            // Standard input goes out only once the connection is upgraded.
            for await _ in upgraded { break }
            let writer = ExecInputWriter(outbound: outbound)
            result = try await input(writer)
            writer.finish()
            try await reading
        }
        guard let result else {
            throw DockerEngineError.invalidResponse("POST /exec/\(id)/start", reason: "the exec ended without a result")
        }
        return (result, try await execExitCode(created.id))
    }

    /// Reads the start request's response head, signals `upgraded`, then passes the multiplexed output on.
    private static func readHijacked(
        _ inbound: NIOAsyncChannelInboundStream<ByteBuffer>, exec id: String, host: DockerHost,
        upgraded: AsyncStream<Void>.Continuation, output: @Sendable (OutputChunk) async throws -> Void
    ) async throws {
        defer { upgraded.finish() }
        var iterator = inbound.makeAsyncIterator()
        var head = ByteBuffer()
        var decoder = MultiplexedStreamDecoder()
        while true {
            guard var next = try await iterator.next() else {
                throw DockerEngineError.unreachable(host, reason: "exec \(id) closed before answering")
            }
            head.writeBuffer(&next)
            let view = head.readableBytesView
            guard let end = view.firstRange(of: Array("\r\n\r\n".utf8)) else {
                if head.readableBytes > hijackHeadLimit {
                    throw DockerEngineError.invalidResponse("POST /exec/\(id)/start", reason: "no response head")
                }
                continue
            }
            let headText = String(decoding: view[view.startIndex..<end.lowerBound], as: UTF8.self)
            let status = headText.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
            guard status == switchingProtocols || status == ok else {
                throw DockerEngineError(
                    kind: .apiError, status: status,
                    userMessage: "The engine refused to attach to exec \(id): \(headText.split(separator: "\r\n").first ?? "")")
            }
            head.moveReaderIndex(to: end.upperBound)
            upgraded.yield()
            for chunk in try decoder.decode(head) { try await output(chunk) }
            break
        }
        while let buffer = try await iterator.next() {
            for chunk in try decoder.decode(buffer) { try await output(chunk) }
        }
    }

    /// Docker answers an upgrade with 101; older engines and Podman may answer 200 and hijack anyway.
    static let switchingProtocols = 101
    static let ok = 200

    /// A raw connection to the engine, with half-closure so standard input can end while output still flows.
    private func connectRaw() async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
        let wrap: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> = { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                    wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
            }
        }
        do {
            switch configuration.host {
            case .unix(let path):
                return try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: wrap)
            case .tcp(let host, let port):
                return try await bootstrap.connect(host: host, port: port, channelInitializer: wrap)
            case .tls:
                throw DockerEngineError(
                    kind: .invalidHost,
                    userMessage: "Attaching standard input to an exec is not supported over TLS (\(configuration.host)). Use the engine's unix socket.")
            }
        } catch let error as DockerEngineError {
            throw error
        } catch {
            throw DockerEngineError.unreachable(configuration.host, reason: DockerEngineError.reason(error))
        }
    }

    /// The exit code once the engine reports the exec finished (its output can end a moment before).
    private func execExitCode(_ id: String) async throws -> Int {
        for _ in 0..<Self.exitPollAttempts {
            let details = try await inspectExec(id)
            if !details.running, let code = details.exitCode { return code }
            try await Task.sleep(for: Self.exitPollInterval)
        }
        throw DockerEngineError.invalidResponse(
            "GET /exec/\(id)/json", reason: "the command's input and output ended but the engine still reports it running")
    }
}
