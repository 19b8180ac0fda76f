import DockerEngine
import Logging
import NIOCore

extension DockerColorRuntime {
    /// Runs the hook inside the new color's container through the engine's exec endpoint (as
    /// `docker exec` would), with `SHIPSHAPE_SERVICE`, `SHIPSHAPE_COLOR`, `SHIPSHAPE_VERSION` and
    /// `SHIPSHAPE_TARGET` in its environment. Its output streams into a bounded tail; a non-zero exit, an
    /// engine error or the time limit throws with that tail.
    public func runHook(_ hook: DeployHook, _ command: [String], service: String, record: ColorRecord)
        async throws(DeployError)
    {
        guard !command.isEmpty else { return }
        let container = record.container ?? containerName(service: service, color: record.color)
        let spec = ExecSpec(
            command: command,
            environment: [
                "SHIPSHAPE_SERVICE=\(service)", "SHIPSHAPE_COLOR=\(record.color.rawValue)",
                "SHIPSHAPE_VERSION=\(record.version)", "SHIPSHAPE_TARGET=\(record.target)",
            ])
        let tail = LogTail(capacity: DeployHook.quotedLines)
        let shown = command.joined(separator: " ")
        let client = self.client
        let timeout = hookTimeout
        let exitCode: Int?
        do {
            exitCode = try await TimeLimit.run(timeout) {
                try await client.exec(container, spec) { chunk in
                    chunk.bytes.withUnsafeReadableBytes { tail.append($0) }
                }
            }
        } catch {
            let reason = (error as? DockerEngineError)?.userMessage ?? "\(error)"
            throw DeployError(
                kind: .hookFailed,
                userMessage: "Cannot run the \(hook.rawValue) hook \(shown) in \(container): \(reason)"
                    + tail.quoted())
        }
        guard let exitCode else {
            throw DeployError(
                kind: .hookFailed,
                userMessage: """
                    The \(hook.rawValue) hook \(shown) in \(container) did not finish within \(timeout) (the \
                    engine may still be running it).
                    """ + tail.quoted())
        }
        logger.info(
            "hook finished",
            metadata: ["hook": "\(hook.rawValue)", "container": "\(container)", "exit_code": "\(exitCode)"])
        guard exitCode != 0 else { return }
        throw DeployError(
            kind: .hookFailed,
            userMessage: "The \(hook.rawValue) hook \(shown) in \(container) exited with status \(exitCode)."
                + (hook == .preSwitch ? " The new version was not given traffic." : "") + tail.quoted())
    }

    /// The engine's verdict for the color's container. Podman's compatible service runs no checks by
    /// itself here (no systemd timers), so while it reports `starting` one check is run through libpod's
    /// healthcheck endpoint; Docker runs them on its own schedule and is only read.
    public func engineHealth(service: String, color: DeployColor) async -> EngineHealth? {
        let name = containerName(service: service, color: color)
        guard var status = try? await client.inspectContainer(name).state.health,
            !status.status.isEmpty, status.status != "none"
        else { return nil }
        if status.status == "starting", client.version.isPodman {
            do {
                status = try await client.runHealthCheck(name)
                // Podman's answer leaves out the check's output; inspect has it.
                if status.lastOutput == nil, let inspected = try? await client.inspectContainer(name).state.health {
                    status = inspected
                }
            } catch {
                logger.warning(
                    "cannot run the engine health check", metadata: ["container": "\(name)", "error": "\(error)"])
            }
        }
        switch status.status {
        case "healthy": return .healthy
        case "unhealthy": return .unhealthy(detail: status.lastOutput ?? "no output")
        default: return .starting
        }
    }
}
