import AsyncHTTPClient
import Foundation
import Logging
import ShipshapeCore

/// Runs a blue-green deploy of one service: `prepare → start → health → smoke → pre_switch → switch →
/// bake → drain → retire`, each step logged, timed and stored in the history. A failure before the switch removes
/// the new color and leaves the old one serving; a bake failure flips traffic back (forced) and records it.
public struct DeployController: Sendable {
    /// The steps of a deploy, in order.
    public static let steps = [
        "prepare", "start", "health", "smoke", "pre_switch", "switch", "bake", "drain", "retire", "post_deploy",
    ]

    /// What a finished deploy reports.
    public struct Outcome: Sendable {
        /// The history record written.
        public var record: DeployRecord
        /// How long the switch request took: from the decision to the gateway routing new requests to the
        /// new color, in milliseconds.
        public var switchMilliseconds: Double?
    }

    let settings: DeploySettings
    let runtime: any ColorRuntime
    let admin: AdminClient
    let httpClient: HTTPClient
    let logger: Logger

    /// A controller for `settings.service`, starting colors with `runtime` and sending admin, smoke and
    /// metrics requests through `httpClient` (the caller shuts it down; `SmokeTester.makeHTTPClient()` fits).
    public init(
        settings: DeploySettings, runtime: any ColorRuntime, httpClient: HTTPClient,
        logger: Logger = Logger(label: "shipshape.deploy")
    ) {
        self.settings = settings
        self.runtime = runtime
        self.httpClient = httpClient
        self.admin = AdminClient(socketPath: settings.adminSocket, httpClient: httpClient)
        self.logger = logger
    }

    var service: String { settings.service.name }
    var history: DeployHistory { DeployHistory(path: settings.historyPath) }

    /// Deploys `version` (an image reference or a process version). Returns the record when the new color
    /// serves; throws `DeployError` (after recording it) otherwise. `force` switches even when the gateway
    /// never reports the new color healthy.
    @discardableResult
    public func deploy(version: String, force: Bool = false) async throws(DeployError) -> Outcome {
        let lock = try DeployLock.acquire(
            path: settings.lockPath, project: settings.project, detail: "deploy \(service) \(version)")
        defer { lock.release() }
        var run = DeployRun(version: version)
        logger.info("deploy started", metadata: ["service": "\(service)", "version": "\(version)"])
        do {
            try await perform(&run, force: force)
        } catch {
            // After SIGINT/SIGTERM the error is only the cancellation seen from inside a step.
            let failure =
                Task.isCancelled
                ? interruption(run) : (error as? DeployError) ?? DeployError(kind: .gateway, userMessage: "\(error)")
            let ended = run
            // A cancelled task fails every admin and engine request at once, so the cleanup (reset the new
            // color's targets, flip back, stop it, record the outcome) runs in a task of its own, which the
            // signal did not cancel; this one waits for it.
            throw await uncancelled { () async -> DeployError in
                var run = ended
                do throws(DeployError) { try await finishFailed(&run, failure) } catch { return error }
            }
        }
        let record = run.record(service: service, outcome: .succeeded, message: run.note)
        try history.append(record)
        await report(record)
        logger.info(
            "deploy succeeded",
            metadata: [
                "service": "\(service)", "version": "\(version)", "color": "\(run.newColor.map { "\($0)" } ?? "-")",
                "duration_ms": "\(Int(record.durationMilliseconds))",
            ])
        return Outcome(record: record, switchMilliseconds: run.switchMilliseconds)
    }

    // MARK: - The flow

    func perform(_ run: inout DeployRun, force: Bool) async throws {
        let version = run.version
        let (newColor, oldColor, oldTarget) = try await step(&run, "prepare") { try await prepare() }
        run.newColor = newColor
        run.oldColor = oldColor
        run.oldTarget = oldTarget
        // Set before the start: a start that fails half-way (a container created, then refused) is removed too.
        run.started = true
        let record = try await step(&run, "start") {
            try await runtime.start(service: service, color: newColor, version: version)
        }
        try await step(&run, "health") { try await healthGate(record, force: force) }
        try await step(&run, "smoke") {
            guard let target = HostPort(configText: record.target), !settings.service.smoke.isEmpty else { return }
            try await SmokeTester(httpClient: httpClient).check(settings.service.smoke, against: target)
        }
        try await step(&run, "pre_switch") {
            guard !settings.service.preSwitchHook.isEmpty else { return }
            try await runtime.runHook(.preSwitch, settings.service.preSwitchHook, service: service, record: record)
        }
        let bake = BakeMonitor(
            metrics: settings.metrics ?? HostPort(host: "", port: 0), routes: settings.routes.map(Set.init),
            httpClient: httpClient, logger: logger)
        if !settings.sharedRoutes.isEmpty {
            logger.warning(
                "the bake window also counts other services' requests on routes they share with this one",
                metadata: ["service": "\(service)", "routes": "\(settings.sharedRoutes.joined(separator: ","))"])
        }
        let baseline = settings.metrics == nil ? nil : try? await bake.read(newColor)
        run.switchMilliseconds = try await step(&run, "switch") { try await switchTraffic(to: newColor, force: force) }
        run.switched = true
        try await step(&run, "bake") {
            // A first deploy has nothing to flip back to, so it is not baked.
            guard let baseline, oldColor != nil, settings.service.bake > .zero else { return }
            let failure = try await bake.watch(
                newColor, from: baseline, window: settings.service.bake,
                maximumErrorRate: settings.service.bakeErrorRate
            ) { await stoppedServing(record) }
            if let failure { try await flipBack(from: record, to: oldColor, failure: failure) }
        }
        guard let oldColor else {
            run.timer.skip(["drain", "retire"])
            run.note = try await postDeploy(&run, record)
            return
        }
        try await step(&run, "drain") { try await drain(oldColor) }
        try await step(&run, "retire") { try await retire(oldColor, standby: oldTarget) }
        run.note = try await postDeploy(&run, record)
    }

