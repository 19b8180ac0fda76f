import Foundation
import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import RateLimit
import ServiceLifecycle
import ShipshapeCore
import Synchronization
import UnixSignals

/// The edge gateway as a long-running service: listeners, the admin API, the metrics endpoint and the
/// health monitor. SIGHUP reloads certificates; graceful shutdown stops accepting and drains in-flight work.
public final class Gateway: Service, Sendable {
    /// Where the gateway ended up listening (ports chosen by the system when configured as 0).
    public struct BoundAddresses: Sendable {
        /// The plain HTTP listener.
        public var http: SocketAddress?
        /// The HTTPS listener.
        public var https: SocketAddress?
        /// The metrics listener.
        public var metrics: SocketAddress?
        /// The admin API socket path.
        public var adminSocket: String?
    }

    let configuration: ShipshapeConfiguration
    let logger: Logger
    let group: any EventLoopGroup
    let runtime: GatewayRuntime
    let tls: TLSContextStore?
    let stateFile: GatewayStateFile
    let bound: EventLoopPromise<BoundAddresses>
    let connections = ConnectionRegistry()
    let rateLimiter: RateLimiter?
    let acme: ACMECertificateManager?

    /// Prepares the gateway: loads certificates and saved state; nothing listens until `run()`.
    public init(
        configuration: ShipshapeConfiguration,
        logger: Logger = Logger(label: "shipshape.gateway"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        accessLogSink: LogSink = .standardOutput
    ) throws {
        self.configuration = configuration
        self.logger = logger
        self.group = group
        let gateway = configuration.gateway
        let registry = ServiceRegistry(services: configuration.services)
        stateFile = GatewayStateFile(path: configuration.resolve(gateway.admin.effectiveStateFile))
        let saved = try stateFile.load()
        if let saved {
            registry.restore(saved.services)
            logger.info("restored colors and targets", metadata: ["state_file": .string(stateFile.path)])
        }
        let limiter = gateway.rateLimits.policies.isEmpty
            ? nil
            : try RateLimiter(
                configuration: gateway.rateLimits, logger: Logger(label: "shipshape.ratelimit"), eventLoopGroup: group)
        rateLimiter = limiter
        runtime = GatewayRuntime(
            configuration: gateway, registry: registry,
            pools: UpstreamPools(group: group, connectTimeout: .nanoseconds(gateway.limits.upstreamConnectTimeout.nanoseconds)),
            metrics: GatewayMetrics(registry: ShipshapeMetrics.registry, enabled: gateway.admin.metrics != nil),
            admission: limiter.map { RateLimitAdmission(limiter: $0) }, accessLogSink: accessLogSink, group: group)
        if let maintenance = saved?.maintenance {
            runtime.setMaintenance(maintenance)
            if maintenance.enabled { logger.notice("maintenance mode restored: on", metadata: ["state_file": .string(stateFile.path)]) }
        }
        let tls = gateway.https == nil ? nil : try TLSContextStore(configuration: gateway.tls, resolvePath: configuration.resolve)
        self.tls = tls
        if let settings = gateway.tls.acme, let tls, let challenges = runtime.acmeChallenges {
            let stateDirectory = (stateFile.path as NSString).deletingLastPathComponent
            let manager = ACMECertificateManager(
                settings: settings,
                cacheDirectory: configuration.resolve(settings.cache ?? (stateDirectory.isEmpty ? "." : stateDirectory) + "/acme"),
                store: tls, challenges: challenges, group: group, logger: Logger(label: "shipshape.acme"))
            manager.installCached()
            acme = manager
        } else {
            acme = nil
        }
        bound = group.next().makePromise(of: BoundAddresses.self)
    }

    /// The live service registry (colors, targets, health).
    public var registry: ServiceRegistry { runtime.registry }

    /// Waits until every listener is bound and returns the addresses.
    public func addresses() async throws -> BoundAddresses { try await bound.futureResult.get() }

    public func run() async throws {
        let gateway = configuration.gateway
        var listeners: [(channel: any Channel, quiescing: ServerQuiescingHelper)] = []
        var internalServers: [any Channel] = []
        var addresses = BoundAddresses()
        do {
            if let https = gateway.https, let tls {
                let listener = try await listening("gateway.https", on: "\(https)") {
                    try await bind(https, pipeline: GatewayPipeline(runtime: runtime, tls: tls, redirectToHTTPSPort: nil))
                }
                listeners.append(listener)
                addresses.https = listener.channel.localAddress
            }
            if let http = gateway.http {
                let redirectPort = gateway.https == nil ? nil : (addresses.https?.port ?? gateway.https?.port)
                let listener = try await listening("gateway.http", on: "\(http)") {
                    try await bind(http, pipeline: GatewayPipeline(runtime: runtime, tls: nil, redirectToHTTPSPort: redirectPort))
                }
                listeners.append(listener)
                addresses.http = listener.channel.localAddress
            }
            if let metrics = gateway.admin.metrics {
                let server = try await listening("gateway.admin.metrics", on: "\(metrics)") {
                    try await bindSmallServer(host: metrics.host, port: metrics.port) { request in
                        request.path.hasPrefix("/metrics")
                            ? SmallResponse(status: .ok, contentType: "text/plain; version=0.0.4", body: ShipshapeMetrics.render())
                            : SmallResponse(status: .ok, body: #"{"status":"ok"}"#)
                    }
                }
                internalServers.append(server)
                addresses.metrics = server.localAddress
            }
            let socketPath = configuration.resolve(gateway.admin.socket)
            let api = AdminAPI(runtime: runtime, stateFile: stateFile)
            internalServers.append(
                try await listening("gateway.admin.socket", on: socketPath) { try await bindAdminSocket(socketPath) { api.respond(to: $0, on: $1) } })
            addresses.adminSocket = socketPath
        } catch {
            for listener in listeners { try? await listener.channel.close() }
            for server in internalServers { try? await server.close() }
            bound.fail(error)
            throw error
        }
        bound.succeed(addresses)
        logger.info(
            "gateway listening",
            metadata: [
                "http": .string(addresses.http.map { "\($0)" } ?? "-"), "https": .string(addresses.https.map { "\($0)" } ?? "-"),
                "admin_socket": .string(addresses.adminSocket ?? "-"),
            ])

        let monitor = HealthMonitor(
            services: configuration.services, registry: runtime.registry, metrics: runtime.metrics, group: group,
            logger: logger)
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await monitor.run() }
            tasks.addTask { await self.reloadOnHangup() }
            if let acme = self.acme { tasks.addTask { await acme.run() } }
            tasks.addTask { try? await gracefulShutdown() }
            await tasks.next()
            // Stop accepting and tell the connections at once: the other tasks end meanwhile (a health probe
            // in flight finishes within its timeout, not at cancellation).
            tasks.cancelAll()
            await drain(listeners: listeners)
        }
        await runtime.accessLog.flushAll()
        for server in internalServers { try? await server.close() }
        runtime.pools.closeAll()
        await rateLimiter?.shutdown()
        logger.info("gateway stopped")
    }

