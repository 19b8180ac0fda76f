import NIOCore
import NIOPosix
import ShipshapeCore

/// The switch gate for a color without active health checks: each of its targets must accept a TCP connection
/// (within the upstream connect timeout), or a switch would send every request to a 502.
struct TargetConnectCheck: Sendable {
    /// How long each target has to accept.
    let timeout: TimeAmount

    /// The first target (in order) that did not accept, with why; nil when all did. All are tried at once.
    func firstRefusal(of targets: [HostPort], on eventLoop: any EventLoop) -> EventLoopFuture<(HostPort, String)?> {
        let attempts = targets.map { target in
            ClientBootstrap(group: eventLoop)
                .connectTimeout(timeout)
                .connect(host: target.host, port: target.port)
                .flatMap { channel in channel.close().map { nil as String? }.recover { _ in nil } }
                .recover { error in Self.describe(error) as String? }
        }
        return EventLoopFuture.whenAllComplete(attempts, on: eventLoop).map { results in
            for (target, result) in zip(targets, results) {
                if case .success(let reason?) = result { return (target, reason) }
            }
            return nil
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? ChannelError, case .connectTimeout(let amount) = error {
            return "it did not accept a connection within \(amount.nanoseconds / 1_000_000)ms"
        }
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return "\(first.error)"
        }
        return "\(error)"
    }
}