    /// Waits `drain` for the requests in flight on `color` (which no longer takes new ones), then removes its
    /// targets, which also ends their WebSocket tunnels: the drain is over.
    func drain(_ color: DeployColor) async throws {
        try await Task.sleep(for: settings.service.drain)
        _ = try await admin.setTargets(service: service, color: color, targets: [])
    }

    /// Stops the drained `color`, or with `--keep-standby` registers `standby` (its target) again while it runs:
    /// it starts as `adding` and the probe makes it a healthy standby that takes no traffic, so a rollback is
    /// then a plain switch.
    func retire(_ color: DeployColor, standby: String?) async throws {
        guard settings.keepStandby, let standby, await runtime.isRunning(service: service, color: color) else {
            await runtime.stop(service: service, color: color)
            return
        }
        _ = try await admin.setTargets(service: service, color: color, targets: [standby])
    }

    /// Runs `hooks.post_deploy` where the runtime runs hooks (process: on the host; docker: inside the new
    /// container). The new version already serves, so a failing hook does not undo the deploy: it is logged
    /// and noted in the history record (returned).
    func postDeploy(_ run: inout DeployRun, _ record: ColorRecord) async throws -> String? {
        let command = settings.service.postDeployHook
        return try await step(&run, "post_deploy") { () async -> String? in
            guard !command.isEmpty else { return nil }
            do throws(DeployError) {
                try await runtime.runHook(.postDeploy, command, service: service, record: record)
                return nil
            } catch {
                logger.error(
                    "post-deploy hook failed", metadata: ["service": "\(service)", "error": "\(error.userMessage)"])
                return "The deploy succeeded but the post-deploy hook failed: \(error.userMessage)"
            }
        }
    }

    /// Finds the colors: the new version goes to the inactive one (or the active one when it has no targets,
    /// as on the first deploy), whose leftover targets from an interrupted deploy are cleared.
    func prepare() async throws(DeployError) -> (new: DeployColor, old: DeployColor?, oldTarget: String?) {
        let state = try await admin.service(service)
        let active = state.activeColor
        if state.targets(of: active).isEmpty { return (active, nil, nil) }
        let new = active.other
        if !state.targets(of: new).isEmpty { try await admin.setTargets(service: service, color: new, targets: []) }
        return (new, active, state.targets(of: active).first?.address)
    }

