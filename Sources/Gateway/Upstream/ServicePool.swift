import NIOCore
import ShipshapeCore

/// One upstream target with its health bookkeeping.
struct Target: Sendable {
    let address: HostPort
    var state: TargetState
    var consecutiveSuccesses = 0
    var consecutiveFailures = 0
    /// Passive ejection: after a refused connection the target gets no traffic until this instant.
    var ejectedUntil: NIODeadline?

    func isEligible(at now: NIODeadline) -> Bool {
        guard state == .healthy else { return false }
        if let ejectedUntil, ejectedUntil > now { return false }
        return true
    }
}

/// A service's blue and green pools, the active color, and round-robin position.
struct ServicePool: Sendable {
    let name: String
    var activeColor: Color = .blue
    var targets: [Color: [Target]] = [.blue: [], .green: []]
    var nextIndex = 0
    /// Whether targets must pass an active probe before they take traffic.
    let probed: Bool
    let health: HealthCheckConfiguration

    init(name: String, probed: Bool, health: HealthCheckConfiguration) {
        self.name = name
        self.probed = probed
        self.health = health
    }

    /// Replaces a color's targets; known addresses keep their health state.
    mutating func setTargets(_ addresses: [HostPort], color: Color) {
        let existing = targets[color] ?? []
        targets[color] = addresses.map { address in
            if let known = existing.first(where: { $0.address == address }) { return known }
            return Target(address: address, state: probed ? .adding : .healthy)
        }
    }

    /// The next eligible target of the active color, round-robin. When every healthy target is ejected, they
    /// are tried anyway: ejection steers traffic away from a failing target, it does not turn a service off.
    mutating func pick(now: NIODeadline) -> HostPort? {
        guard let pool = targets[activeColor], !pool.isEmpty else { return nil }
        for ignoringEjection in [false, true] {
            for offset in 0..<pool.count {
                let index = (nextIndex + offset) % pool.count
                let target = pool[index]
                if ignoringEjection ? target.state == .healthy : target.isEligible(at: now) {
                    nextIndex = index + 1
                    return target.address
                }
            }
        }
        return nil
    }

    /// True when at least one target of `color` is healthy.
    func isHealthy(_ color: Color) -> Bool {
        (targets[color] ?? []).contains { $0.state == .healthy }
    }

    mutating func update(color: Color, address: HostPort, _ change: (inout Target) -> Void) {
        guard var list = targets[color], let index = list.firstIndex(where: { $0.address == address }) else { return }
        change(&list[index])
        targets[color] = list
    }
}
