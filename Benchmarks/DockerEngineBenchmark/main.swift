// Measures the DockerEngine client's hot path: streaming a command's output out of a container through
// exec (what backups do with pg_dump), demultiplexed and consumed chunk by chunk. Benchmarks/docker.sh runs
// it beside curl reading the same exec stream raw from the same engine, and prints the ratio.
import DockerEngine
import Foundation

@main
struct DockerEngineBenchmark {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 5, let bytes = Int(arguments[3]), let runs = Int(arguments[4]) else {
            FileHandle.standardError.write(Data("usage: DockerEngineBenchmark SOCKET CONTAINER BYTES RUNS\n".utf8))
            exit(2)
        }
        let client = try await DockerClient.connect(.init(host: .unix(path: arguments[1])))
        let command = ExecSpec(command: ["sh", "-c", "busybox yes 0123456789abcde | busybox head -c \(bytes)"])
        var seconds: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<runs {
            var received = 0
            let start = clock.now
            _ = try await client.exec(arguments[2], command) { chunk in received += chunk.bytes.readableBytes }
            let elapsed = clock.now - start
            guard received == bytes else {
                FileHandle.standardError.write(Data("expected \(bytes) bytes, got \(received)\n".utf8))
                exit(1)
            }
            seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        await client.shutdown()
        for value in seconds { print(String(format: "%.4f", value)) }
    }
}
