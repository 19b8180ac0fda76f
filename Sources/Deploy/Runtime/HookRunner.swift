import Foundation

/// Runs a deploy hook (`hooks.pre_switch`) as a child process with a time limit and reports its output
/// when it fails. Its arguments are given as a list: no shell parses them.
enum HookRunner {
    /// Lines of output quoted when a hook fails.
    static let quotedLines = 20
    /// How often a running hook is checked.
    static let pollInterval: Duration = .milliseconds(50)

    static func run(_ command: [String], environment: [String: String], timeout: Duration) async throws(DeployError) {
        guard let program = command.first else { return }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("shipshape-hook-\(UUID()).log")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program.contains("/") ? program : "/usr/bin/env")
        process.arguments = program.contains("/") ? Array(command.dropFirst()) : command
        process.environment = environment
        do {
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            let handle = try FileHandle(forWritingTo: output)
            defer { try? handle.close() }
            process.standardOutput = handle
            process.standardError = handle
            process.standardInput = FileHandle.nullDevice
            try process.run()
        } catch {
            throw DeployError(
                kind: .hookFailed,
                userMessage:
                    "Cannot run the pre-switch hook \(command.joined(separator: " ")): \(error.localizedDescription).")
        }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning, clock.now < deadline { try? await Task.sleep(for: pollInterval) }
        if process.isRunning {
            process.terminate()
            throw DeployError(
                kind: .hookFailed,
                userMessage: "The pre-switch hook \(command.joined(separator: " ")) did not finish within \(timeout).")
        }
        guard process.terminationStatus != 0 else { return }
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").suffix(quotedLines).map { "  | \($0)" }.joined(separator: "\n")
        throw DeployError(
            kind: .hookFailed,
            userMessage: """
                The pre-switch hook \(command.joined(separator: " ")) exited with status \(process.terminationStatus); \
                the new version was not given traffic. Its last output lines:
                \(lines)
                """)
    }
}
