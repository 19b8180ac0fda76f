import NIOCore
import NIOHTTP1
import NIOPosix
import ShipshapeCore

/// Keep-alive connections to upstream targets, owned by one event loop: the client connection and its
/// upstream connection always share a loop, so handing bytes across needs no locks or hops.
final class UpstreamConnectionPool {
    /// Idle connections kept per target.
    static let maximumIdlePerTarget = 64
    /// An idle connection older than this is closed instead of reused (upstreams close idle ones too).
    static let maximumIdleTime: TimeAmount = .seconds(30)

    struct IdleConnection {
        let channel: any Channel
        let handler: UpstreamHandler
        let since: NIODeadline
    }

    /// A connection leased to one exchange. It crosses futures of its own event loop only, where the handler
    /// lives, hence the unchecked conformance.
    struct Lease: @unchecked Sendable {
        let channel: any Channel
        let handler: UpstreamHandler
        /// True when the connection served an earlier request (it may have been closed by the upstream meanwhile).
        let reused: Bool
    }

    let eventLoop: any EventLoop
    let connectTimeout: TimeAmount
    private var idle: [HostPort: [IdleConnection]] = [:]

    init(eventLoop: any EventLoop, connectTimeout: TimeAmount) {
        self.eventLoop = eventLoop
        self.connectTimeout = connectTimeout
    }

    /// An idle keep-alive connection to `target`, if one is still usable (stale ones are closed on the way).
    func acquireIdle(_ target: HostPort) -> Lease? {
        eventLoop.assertInEventLoop()
        let now = NIODeadline.now()
        // Mutating through the subscript keeps the list uniquely referenced: no copy per request.
        while let candidate = idle[target]?.popLast() {
            if candidate.channel.isActive, now - candidate.since < Self.maximumIdleTime {
                return Lease(channel: candidate.channel, handler: candidate.handler, reused: true)
            }
            candidate.channel.close(promise: nil)
        }
        return nil
    }

    /// A new connection that bypasses the idle list (for a retry after a stale reused one).
    func connect(_ target: HostPort) -> EventLoopFuture<Lease> {
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // No outbound header validator: every request head comes from the client's parser, which
                    // refuses what the validator looks for (CR, LF, NUL, bad name bytes), plus values the gateway
                    // makes or checks itself (forwarding headers, a well-formed request ID and traceparent).
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        leftOverBytesStrategy: .forwardBytes, enableOutboundHeaderValidation: false)
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler())
                }
            }
        return bootstrap.connect(host: target.host, port: target.port).assumeIsolated().flatMapThrowing { channel in
            let handler = try channel.pipeline.syncOperations.handler(type: UpstreamHandler.self)
            let channelID = ObjectIdentifier(channel)
            // Set once per connection: a connection that closes while idle leaves the list.
            handler.onClose = { [weak self] in
                self?.idle[target]?.removeAll { ObjectIdentifier($0.channel) == channelID }
            }
            return Lease(channel: channel, handler: handler, reused: false)
        }.nonisolated()
    }

    /// Returns a connection after a complete exchange; closes it if it cannot be reused.
    func release(_ lease: Lease, target: HostPort) {
        eventLoop.assertInEventLoop()
        let handler = lease.handler
        guard lease.channel.isActive, !handler.inResponse, !handler.closeAfterResponse else {
            lease.channel.close(promise: nil)
            return
        }
        handler.delegate = nil
        handler.clientWritable = true
        guard (idle[target]?.count ?? 0) < Self.maximumIdlePerTarget else {
            lease.channel.close(promise: nil)
            return
        }
        idle[target, default: []].append(IdleConnection(channel: lease.channel, handler: handler, since: .now()))
    }

    /// Closes every idle connection (shutdown, or after a target is retired).
    func closeAll() {
        for (_, list) in idle { for connection in list { connection.channel.close(promise: nil) } }
        idle.removeAll()
    }
}

@available(*, unavailable)
extension UpstreamConnectionPool: Sendable {}

/// One pool per event loop, created up front so lookups on the hot path take no lock.
final class UpstreamPools: Sendable {
    private let pools: [ObjectIdentifier: NIOLoopBoundBox<UpstreamConnectionPool>]

    init(group: any EventLoopGroup, connectTimeout: TimeAmount) {
        var pools: [ObjectIdentifier: NIOLoopBoundBox<UpstreamConnectionPool>] = [:]
        for eventLoop in group.makeIterator() {
            pools[ObjectIdentifier(eventLoop)] = NIOLoopBoundBox.makeBoxSendingValue(
                UpstreamConnectionPool(eventLoop: eventLoop, connectTimeout: connectTimeout),
                as: UpstreamConnectionPool.self, eventLoop: eventLoop)
        }
        self.pools = pools
    }

    /// The pool of the loop the caller runs on.
    func pool(for eventLoop: any EventLoop) -> UpstreamConnectionPool? {
        pools[ObjectIdentifier(eventLoop)]?.value
    }

    /// Closes idle connections on every loop.
    func closeAll() {
        for bound in pools.values {
            bound.eventLoop.execute { bound.value.closeAll() }
        }
    }
}
