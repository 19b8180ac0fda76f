import NIOCore
import NIOHTTP1
import ShipshapeCore
import Synchronization

/// Everything the proxy handlers of all connections share: configuration, routing, pools, observability.
final class GatewayRuntime: Sendable {
    /// The gateway's own health endpoint.
    static let healthPath = "/health"

    let configuration: GatewayConfiguration
    let router: Router
    let registry: ServiceRegistry
    let pools: UpstreamPools
    let securityHeaders: SecurityHeaders?
    let forwarded: ForwardedHeaders
    let accessLog: AccessLog
    let metrics: GatewayMetrics
    let admission: (any Admission)?
    let tunnels = TunnelRegistry()
    /// HTTP-01 tokens being validated, answered on the plain listener (nil without ACME).
    let acmeChallenges: ACMEChallenges?
    let activeConnections = Atomic<Int>(0)
    let maintenance = Mutex<GatewayErrorResponse?>(nil)
    let maintenanceFlag = Atomic<Bool>(false)

    init(
        configuration: GatewayConfiguration, registry: ServiceRegistry, pools: UpstreamPools, metrics: GatewayMetrics,
        admission: (any Admission)?, accessLogSink: LogSink, group: any EventLoopGroup
    ) {
        self.configuration = configuration
        self.router = Router(routes: configuration.routes)
        self.registry = registry
        self.pools = pools
        self.securityHeaders = configuration.securityHeaders ? SecurityHeaders(overrides: configuration.headers) : nil
        self.forwarded = ForwardedHeaders(trustedProxies: configuration.trustedProxies)
        self.accessLog = AccessLog(sink: accessLogSink, enabled: configuration.accessLog, group: group)
        self.metrics = metrics
        self.admission = admission
        self.acmeChallenges = configuration.tls.acme == nil ? nil : ACMEChallenges()
    }

    var isInMaintenance: Bool { maintenanceFlag.load(ordering: .relaxed) }

    var maintenanceResponse: GatewayErrorResponse {
        maintenance.withLock { $0 } ?? GatewayErrorResponse(
            status: .serviceUnavailable, code: "maintenance", message: "down for maintenance",
            extraHeaders: [("Retry-After", "60")])
    }

    /// Turns maintenance mode on (with an optional message and Retry-After) or off.
    func setMaintenance(enabled: Bool, message: String?, retryAfter: Int) {
        maintenance.withLock { response in
            response = GatewayErrorResponse(
                status: .serviceUnavailable, code: "maintenance", message: message ?? "down for maintenance",
                extraHeaders: [("Retry-After", String(retryAfter))])
        }
        maintenanceFlag.store(enabled, ordering: .relaxed)
    }

    /// Response headers every answer gets: security headers, the request ID, quota headers; and never
    /// `Server` or `X-Powered-By`.
    func decorate(_ headers: inout HTTPHeaders, requestID: String, secure: Bool, extra: [(name: String, value: String)]) {
        headers.remove(name: "server")
        headers.remove(name: "x-powered-by")
        // One allocation for everything added below rather than a growth step every few headers.
        headers.reserveCapacity(headers.count + (securityHeaders?.secure.count ?? 0) + 1 + extra.count)
        securityHeaders?.apply(to: &headers, secure: secure)
        headers.replaceOrAdd(name: RequestID.headerName, value: requestID)
        for (name, value) in extra { headers.replaceOrAdd(name: name, value: value) }
    }

    /// Logs and counts a finished exchange, on the event loop that handled it. `series` is the connection's
    /// cached metrics series.
    func recordCompleted(_ exchange: Exchange, on eventLoop: any EventLoop, series: inout GatewayMetrics.RequestSeries?) {
        accessLog.record(exchange, on: eventLoop)
        metrics.recordRequest(
            route: exchange.route, status: Int(exchange.status?.code ?? 0), color: exchange.color?.rawValue ?? "-",
            duration: .nanoseconds(exchange.durationNanoseconds), cached: &series)
    }
}