    /// Registers the new color's target and waits until the gateway's own probe calls it healthy.
    func healthGate(_ record: ColorRecord, force: Bool) async throws(DeployError) {
        let clock = ContinuousClock()
        let deadline = clock.now + settings.healthGateTimeout
        if let target = HostPort(configText: record.target) {
            let listening = await PortProbe.waitUntilListening(target, until: deadline) {
                await runtime.isRunning(service: service, color: record.color)
            }
            if !listening, !(await runtime.isRunning(service: service, color: record.color)) {
                throw DeployError(
                    kind: .unhealthy,
                    userMessage:
                        "The new \(record.color) version \(record.version) exited before it listened on \(target).")
            }
            if !listening, !Task.isCancelled {
                throw DeployError(kind: .unhealthy, userMessage: neverListened(record, target: target))
            }
        }
        try await admin.setTargets(service: service, color: record.color, targets: [record.target])
        var lastState = "adding"
        var engine: EngineHealth?
        while clock.now < deadline {
            let state = try await admin.service(service)
            lastState = state.targets(of: record.color).first { $0.address == record.target }?.state ?? "missing"
            if lastState == "healthy" {
                // The engine's own check is the second gate, asked only once the gateway's probe passes.
                engine = await runtime.engineHealth(service: service, color: record.color)
                switch engine {
                case .none, .healthy: return
                case .unhealthy(let detail):
                    throw DeployError(
                        kind: .unhealthy,
                        userMessage: """
                            The new \(record.color) version \(record.version) passed the gateway's probe but the \
                            engine reports its container unhealthy (latest check: \(detail)). Fix the service's \
                            healthcheck or the app, then deploy again.
                            """)
                case .starting: break
                }
            }
            if lastState == "unhealthy" { break }
            if !(await runtime.isRunning(service: service, color: record.color)) {
                throw DeployError(
                    kind: .unhealthy,
                    userMessage: "The new \(record.color) version \(record.version) exited before it became healthy.")
            }
            try? await Task.sleep(for: DeploySettings.healthPollInterval)
        }
        let health = settings.service.health
        let waited = lastState == "unhealthy" ? "\(health.unhealthy) failures" : "\(settings.healthGateTimeout)"
        var reason = """
            The new \(record.color) version \(record.version) at \(record.target) did not pass the gateway's health \
            check (GET \(health.path), \(health.healthy) success\(health.healthy == 1 ? "" : "es") in a row needed; \
            state '\(lastState)' after \(waited)).
            """
        if lastState == "healthy", engine == .starting {
            reason = """
                The new \(record.color) version \(record.version) passed the gateway's probe, but the engine still \
                reported its health check 'starting' after \(settings.healthGateTimeout).
                """
        }
        if force {
            logger.warning("health gate failed; switching anyway because of --force", metadata: ["reason": "\(reason)"])
            return
        }
        throw DeployError(kind: .unhealthy, userMessage: reason)
    }

    /// Why a new color that runs but never accepted a connection failed, with where to look: the gateway
    /// never got its target, so its health check is not the problem.
    func neverListened(_ record: ColorRecord, target: HostPort) -> String {
        let port = settings.service.port
        let (where_, hint) =
            record.container == nil
            ? ("on \(target)", "the app must listen on the port its command gets as {port} (also $PORT)")
            : (
                "on port \(port) inside its container (published at \(target))",
                "the app must listen on the service's `port: \(port)` in shipshape.yml (inside the container, on "
                    + "0.0.0.0); fix that value or the app's listen address"
            )
        return """
            The new \(record.color) version \(record.version) runs but never accepted connections \(where_) within \
            \(settings.healthGateTimeout): \(hint). It was never given to the gateway.
            """
    }

    /// Switches new requests to `color`; returns how long the gateway took, in milliseconds.
    func switchTraffic(to color: DeployColor, force: Bool) async throws(DeployError) -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try await admin.activate(service: service, color: color, force: force)
        let took = DeployStepTimer.milliseconds(clock.now - start)
        if force { logger.warning("FORCED switch", metadata: ["service": "\(service)", "color": "\(color)"]) }
        logger.info("switched", metadata: ["service": "\(service)", "color": "\(color)", "switch_ms": "\(took)"])
        return took
    }

    /// Why the new color no longer serves during the bake window, or nil while it does: its process or
    /// container exited, or the gateway's probe marked its target unhealthy (an `adding` target after a forced
    /// switch is not a verdict yet: its 503s count against it instead).
    func stoppedServing(_ record: ColorRecord) async -> String? {
        if !(await runtime.isRunning(service: service, color: record.color)) {
            return "its \(record.container == nil ? "process" : "container") exited"
        }
        guard let state = try? await admin.service(service),
            state.targets(of: record.color).first(where: { $0.address == record.target })?.state == "unhealthy"
        else { return nil }
        return "the gateway's health check calls it unhealthy (GET \(settings.service.health.path))"
    }

    /// Sends traffic back to the old color after a failed bake (forced: it is draining, not healthy).
    func flipBack(from new: ColorRecord, to old: DeployColor?, failure: BakeMonitor.Failure) async throws(DeployError) {
        var message: String
        switch failure {
        case .errors(let counts):
            let ratio = String(format: "%.1f%%", counts.errorRatio * 100)
            let limit = String(format: "%.1f%%", settings.service.bakeErrorRate * 100)
            message = """
                The bake window saw \(Int(counts.serverErrors)) of \(Int(counts.total)) requests to the new \(new.color) \
                color answered with 5xx (\(ratio), limit \(limit)).
                """
        case .stopped(let reason):
            message = """
                The new \(new.color) version \(new.version) stopped serving during the bake window: \(reason).
                """
        }
        if let old {
            try await admin.activate(service: service, color: old, force: true)
            logger.warning("bake failed: flipped traffic back", metadata: ["service": "\(service)", "color": "\(old)"])
            message += " Traffic was flipped back to \(old)."
        }
        throw DeployError(kind: .bakeFailed, userMessage: message)
    }
}
