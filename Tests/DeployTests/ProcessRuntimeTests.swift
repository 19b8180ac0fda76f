import Deploy
import Foundation
import TestSupport
import Testing

@Suite("Process runtime", .timeLimit(.minutes(2)))
struct ProcessRuntimeTests {
    @Test("starts a command per color with {port} and {version} substituted and serves on that port")
    func substitutes() async throws {
        let directory = try TemporaryDirectory(prefix: "process")
        defer { directory.remove() }
        let runtime = try TestApp.runtime(in: directory)
        let blue = try runtime.start(color: .blue, version: "1.0.0")
        let green = try runtime.start(color: .green, version: "2.0.0")
        defer {
            kill(-blue.pid, SIGKILL)
            kill(-green.pid, SIGKILL)
        }
        #expect(blue.port != green.port)
        let range = try String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)
        let ephemeralStart = range.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32768
        #expect(
            [blue.port, green.port].allSatisfy { (10_000..<ephemeralStart).contains($0) },
            "below the ephemeral range, where outgoing connections take their ports")
        #expect(green.arguments.suffix(2) == ["\(green.port)", "2.0.0"])
        try await blue.waitUntilListening(timeout: .seconds(20))
        try await green.waitUntilListening(timeout: .seconds(20))
        let answer = try await ProcessRunner.run(["curl", "-s", "http://127.0.0.1:\(green.port)/version"])
        #expect(answer.stdout == "version 2.0.0")
        #expect(
            try await ProcessRunner.run(["curl", "-s", "http://127.0.0.1:\(blue.port)/version"]).stdout == "version 1.0.0")
        await runtime.stop(blue)
        await runtime.stop(green)
        #expect(!blue.isRunning && !green.isRunning)
    }

    @Test("writes output to a per-color log file and stops a process group by pid")
    func logFileAndStopByPid() async throws {
        let directory = try TemporaryDirectory(prefix: "process-log")
        defer { directory.remove() }
        var configuration = try TestApp.runtime(in: directory).configuration
        configuration.logFile = "\(directory.path)/api-{color}-{version}.log"
        let runtime = ProcessRuntime(configuration: configuration)
        let process = try runtime.start(color: .green, version: "3.1")
        defer { kill(-process.pid, SIGKILL) }
        try await process.waitUntilListening(timeout: .seconds(20))
        _ = try await ProcessRunner.run(["curl", "-s", "http://127.0.0.1:\(process.port)/health"])
        let file = try String(contentsOfFile: "\(directory.path)/api-green-3.1.log", encoding: .utf8)
        #expect(file.contains("app 3.1 starting on \(process.port)"))
        for _ in 0..<100 where process.recentLog().last != "served /health" {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(process.recentLog().last == "served /health")

        // As a later `shipshape` run would: only the pid is known.
        #expect(await ProcessRuntime.stopGroup(pid: process.pid, grace: .seconds(5)))
        let refused = try await ProcessRunner.run([
            "curl", "-s", "-o", "/dev/null", "http://127.0.0.1:\(process.port)/health",
        ])
        #expect(refused.status != 0)
        #expect(await !ProcessRuntime.stopGroup(pid: process.pid, grace: .seconds(1)))
    }

    @Test("keeps the last log lines and stops with SIGTERM")
    func logsAndTerm() async throws {
        let runtime = ProcessRuntime(
            configuration: .init(
                command: [
                    "sh", "-c",
                    "trap 'echo got TERM; exit 0' TERM; i=0; while [ $i -lt 30 ]; do i=$((i+1)); echo line $i; done; "
                        + "echo oops >&2; while :; do sleep 0.05; done",
                ],
                logLines: 3))
        let process = try runtime.start(color: .blue, version: "1")
        try await Task.sleep(for: .milliseconds(300))
        #expect(process.recentLog() == ["line 29", "line 30", "oops"])
        let status = await process.stop(grace: .seconds(5))
        #expect(status == .exited(0))
        #expect(process.recentLog().last == "got TERM")
    }

    @Test("a started process holds only its input and output, none of this process's sockets")
    func inheritsNoSockets() async throws {
        // Like the gateway's client connections: open, and not close-on-exec. A copy in the app's process would
        // keep a connection the gateway closed open, with no FIN, for as long as the app runs.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        let runtime = ProcessRuntime(
            configuration: .init(command: ["sh", "-c", "ls /proc/$$/fd; exec sleep 300"], logLines: 5))
        let process = try runtime.start(color: .blue, version: "1")
        defer { kill(-process.pid, SIGKILL) }
        for _ in 0..<250 where process.recentLog().count < 3 {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(process.recentLog() == ["0", "1", "2"])
        await runtime.stop(process)
    }

    @Test("kills the whole process group with SIGKILL when SIGTERM is ignored")
    func escalates() async throws {
        let runtime = ProcessRuntime(
            configuration: .init(command: ["sh", "-c", "trap '' TERM; sleep 300 & wait; sleep 300"]))
        let process = try runtime.start(color: .green, version: "1")
        try await Task.sleep(for: .milliseconds(200))
        let clock = ContinuousClock()
        let start = clock.now
        let status = await process.stop(grace: .milliseconds(500))
        #expect(status == .signaled(SIGKILL))
        #expect(clock.now - start >= .milliseconds(500))
        // The background `sleep` was in the same group, so nothing of it is left running.
        #expect(Self.livingMembers(ofGroup: process.pid) == 0)
    }

    /// Processes in process group `group` that are not zombies (an orphan's reaping may lag behind).
    static func livingMembers(ofGroup group: pid_t) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { entry in
            guard Int(entry) != nil, let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            // Fields after the command name: state, ppid, pgrp, ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && fields[0] != "Z" && fields[2] == "\(group)"
        }.count
    }

    @Test("reports a process that exits before listening with its last output lines")
    func exitsEarly() async throws {
        let runtime = ProcessRuntime(
            configuration: .init(command: [
                "sh", "-c", "echo connecting to db; echo 'fatal: DATABASE_URL is not set' >&2; exit 3",
            ]))
        let process = try runtime.start(color: .green, version: "9.9")
        let error = await #expect(throws: DeployError.self) {
            try await process.waitUntilListening(timeout: .seconds(10))
        }
        #expect(error?.kind == .processFailed)
        #expect(error?.userMessage.contains("exited (exit 3)") == true, "\(error?.userMessage ?? "no error")")
        #expect(error?.userMessage.contains("fatal: DATABASE_URL is not set") == true)
    }

    @Test("says which program could not be started")
    func missingProgram() {
        let runtime = ProcessRuntime(configuration: .init(command: ["./bin/api-{version}", "--port", "{port}"]))
        let error = #expect(throws: DeployError.self) { try runtime.start(color: .blue, version: "2.1.0") }
        #expect(error?.userMessage.contains("./bin/api-2.1.0") == true)
    }
}
