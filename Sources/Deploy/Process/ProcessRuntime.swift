import Foundation
import Logging
import ShipshapeCore

/// Starts a service's command per color (the `process` runtime): `{port}` becomes a free port and
/// `{version}` the deployed version, output is kept as the last lines for failure reports, and stopping
/// sends SIGTERM to the whole process group, then SIGKILL after a grace period.
public struct ProcessRuntime: Sendable {
    /// The command and how to run it.
    public struct Configuration: Sendable {
        /// Default number of output lines kept per process.
        public static let defaultLogLines = 50
        /// Default time between SIGTERM and SIGKILL.
        public static let defaultStopGrace: Duration = .seconds(10)
        /// Default address the process is reached at.
        public static let defaultHost = "127.0.0.1"

        /// The command template: `["./bin/api-{version}", "--port", "{port}"]`.
        public var command: [String]
        /// Extra environment (values may use the placeholders too); `PORT` and `SHIPSHAPE_COLOR` are always set.
        public var environment: [String: String]
        /// The directory the command runs in (nil: the current one).
        public var workingDirectory: String?
        /// The address the process is reached at (it should listen there).
        public var host: String
        /// Output lines kept per process.
        public var logLines: Int
        /// Time between SIGTERM and SIGKILL when stopping.
        public var stopGrace: Duration
        /// A file the process appends its output to (`{color}`, `{version}` and `{port}` substituted); nil
        /// keeps output in memory, which ties the process to this one. Set it when the starting process
        /// exits before the started one (a CLI deploy): a pipe would break and kill it with SIGPIPE.
        public var logFile: String?

        /// A configuration with defaults.
        public init(
            command: [String], environment: [String: String] = [:], workingDirectory: String? = nil,
            host: String = Self.defaultHost, logLines: Int = Self.defaultLogLines,
            stopGrace: Duration = Self.defaultStopGrace, logFile: String? = nil
        ) {
            self.command = command
            self.environment = environment
            self.workingDirectory = workingDirectory
            self.host = host
            self.logLines = logLines
            self.stopGrace = stopGrace
            self.logFile = logFile
        }

        /// The process runtime a service's configuration describes.
        public init(service: ServiceConfiguration, workingDirectory: String? = nil) {
            self.init(command: service.command, workingDirectory: workingDirectory)
        }
    }

    /// The command and how to run it.
    public let configuration: Configuration
    let logger: Logger

    /// A runtime for `configuration`.
    public init(configuration: Configuration, logger: Logger = Logger(label: "shipshape.deploy")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// `template` with `{port}` and `{version}` replaced.
    public static func substitute(_ template: String, port: Int, version: String) -> String {
        template.replacingOccurrences(of: "{port}", with: String(port))
            .replacingOccurrences(of: "{version}", with: version)
    }

    /// Starts the command for `color` and `version` on `port` (nil: a free one is chosen).
    public func start(color: DeployColor, version: String, port: Int? = nil) throws(DeployError) -> ManagedProcess {
        guard !configuration.command.isEmpty else {
            throw DeployError(
                kind: .processFailed,
                userMessage: "The process runtime has no command. Set `command: [program, args...]` for the service.")
        }
        let chosenPort: Int
        if let port { chosenPort = port } else { chosenPort = try FreePort.find(host: configuration.host) }
        let arguments = configuration.command.map { Self.substitute($0, port: chosenPort, version: version) }
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in configuration.environment {
            environment[name] = Self.substitute(value, port: chosenPort, version: version)
        }
        environment["PORT"] = String(chosenPort)
        environment["SHIPSHAPE_COLOR"] = color.rawValue
        let process = try ManagedProcess.spawn(
            arguments: arguments, environment: environment, workingDirectory: configuration.workingDirectory,
            color: color, version: version, target: HostPort(host: configuration.host, port: chosenPort),
            logLines: configuration.logLines,
            logFile: configuration.logFile.map {
                Self.substitute($0, port: chosenPort, version: version)
                    .replacingOccurrences(of: "{color}", with: color.rawValue)
            })
        logger.info(
            "started process",
            metadata: [
                "color": "\(color)", "version": "\(version)", "pid": "\(process.pid)", "port": "\(chosenPort)",
                "program": "\(arguments[0])",
            ])
        return process
    }

    /// Stops a process group this process did not start (one started by an earlier `shipshape` run, known by
    /// its pid): SIGTERM, then SIGKILL after `grace`. Returns false when no such group was running.
    @discardableResult
    public static func stopGroup(pid: pid_t, grace: Duration) async -> Bool {
        guard pid > 1, ProcessTable.groupIsRunning(pid) else { return false }
        kill(-pid, SIGTERM)
        let clock = ContinuousClock()
        let graceEnd = clock.now + grace
        while clock.now < graceEnd {
            // Reap the leader if it happens to be our child; a zombie nobody reaps counts as gone.
            var status: Int32 = 0
            _ = waitpid(pid, &status, WNOHANG)
            if !ProcessTable.groupIsRunning(pid) { return true }
            try? await Task.sleep(for: ManagedProcess.pollInterval)
        }
        kill(-pid, SIGKILL)
        return true
    }

    /// Stops `process` with this runtime's grace period.
    @discardableResult
    public func stop(_ process: ManagedProcess) async -> ManagedProcess.ExitStatus {
        let status = await process.stop(grace: configuration.stopGrace)
        logger.info(
            "stopped process", metadata: ["color": "\(process.color)", "pid": "\(process.pid)", "exit": "\(status)"])
        return status
    }
}
