import NIOCore
import ShipshapeCore
import Synchronization

/// The live routing state of every service: pools per color, target health, the active color.
/// Shared by all event loops; one short critical section per request.
public final class ServiceRegistry: Sendable {
    /// How long a target that refused a connection is skipped.
    static let passiveEjection: TimeAmount = .seconds(10)

    let pools: Mutex<[String: ServicePool]>

    /// A registry for the configured services; static targets start in blue.
    public init(services: [String: ServiceConfiguration]) {
        var pools: [String: ServicePool] = [:]
        for (name, service) in services {
            var pool = ServicePool(name: name, probed: service.healthCheckEnabled, health: service.health)
            if !service.targets.isEmpty { pool.setTargets(service.targets, color: .blue) }
            pools[name] = pool
        }
        self.pools = Mutex(pools)
    }

    /// The outcome of choosing a target.
    enum Pick {
        case target(HostPort, Color)
        /// The active color (named so the 503 is counted as that color's failure) has no target to take it.
        case noHealthyTarget(Color)
        case unknownService
    }

    func pick(service: String) -> Pick {
        let now = NIODeadline.now()
        return pools.withLock { pools in
            guard var pool = pools[service] else { return .unknownService }
            guard let address = pool.pick(now: now) else { return .noHealthyTarget(pool.activeColor) }
            let color = pool.activeColor
            pools[service] = pool
            return .target(address, color)
        }
    }

    /// Passive ejection after a refused or timed-out connection.
    func connectFailed(service: String, color: Color, target: HostPort) {
        let until = NIODeadline.now() + Self.passiveEjection
        pools.withLock { pools in pools[service]?.update(color: color, address: target) { $0.ejectedUntil = until } }
    }

    /// For a switch to `color` of a service without active health checks, its targets, which must each accept
    /// a connection first; nil when the service is probed (its health states are the gate).
    func targetsToCheckBeforeSwitch(service: String, color: Color) throws(AdminError) -> [HostPort]? {
        try pools.withLock { pools throws(AdminError) in
            guard let pool = pools[service] else { throw AdminError.unknownService(service) }
            guard !pool.probed else { return nil }
            let targets = (pool.targets[color] ?? []).map(\.address)
            guard !targets.isEmpty else { throw AdminError.colorHasNoTargets(service: service, color: color) }
            return targets
        }
    }

    /// Registers the targets of a color (admin API `PUT /v1/services/{name}/targets/{color}`), unless that
    /// empties the active color while it has targets: production would answer 503 (`force` does it anyway).
    public func setTargets(service: String, color: Color, targets: [HostPort], force: Bool = false) throws(AdminError) {
        try pools.withLock { pools throws(AdminError) in
            guard var pool = pools[service] else { throw AdminError.unknownService(service) }
            if !force, targets.isEmpty, pool.activeColor == color, !(pool.targets[color] ?? []).isEmpty {
                throw AdminError.wouldEmptyActiveColor(service: service, color: color)
            }
            pool.setTargets(targets, color: color)
            pools[service] = pool
        }
    }

    /// Makes `color` active; refuses unless it has a healthy target, or `force` is set.
    public func activate(service: String, color: Color, force: Bool) throws(AdminError) {
        try pools.withLock { pools throws(AdminError) in
            guard var pool = pools[service] else { throw AdminError.unknownService(service) }
            // A draining target whose probes kept passing can take traffic again at once (a rollback during the
            // drain, a bake flip-back): waiting for its next probe would answer 503 meanwhile.
            for index in (pool.targets[color] ?? []).indices {
                if let target = pool.targets[color]?[index], target.state == .draining,
                    target.consecutiveSuccesses >= 1 || !pool.probed
                {
                    pool.targets[color]?[index].state = .healthy
                }
            }
            guard force || pool.isHealthy(color) else { throw AdminError.colorNotHealthy(service: service, color: color) }
            let previous = pool.activeColor
            pool.activeColor = color
            if previous != color {
                for index in (pool.targets[previous] ?? []).indices { pool.targets[previous]?[index].state = .draining }
            }
            pools[service] = pool
        }
    }

    /// Records a probe result and applies the healthy/unhealthy thresholds.
    func recordProbe(service: String, color: Color, target: HostPort, success: Bool) {
        pools.withLock { pools in
            guard let pool = pools[service] else { return }
            let health = pool.health
            let isActive = pool.activeColor == color
            pools[service]?.update(color: color, address: target) { target in
                if success {
                    target.consecutiveSuccesses += 1
                    target.consecutiveFailures = 0
                    if target.consecutiveSuccesses >= health.healthy, target.state != .healthy {
                        // A draining target that recovers stays out of rotation until its color is active again.
                        if target.state != .draining || isActive { target.state = .healthy }
                    }
                } else {
                    target.consecutiveFailures += 1
                    target.consecutiveSuccesses = 0
                    if target.consecutiveFailures >= health.unhealthy, target.state != .draining {
                        target.state = .unhealthy
                    }
                }
            }
        }
    }

    /// A copy of every service's state, for the admin API, metrics and the state file.
    public func snapshot() -> [ServiceSnapshot] {
        pools.withLock { pools in
            pools.values.sorted { $0.name < $1.name }.map { pool in
                ServiceSnapshot(
                    name: pool.name, activeColor: pool.activeColor,
                    targets: Color.allCases.flatMap { color in
                        (pool.targets[color] ?? []).map {
                            TargetSnapshot(address: $0.address.description, color: color, state: $0.state)
                        }
                    })
            }
        }
    }

    /// Restores colors and targets saved by a previous run.
    func restore(_ saved: [ServiceSnapshot]) {
        pools.withLock { pools in
            for service in saved {
                guard var pool = pools[service.name] else { continue }
                for color in Color.allCases {
                    let addresses = service.targets.filter { $0.color == color }.compactMap {
                        HostPort(configText: $0.address)
                    }
                    if !addresses.isEmpty || color == .green { pool.setTargets(addresses, color: color) }
                }
                pool.activeColor = service.activeColor
                pools[service.name] = pool
            }
        }
    }
}

/// A service's state as the admin API reports it.
public struct ServiceSnapshot: Sendable, Codable, Equatable {
    /// The service name.
    public var name: String
    /// The color taking new requests.
    public var activeColor: Color
    /// Every target of both colors.
    public var targets: [TargetSnapshot]
}

/// One target as the admin API reports it.
public struct TargetSnapshot: Sendable, Codable, Equatable {
    /// `host:port`.
    public var address: String
    /// Its pool.
    public var color: Color
    /// Its state.
    public var state: TargetState
}
