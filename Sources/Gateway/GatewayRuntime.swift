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
    /// Set when the drain begins, before the listeners are told to quiesce. A connection accepted around that
    /// moment can miss NIO's `ChannelShouldQuiesceEvent` (it is fired on the connection's event loop before its
    /// handlers exist when the connection lands on another loop than the listener), so handlers added later
    /// look here instead.
    let shuttingDown = Atomic<Bool>(false)
    /// How long a connection accepted as the drain began has to send its first request: its client may have
    /// sent it before the listener closed. It is answered with `Connection: close`; a silent one is closed.
    static let lateRequestGrace: TimeAmount = .milliseconds(250)
    let maintenance = Mutex<GatewayErrorResponse?>(nil)
    let maintenanceFlag = Atomic<Bool>(false)
    /// What the admin API set last, for the state file (nil until it is used).
    let maintenanceState = Mutex<MaintenanceState?>(nil)

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
    func setMaintenance(_ state: MaintenanceState) {
        maintenanceState.withLock { $0 = state }
        maintenance.withLock { response in
            response = GatewayErrorResponse(
                status: .serviceUnavailable, code: "maintenance", message: state.message ?? "down for maintenance",
                extraHeaders: [("Retry-After", String(state.retryAfter))])
        }
        maintenanceFlag.store(state.enabled, ordering: .relaxed)
    }

    /// The security headers of an answer the gateway writes below the HTTP encoder (408, 503 overloaded).
    func answerHeaders(secure: Bool) -> HTTPHeaders {
        securityHeaders.map { secure ? $0.secureBlock : $0.plainBlock } ?? [:]
    }

    /// Response headers every answer gets: security headers, the request ID, quota headers; and never
    /// `Server` or `X-Powered-By`.
    func decorate(_ headers: inout HTTPHeaders, requestID: String, secure: Bool, extra: [(name: String, value: String)]) {
        let added = securityHeaders.map { secure ? $0.secure : $0.plain } ?? []
        let block = securityHeaders.map { secure ? $0.secureBlock : $0.plainBlock }
        // One pass over the upstream's headers: which of ours it set itself (an application's own CSP wins),
        // and whether it sent one of those that are replaced or hidden.
        let lengths = securityHeaders.map { secure ? $0.secureLengths : $0.plainLengths } ?? 0
        var present: UInt64 = 0
        var replaced = false
        var extraPresent = false
        for (name, _) in headers {
            // Names are compared only where the length allows a match (most upstream headers match nothing).
            let length: UInt64 = 1 << UInt64(min(name.utf8.count, 63))
            if length & Self.replacedLengths != 0, Self.replacedHeaders.contains(where: { HeaderName.matches(name, $0) }) {
                replaced = true
                continue
            }
            if !extra.isEmpty, !extraPresent, extra.contains(where: { name.equalsIgnoringASCIICase($0.name) }) { extraPresent = true }
            guard length & lengths != 0 else { continue }
            for index in added.indices.prefix(64) where HeaderName.matches(name, added[index].key) {
                present |= 1 << index
            }
        }
        if replaced {
            for name in Self.replacedHeaderNames { headers.remove(name: name) }
        }
        // One allocation for everything added below rather than a growth step every few headers.
        headers.reserveCapacity(headers.count + added.count + 1 + extra.count)
        if present == 0, added.count <= 64, let block {
            headers.add(contentsOf: block)
        } else {
            for index in added.indices {
                let isPresent = index < 64 ? present & (1 << index) != 0 : headers.contains(name: added[index].name)
                if !isPresent { headers.add(name: added[index].name, value: added[index].value) }
            }
        }
        headers.add(name: RequestID.headerName, value: requestID)
        // Ours (the rate limit's) win over the upstream's; when it sent none, no search is needed.
        for (name, value) in extra {
            if extraPresent { headers.replaceOrAdd(name: name, value: value) } else { headers.add(name: name, value: value) }
        }
    }

    /// Upstream headers the gateway removes (`Server`, `X-Powered-By`) or replaces with its own (the request ID).
    static let replacedHeaderNames = ["server", "x-powered-by", RequestID.headerName.lowercased()]
    private static let replacedHeaders = replacedHeaderNames.map { Array($0.utf8) }
    private static let replacedLengths = SecurityHeaders.lengthMask(replacedHeaderNames)

    /// Logs and counts a finished exchange, on the event loop that handled it. `series` is the connection's
    /// cached metrics series.
    func recordCompleted(_ exchange: Exchange, on eventLoop: any EventLoop, series: inout GatewayMetrics.RequestSeries?) {
        accessLog.record(exchange, on: eventLoop)
        metrics.recordRequest(
            route: exchange.route, status: Int(exchange.status?.code ?? 0), color: exchange.color?.rawValue ?? "-",
            duration: .nanoseconds(exchange.durationNanoseconds), cached: &series)
    }
}
