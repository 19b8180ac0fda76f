import Logging
import NIOCore
import ShipshapeCore

/// Probes every target of every probed service on its interval and feeds the results to the registry;
/// state changes are logged and exported as `shipshape_upstream_healthy`.
struct HealthMonitor: Sendable {
    let services: [String: ServiceConfiguration]
    let registry: ServiceRegistry
    let metrics: GatewayMetrics
    let group: any EventLoopGroup
    let logger: Logger

    /// Runs until cancelled.
    func run() async {
        await withTaskGroup(of: Void.self) { tasks in
            for (name, service) in services where service.healthCheckEnabled {
                tasks.addTask { await probeLoop(name: name, health: service.health) }
            }
            tasks.addTask { await publishLoop() }
        }
    }

    func probeLoop(name: String, health: HealthCheckConfiguration) async {
        let probe = HealthProbe(path: health.path, timeout: .nanoseconds(health.timeout.nanoseconds))
        while !Task.isCancelled {
            let before = registry.snapshot().first { $0.name == name }
            let targets = before?.targets ?? []
            await withTaskGroup(of: Void.self) { probes in
                for target in targets {
                    guard let address = HostPort(configText: target.address) else { continue }
                    probes.addTask {
                        let healthy = (try? await probe.check(address, on: group.next()).get()) ?? false
                        registry.recordProbe(service: name, color: target.color, target: address, success: healthy)
                    }
                }
            }
            let after = registry.snapshot().first { $0.name == name }
            logChanges(service: name, before: before?.targets ?? [], after: after?.targets ?? [])
            try? await Task.sleep(for: health.interval)
        }
    }

    func publishLoop() async {
        while !Task.isCancelled {
            metrics.publishHealth(registry.snapshot())
            try? await Task.sleep(for: .seconds(1))
        }
    }

    func logChanges(service: String, before: [TargetSnapshot], after: [TargetSnapshot]) {
        for target in after {
            let previous = before.first { $0.address == target.address && $0.color == target.color }?.state
            guard let previous, previous != target.state else { continue }
            logger.info(
                "target is \(target.state.rawValue)",
                metadata: [
                    "service": .string(service), "color": .string(target.color.rawValue),
                    "target": .string(target.address), "previous_state": .string(previous.rawValue),
                ])
        }
    }
}
