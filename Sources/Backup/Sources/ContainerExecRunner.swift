import DockerEngine
import NIOCore

/// Runs dump commands inside a compose service's running container through the Docker Engine API's exec
/// endpoint: the tools of the container's own image are used (its `pg_dump` matches its server), and
/// nothing needs to be published on the host.
///
/// Output arrives demultiplexed and backpressured (the engine is read only as fast as the store takes the
/// encrypted bytes), so memory stays flat. Secrets travel in the exec's environment, never its command.
public struct ContainerExecRunner: DumpCommandRunner {
    let client: DockerClient
    /// The container's id.
    let container: String
    /// The compose service, for messages.
    let service: String

    /// A runner for `container` (found for `service` by `ServiceContainerLocator`).
    public init(client: DockerClient, container: String, service: String) {
        self.client = client
        self.container = container
        self.service = service
    }

    /// Streams the command's standard output (demultiplexed) into `sink`; standard error's tail is kept.
    public func stream(_ command: DumpCommand, into sink: any ByteSink) async throws {
        let tail = StderrTail()
        let code: Int
        do {
            code = try await client.exec(container, spec(command)) { chunk in
                switch chunk.stream {
                case .stdout, .stdin:
                    try await sink.write(ArraySlice(chunk.bytes.readableBytesView))
                case .stderr:
                    chunk.bytes.withUnsafeReadableBytes { tail.append($0) }
                }
            }
        } catch let error as DockerEngineError {
            throw failure(command, error.userMessage, tail)
        }
        guard code == 0 else { throw failure(command, "it exited with status \(code)", tail) }
    }

    /// Streams into the command's standard input the way `docker exec -i` does (an upgraded connection;
    /// unix socket or plain TCP engines), with backpressure: the restore reads the store only as fast as the
    /// command consumes.
    public func feed<Result>(_ command: DumpCommand, _ body: (any ByteSink) async throws -> Result) async throws -> Result {
        let tail = StderrTail()
        let outcome: (result: Result, exitCode: Int)
        do {
            outcome = try await client.execWithInput(container, spec(command)) { writer in
                try await body(ExecInputSink(writer))
            } output: { chunk in
                // Restore tools print little on stdout; stderr's tail explains a failure.
                if chunk.stream == .stderr { chunk.bytes.withUnsafeReadableBytes { tail.append($0) } }
            }
        } catch let error as DockerEngineError {
            throw failure(command, error.userMessage, tail)
        } catch let error as BackupError {
            throw error
        } catch {
            throw failure(command, "\(error)", tail)
        }
        guard outcome.exitCode == 0 else { throw failure(command, "it exited with status \(outcome.exitCode)", tail) }
        return outcome.result
    }

    func spec(_ command: DumpCommand) -> ExecSpec {
        ExecSpec(command: [command.program] + command.arguments, environment: command.environment.map { "\($0.key)=\($0.value)" }.sorted())
    }

    func failure(_ command: DumpCommand, _ detail: String, _ tail: StderrTail) -> BackupError {
        let stderr = tail.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return BackupError(
            .command,
            "`\(command.displayed)` in the container of service '\(service)' failed: \(stderr.isEmpty ? detail : "\(stderr) (\(detail))")",
            hint: "Check that the service is running and its image has the tool. \(command.failureHint)")
    }
}

/// Feeds an exec's standard input.
final class ExecInputSink: ByteSink {
    private let writer: ExecInputWriter

    init(_ writer: ExecInputWriter) { self.writer = writer }

    func write(_ bytes: ArraySlice<UInt8>) async throws { try await writer.write(ByteBuffer(bytes: bytes)) }

    func finish() async throws { writer.finish() }
}
