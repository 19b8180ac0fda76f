import Foundation
import Logging
import ShipshapeCore

#if canImport(Glibc)
    import Glibc
#endif

/// The `process` runtime as the controller sees it: one process group per color, started by
/// `ProcessRuntime` with its output in a per-color log file (so it outlives the `shipshape` run that
/// started it), and its pid, port and version kept in the state directory.
public struct ProcessColorRuntime: ColorRuntime {
    let runtime: ProcessRuntime
    let records: ColorRecordStore
    let logger: Logger

    /// A runtime running `configuration` per color; records and logs go to `records.directory`.
    public init(
        configuration: ProcessRuntime.Configuration, records: ColorRecordStore,
        logger: Logger = Logger(label: "shipshape.deploy")
    ) {
        var configuration = configuration
        if configuration.logFile == nil { configuration.logFile = "\(records.directory)/logs/{color}.log" }
        self.runtime = ProcessRuntime(configuration: configuration, logger: logger)
        self.records = records
        self.logger = logger
    }

    public func start(service: String, color: DeployColor, version: String) async throws(DeployError) -> ColorRecord {
        await remove(service: service, color: color)
        return try await launch(service: service, color: color, version: version, port: nil)
    }

    public func remove(service: String, color: DeployColor) async {
        await stop(service: service, color: color)
        records.remove(service: service, color: color)
    }

    public func stop(service: String, color: DeployColor) async {
        guard let pid = records.load(service: service, color: color)?.pid else { return }
        if await ProcessRuntime.stopGroup(pid: pid, grace: runtime.configuration.stopGrace) {
            logger.info("stopped process", metadata: ["service": "\(service)", "color": "\(color)", "pid": "\(pid)"])
        }
    }

    public func isRunning(service: String, color: DeployColor) async -> Bool {
        guard let pid = records.load(service: service, color: color)?.pid else { return false }
        return Self.isAlive(pid)
    }

    public func restart(service: String, color: DeployColor) async throws(DeployError) -> ColorRecord {
        guard let record = records.load(service: service, color: color) else {
            throw DeployError(
                kind: .nothingToRollBack,
                userMessage: """
                    Nothing is recorded for the \(color) color of '\(service)' in \(records.directory), so it cannot \
                    be started again. Deploy a version instead: shipshape deploy \(service) --version V.
                    """)
        }
        if let pid = record.pid, Self.isAlive(pid) { return record }
        let port = HostPort(configText: record.target)?.port
        return try await launch(service: service, color: color, version: record.version, port: port)
    }

    public func recentLog(service: String, color: DeployColor) async -> [String] {
        guard let file = records.load(service: service, color: color)?.logFile else { return [] }
        return LogTail.lastLines(ofFile: file, count: runtime.configuration.logLines)
    }

    /// Runs the hook on the host, with the new color's port and identity in its environment.
    public func runHook(_ hook: DeployHook, _ command: [String], service: String, record: ColorRecord)
        async throws(DeployError)
    {
        var environment = ProcessInfo.processInfo.environment
        environment["SHIPSHAPE_SERVICE"] = service
        environment["SHIPSHAPE_COLOR"] = record.color.rawValue
        environment["SHIPSHAPE_VERSION"] = record.version
        environment["SHIPSHAPE_TARGET"] = record.target
        environment["PORT"] = HostPort(configText: record.target).map { String($0.port) }
        try await HookRunner.run(hook, command, environment: environment, timeout: DeployHook.defaultTimeout)
    }

    // MARK: - Helpers

    func launch(service: String, color: DeployColor, version: String, port: Int?) async throws(DeployError)
        -> ColorRecord
    {
        let logFile = (runtime.configuration.logFile ?? "")
            .replacingOccurrences(of: "{color}", with: color.rawValue)
        let resolvedLog = logFile.contains("{") ? nil : logFile
        if let resolvedLog {
            try? FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: resolvedLog).deletingLastPathComponent().path,
                withIntermediateDirectories: true)
            // Each start begins a fresh log, so a failure report quotes this run, not an older one.
            try? FileManager.default.removeItem(atPath: resolvedLog)
        }
        let process = try runtime.start(color: color, version: version, port: port)
        let record = ColorRecord(
            service: service, color: color, version: version, target: "\(process.target)", pid: process.pid,
            logFile: resolvedLog)
        try records.save(record)
        return record
    }

    /// True while the process `pid` runs (reaping it first if it is our child and has exited; a zombie that
    /// init never reaps counts as exited, see `ProcessTable`).
    static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 1 else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { return false }
        return ProcessTable.isRunning(pid)
    }
}
