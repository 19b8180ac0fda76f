import Subprocess
import SystemPackage

/// Runs a deploy hook on the host (process runtime) as a child process with a time limit, through
/// swift-subprocess, and reports the tail of its output when it fails. Its arguments are given as a list:
/// no shell parses them. It leads its own process group, so the time limit stops its children too (SIGTERM,
/// then SIGKILL after `stopGrace`).
enum HookRunner {
    /// Time a hook that ran out of time gets between SIGTERM and SIGKILL.
    static let stopGrace: Duration = .seconds(5)

    static func run(
        _ hook: DeployHook, _ command: [String], environment: [String: String], timeout: Duration
    ) async throws(DeployError) {
        guard let program = command.first else { return }
        let shown = command.joined(separator: " ")
        let tail = LogTail(capacity: DeployHook.quotedLines)
        var platformOptions = PlatformOptions()
        platformOptions.processGroupID = 0
        platformOptions.teardownSequence = [
            .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: stopGrace)
        ]
        let executable: Executable = program.contains("/") ? .path(FilePath(program)) : .name(program)
        var variables: [Environment.Key: String] = [:]
        for (name, value) in environment {
            if let key = Environment.Key(rawValue: name) { variables[key] = value }
        }
        let arguments = Arguments(Array(command.dropFirst()))
        let (options, environmentVariables) = (platformOptions, variables)
        let status: TerminationStatus?
        do {
            // On time-out the run is cancelled, which runs the teardown sequence on the hook's group.
            status = try await TimeLimit.run(timeout) {
                let result = try await Subprocess.run(
                    executable, arguments: arguments, environment: .custom(environmentVariables),
                    platformOptions: options, input: .none, output: .sequence, error: .combinedWithOutput
                ) { execution in
                    for try await chunk in execution.standardOutput { chunk.withUnsafeBytes { tail.append($0) } }
                }
                return result.terminationStatus
            }
        } catch {
            throw DeployError(
                kind: .hookFailed, userMessage: "Cannot run the \(hook.rawValue) hook \(shown): \(error).")
        }
        guard let status else {
            throw DeployError(
                kind: .hookFailed,
                userMessage: "The \(hook.rawValue) hook \(shown) did not finish within \(timeout); it was stopped."
                    + tail.quoted())
        }
        if case .exited(0) = status { return }
        let how: String
        switch status {
        case .exited(let code): how = "exited with status \(code)"
        case .signaled(let signal): how = "was killed by signal \(signal)"
        }
        throw DeployError(
            kind: .hookFailed,
            userMessage: "The \(hook.rawValue) hook \(shown) \(how)."
                + (hook == .preSwitch ? " The new version was not given traffic." : "")
                + tail.quoted())
    }
}
