import NIOCore
import ShipshapeCore
import Synchronization

/// Open WebSocket tunnels by target, so a retired color's tunnels are closed when its drain ends, not before.
final class TunnelRegistry: Sendable {
    struct Tunnel: Sendable {
        let client: any Channel
        let upstream: any Channel
        let service: String
        let color: Color
        let target: HostPort
    }

    let tunnels = Mutex<[ObjectIdentifier: Tunnel]>([:])

    func register(client: any Channel, upstream: any Channel, service: String, color: Color, target: HostPort) {
        let key = ObjectIdentifier(client)
        tunnels.withLock { $0[key] = Tunnel(client: client, upstream: upstream, service: service, color: color, target: target) }
        client.closeFuture.whenComplete { [weak self] _ in
            _ = self?.tunnels.withLock { $0.removeValue(forKey: key) }
        }
    }

    /// Closes the tunnels of a service's color whose target is not in `keeping`.
    func close(service: String, color: Color, keeping: [HostPort]) {
        let closing = tunnels.withLock { tunnels in
            tunnels.values.filter { $0.service == service && $0.color == color && !keeping.contains($0.target) }
        }
        for tunnel in closing {
            tunnel.upstream.close(promise: nil)
            tunnel.client.close(promise: nil)
        }
    }

    /// How many tunnels are open.
    var count: Int { tunnels.withLock { $0.count } }
}