    /// Stops accepting, lets in-flight requests finish (bounded by `limits.shutdown_timeout`), then closes.
    func drain(listeners: [(channel: any Channel, quiescing: ServerQuiescingHelper)]) async {
        logger.info("draining", metadata: ["open_connections": .stringConvertible(connections.count)])
        runtime.shuttingDown.store(true, ordering: .sequentiallyConsistent)
        let drained = group.next().makePromise(of: Void.self)
        let all = EventLoopFuture.andAllComplete(
            listeners.map { listener in
                let promise = group.next().makePromise(of: Void.self)
                listener.quiescing.initiateShutdown(promise: promise)
                return promise.futureResult
            }, on: group.next())
        all.cascade(to: drained)
        let timeout = configuration.gateway.limits.shutdownTimeout
        let forced = group.next().scheduleTask(in: .nanoseconds(timeout.nanoseconds)) { [connections] in
            connections.closeAll()
        }
        try? await drained.futureResult.get()
        forced.cancel()
    }

    func reloadOnHangup() async {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals {
            guard let tls else { continue }
            do {
                try tls.reload()
                logger.info("certificates reloaded", metadata: ["names": .string("\(tls.servedNames)")])
            } catch {
                logger.error("certificate reload failed; still serving the previous certificates", metadata: ["error": .string("\(error)")])
            }
        }
    }

    func bind(_ address: HostPort, pipeline: GatewayPipeline) async throws -> (channel: any Channel, quiescing: ServerQuiescingHelper) {
        let quiescing = ServerQuiescingHelper(group: group)
        let connections = self.connections
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: false)
            .childChannelInitializer { channel in
                connections.add(channel)
                return pipeline.configure(channel)
            }
            .bind(host: address.host, port: address.port)
            .get()
        return (channel, quiescing)
    }

    func bindSmallServer(
        host: String, port: Int, respond: @escaping @Sendable (SmallRequest) -> SmallResponse
    ) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(SmallHTTPServerHandler(immediate: respond))
                }
            }
            .bind(host: host, port: port)
            .get()
    }

    func bindAdminSocket(
        _ path: String, respond: @escaping SmallHTTPServerHandler.Responder
    ) async throws -> any Channel {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(SmallHTTPServerHandler(respond: respond))
                }
            }
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true)
            .get()
        // Only the owner may drive the gateway: the socket can switch traffic.
        guard chmod(path, 0o600) == 0 else { throw IOError(errnoCode: errno, reason: "chmod 0600") }
        return channel
    }
}

/// Every open client connection, so shutdown can close what did not finish within the drain timeout.
final class ConnectionRegistry: Sendable {
    let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        channels.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.channels.withLock { $0.removeValue(forKey: key) }
        }
    }

    var count: Int { channels.withLock { $0.count } }

    func closeAll() {
        for channel in channels.withLock({ Array($0.values) }) { channel.close(promise: nil) }
    }
}

/// Binds one listener; a failure becomes a `GatewayError` naming the configuration key and the address.
func listening<Result>(_ key: String, on address: String, _ bind: () async throws -> Result) async throws -> Result {
    do {
        return try await bind()
    } catch let error as IOError {
        throw GatewayError.bindFailed(key: key, address: address, reason: String(cString: strerror(error.errnoCode)))
    } catch {
        throw GatewayError.bindFailed(key: key, address: address, reason: "\(error)")
    }
}

/// Why the gateway could not start or run.
public enum GatewayError: UserFacingError {
    /// A listener (`key` in the configuration, at `address`) could not be bound.
    case bindFailed(key: String, address: String, reason: String)

    public var userMessage: String {
        switch self {
        case .bindFailed(let key, let address, let reason):
            "the gateway could not listen on \(address) (\(key)): \(reason); check that nothing else listens there "
                + "and that this user may bind it (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
        }
    }
}
